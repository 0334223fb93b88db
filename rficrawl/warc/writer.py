"""A crawl's WARC files: naming, rotation, one gzip member per record, a flush after each page.

warcio builds the records (headers, block and payload digests) into memory; each record is then
compressed as a gzip member of its own and appended to the file, which is flushed once the page's
records are in. So a record can be read alone from its offset and length (the article's pointer),
and a file cut by a SIGKILL or a full disk is valid up to its last whole record: readers
(``warcio check``, pywb, reextract) see every record before the cut.

Files are ``{prefix}-{crawl id}-{opened at}-{serial}.warc.gz`` in the WARC directory, each
starting with a ``warcinfo`` record (software, crawl, spider, the settings that shape what was
fetched, and how payloads are stored); the next file is opened once one holds ``max_size`` bytes.
A page's request and response always share a file. Everything here runs in the recorder's one
writer thread (``rficrawl.warc.recorder``), never in the reactor.

Compression is most of a record's cost, and it is CPU the crawl (parsing pages) wants too. Levels 0
to 3 therefore use ISA-L (``isal``), whose deflate is several times faster than zlib's for the same
gzip format (on a ~530 KB page: about 0.6 ms at its level 2 against about 9 ms for zlib's
level 6, for a member about a quarter larger); levels 4 to 9 use zlib for smaller files. Both
release the GIL while they work, as do the SHA-1 digests and the file writes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import os
import zlib
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO

from isal import isal_zlib
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from rficrawl.warc.capture import CONVERSION, RESPONSE, Capture, Location, Written
from rficrawl.warc.digests import DigestIndex

# Levels up to this one are ISA-L's (its 0-3); above, zlib's.
ISAL_LEVELS = isal_zlib.ISAL_BEST_COMPRESSION
DEFAULT_GZIP_LEVEL = 2
GZIP_LEVELS = range(10)
PREFIX = "rficrawl"
SUFFIX = ".warc.gz"
WARC_VERSION = "1.1"
# Said on every HTTP response and revisit record: the payload is the body after these codings were
# undone ("identity" when there were none), while the HTTP headers are as received.
DECODED_HEADER = "Rficrawl-Payload-Decoded"
# How payloads are stored, in every file's warcinfo record.
PAYLOAD_NOTE = (
    "HTTP response payloads are stored after transfer and content decoding, byte for byte as "
    "rficrawl's extractor read them; HTTP headers are as received (Content-Encoding, "
    "Transfer-Encoding and Content-Length describe the transfer), and each response record's "
    f"{DECODED_HEADER} header names the codings undone. WARC-Payload-Digest is the digest of the "
    "stored payload. Pages rendered by Chromium are conversion records (WARC-Refers-To the "
    "response they were rendered from) or resource records."
)


def warc_date(when: dt.datetime) -> str:
    """A WARC/1.1 date (UTC, microseconds): ``2025-11-30T09:13:47.123456Z``."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_digest(body: bytes) -> str:
    """``sha1:`` and the base32 SHA-1 of a payload, as Heritrix, wget and warcio write it."""
    return _sha1_label(hashlib.sha1(body).digest())


def _sha1_label(digest: bytes) -> str:
    return "sha1:" + base64.b32encode(digest).decode("ascii")


def gzip_compressor(level: int):
    """A compressor of one gzip member: ISA-L's at levels 0-3 (fast), zlib's at 4-9 (smaller)."""
    if level not in GZIP_LEVELS:
        raise ValueError(f"WARC_GZIP_LEVEL must be 0 to 9, not {level}")
    if level <= ISAL_LEVELS:
        return isal_zlib.compressobj(level, isal_zlib.DEFLATED, 31)
    return zlib.compressobj(level, zlib.DEFLATED, 31)


class _Member:
    """Where warcio writes a record (headers, then the payload in 16 KB reads): the pieces are
    kept and compressed together into one gzip member by :meth:`finish`.

    One compression call per record, not one per piece: the writer thread gives the GIL up
    around each call and must then wait for the reactor to hand it back (every 5 ms when the
    reactor is busy), so a record written in 40 calls would keep its page waiting far longer.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def clear(self) -> None:
        """Forget what a record that failed halfway left."""
        self._parts = []

    def write(self, data: bytes) -> int:
        self._parts.append(data)
        return len(data)

    def flush(self) -> None:
        """The member is made by :meth:`finish`, once the whole record is in."""

    def finish(self, level: int) -> bytes:
        data, self._parts = b"".join(self._parts), []
        compressor = gzip_compressor(level)
        return compressor.compress(data) + compressor.flush()


def file_name(crawl_id: str, opened: dt.datetime, serial: int) -> str:
    return f"{PREFIX}-{crawl_id}-{opened.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{serial:05d}{SUFFIX}"


class WarcWriter:
    """Writes a crawl's captures into its WARC files (from one thread only)."""

    def __init__(
        self,
        directory: Path,
        crawl_id: str,
        *,
        max_size: int,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
        info: Mapping[str, str] | None = None,
        digests: DigestIndex | None = None,
    ) -> None:
        self.directory = directory
        self.crawl_id = crawl_id
        self.max_size = max_size
        gzip_compressor(gzip_level)  # a level out of range fails here, not at the first page
        self.gzip_level = gzip_level
        self.info = dict(info or {})
        self.digests = digests
        self.files: list[str] = []
        self._file: BinaryIO | None = None
        self._name = ""
        self._warcinfo_id = ""
        self._member = _Member()
        self._records = WARCWriter(self._member, gzip=False, warc_version=WARC_VERSION)

    # --- Writing ---------------------------------------------------------------------------

    def write(self, capture: Capture) -> Written:
        """Append a capture's records (its main record, then its request), flushed.

        An OSError (disk full) leaves the file valid up to its last whole record; it is closed
        there and the next capture starts a new file.
        """
        try:
            return self._write(capture)
        except OSError:
            self._abandon()
            raise

    def _write(self, capture: Capture) -> Written:
        opened = None
        spent = 0
        if self._file is None:
            opened, spent = self._open()
        main, revisit_of = self._main_record(capture)
        offset = self._file.tell()
        length = self._append(main)
        spent += length
        if capture.request is not None:
            spent += self._append(self._request_record(capture, main))
        self._file.flush()
        record_type = main.rec_headers.get_header("WARC-Type")
        if self.digests is not None and capture.revisitable and revisit_of is None \
                and capture.status == 200:
            self.digests.remember(capture.url,
                                  main.rec_headers.get_header("WARC-Payload-Digest"),
                                  main.rec_headers.get_header("WARC-Record-ID"),
                                  main.rec_headers.get_header("WARC-Date"))
        location = Location(self._name, offset, length, record_type)
        if self._file.tell() >= self.max_size:
            self._close_file()
        return Written(location, spent, opened)

    def close(self) -> None:
        """Close the current file (synced to disk) and the digest index."""
        self._close_file()
        if self.digests is not None:
            self.digests.close()

    # --- Files -----------------------------------------------------------------------------

    def _open(self) -> tuple[str, int]:
        self.directory.mkdir(parents=True, exist_ok=True)
        serial = len(self.files)
        while True:
            name = file_name(self.crawl_id, dt.datetime.now(dt.UTC), serial)
            try:
                # "x": never append to (or replace) a file already there.
                self._file = open(self.directory / name, "xb")  # noqa: SIM115 (_close_file)
                break
            except FileExistsError:
                serial += 1
        self._name = name
        self.files.append(name)
        info = self._records.create_warcinfo_record(name, {**self.info, "serial": str(serial)})
        self._warcinfo_id = info.rec_headers.get_header("WARC-Record-ID")
        spent = self._append(info)
        self._file.flush()
        return name, spent

    def _abandon(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None

    def _close_file(self) -> None:
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None

    def _append(self, record) -> int:
        """One record as one gzip member at the end of the file; returns its length."""
        if self._warcinfo_id and record.rec_headers.get_header("WARC-Type") != "warcinfo":
            record.rec_headers.replace_header("WARC-Warcinfo-ID", self._warcinfo_id)
        self._member.clear()
        self._records.write_record(record)
        member = self._member.finish(self.gzip_level)
        self._file.write(member)
        return len(member)

    # --- Records ---------------------------------------------------------------------------

    def _main_record(self, capture: Capture):
        """The capture's main record, and the earlier record it revisits (None: a full one)."""
        builder = self._records
        date = warc_date(capture.date)
        headers = {"WARC-Record-ID": capture.record_id, "WARC-Date": date}
        if capture.record_type == RESPONSE:
            if capture.ip_address:
                headers["WARC-IP-Address"] = capture.ip_address
            headers[DECODED_HEADER] = ", ".join(capture.decoded) or "identity"
            http = StatusAndHeaders(_status_line(capture.status), list(capture.headers),
                                    protocol=capture.protocol)
            digest = payload_digest(capture.body)
            earlier = (self.digests.last(capture.url)
                       if self.digests is not None and capture.revisitable else None)
            if earlier is not None and earlier.digest == digest and capture.status == 200:
                headers["WARC-Refers-To"] = earlier.record_id
                return builder.create_revisit_record(
                    capture.url, digest, capture.url, earlier.date, http_headers=http,
                    warc_headers_dict=headers), earlier
            headers["WARC-Payload-Digest"] = digest
            # The block digest (HTTP headers, then payload) in one pass of our own: warcio's
            # would hash the page in 16 KB steps, each giving the GIL up and waiting for it back.
            http.compute_headers_buffer(builder.header_filter)
            block = hashlib.sha1(http.headers_buff)
            block.update(capture.body)
            headers["WARC-Block-Digest"] = _sha1_label(block.digest())
            return builder.create_warc_record(
                capture.url, RESPONSE, payload=io.BytesIO(capture.body), length=len(capture.body),
                http_headers=http, warc_headers_dict=headers), None
        if capture.record_type == CONVERSION and capture.refers_to is not None:
            headers["WARC-Refers-To"] = capture.refers_to.record_id
            headers["WARC-Refers-To-Target-URI"] = capture.refers_to.url
            headers["WARC-Refers-To-Date"] = warc_date(capture.refers_to.date)
        return builder.create_warc_record(
            capture.url, capture.record_type, payload=io.BytesIO(capture.body),
            length=len(capture.body), warc_content_type=capture.content_type,
            warc_headers_dict=headers), None

    def _request_record(self, capture: Capture, main):
        request = capture.request
        assert request is not None
        http = StatusAndHeaders(f"{request.method} {request.target} {capture.protocol}",
                                list(request.headers), is_http_request=True)
        headers = {"WARC-Date": main.rec_headers.get_header("WARC-Date"),
                   "WARC-Concurrent-To": main.rec_headers.get_header("WARC-Record-ID")}
        return self._records.create_warc_record(
            capture.url, "request", payload=io.BytesIO(request.body), length=len(request.body),
            http_headers=http, warc_headers_dict=headers)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
