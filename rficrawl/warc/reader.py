"""Reading a page back from a WARC file: by an article's pointer, at an offset, or by URL.

The WARC files may be rficrawl's own (payloads stored decoded, said by each record) or another
tool's (wget, Heritrix, Browsertrix: payloads as they came over the wire, chunked or compressed,
which warcio decodes). Whatever goes wrong is a :class:`RecordError` with a short reason for the
counts (``missing_file``, ``truncated``, ``damaged``, ``no_record``, ``not_a_page``, ``not_html``)
and a message that names the file and offset and says what to do: ``rficrawl reextract`` reports
it for the one article and goes on, ``rficrawl extract`` prints it and exits.
"""

from __future__ import annotations

import io
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from isal import isal_zlib
from scrapy.http import Headers, HtmlResponse
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from rficrawl.warc.capture import PAGE_RECORDS
from rficrawl.warc.writer import DECODED_HEADER

# Headers that describe the transfer, not the stored payload, once it is decoded.
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
# What a truncated or corrupt gzip member or record raises while it is read.
_DAMAGE = (zlib.error, isal_zlib.error, EOFError, ArchiveLoadFailed, ValueError, OSError)
GZIP_MAGIC = b"\x1f\x8b"
# warcio's read size when the record's length is not known (its default).
BLOCK = 16384
# DEFLATE never expands more than this (258-byte matches coded in about two bits).
MAX_DEFLATE_RATIO = 1032


class RecordError(Exception):
    """A record that cannot be read as a page; ``reason`` is short, for the counts."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PageRecord:
    """A record with a page: its URL, type, date, HTTP status and headers, and the payload."""

    url: str
    type: str
    date: str
    record_id: str
    status: int
    headers: list[tuple[str, str]]
    content_type: str
    payload: bytes
    where: str  # FILE#OFFSET, for messages

    @property
    def origin(self) -> str:
        """Where the page was fetched from (``https://www.rfi.fr``, or a mirror)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def response(self) -> HtmlResponse:
        """The page as the extractor reads it; RecordError ``not_html`` for anything else."""
        headers = Headers([(name, value) for name, value in self.headers
                           if name.lower() not in TRANSFER_HEADERS])
        if self.content_type and "Content-Type" not in headers:
            headers["Content-Type"] = self.content_type
        cls = responsetypes.from_args(headers=headers, url=self.url, body=self.payload)
        if not issubclass(cls, HtmlResponse):
            kind = self.content_type or "no Content-Type"
            raise RecordError("not_html", f"{self.where} holds {self.url} as {kind}, "
                                          "not an HTML page")
        return HtmlResponse(url=self.url, status=self.status or 200, headers=headers,
                            body=self.payload)


def find_file(name: str, places: Iterable[Path]) -> Path:
    """The file ``name`` in the first of ``places`` (WARC_DIR, then the moved-files prefixes)
    that has it; RecordError ``missing_file`` naming where it looked."""
    looked = []
    for place in places:
        path = Path(place) / name
        if path.is_file():
            return path
        looked.append(str(place))
    raise RecordError("missing_file", f"{name} is in none of {', '.join(looked) or '(no place)'}"
                      "; if the file was moved, add its new folder to WARC_PATH_PREFIXES "
                      "(or --warc-prefix)")


class Files:
    """Open WARC files, the last few kept open (articles of one crawl share a file)."""

    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._open: OrderedDict[Path, BinaryIO] = OrderedDict()

    def get(self, path: Path) -> BinaryIO:
        stream = self._open.pop(path, None)
        if stream is None:
            stream = path.open("rb")
            while len(self._open) >= self.keep:
                self._open.popitem(last=False)[1].close()
        self._open[path] = stream
        return stream

    def close(self) -> None:
        for stream in self._open.values():
            stream.close()
        self._open.clear()


def read_at(stream: BinaryIO, name: str, offset: int, length: int | None = None) -> PageRecord:
    """The page record at ``offset`` of an open file (``length``: its gzip member's, as an
    article's pointer gives it; None to read one record from the offset)."""
    where = f"{name}#{offset}"
    data = b""
    try:
        stream.seek(offset)
        if length is None:
            source: BinaryIO = stream
        else:
            data = stream.read(length)
            if len(data) < length:
                raise RecordError("truncated", f"{where}: the file ends {len(data)} bytes into "
                                  f"this {length}-byte record (cut short: a copy not finished, "
                                  "or a crawl killed while writing)")
            if data.startswith(GZIP_MAGIC):
                # The whole member at once, with ISA-L (GIL released, a few times faster than
                # warcio's zlib in 16 KB steps); warcio then parses the plain record.
                data = isal_zlib.decompress(data, 31, _member_size(data))
            source = io.BytesIO(data)
        record = next(iter(ArchiveIterator(source, block_size=max(len(data), BLOCK))), None)
        if record is None:
            if offset < stream.seek(0, io.SEEK_END):
                raise RecordError("truncated", f"{where}: the file ends inside the record "
                                  "that starts here (cut short)")
            raise RecordError("no_record", f"{where}: no WARC record there (the file ends "
                              "before; `warcio index FILE` lists the offsets of its records)")
        return _page(record, where)
    except RecordError:
        raise
    except _DAMAGE as exc:
        raise RecordError("damaged", f"{where}: not a readable WARC record ({_why(exc)}); the "
                          "file is damaged there, or the offset is not that of a record "
                          "(`warcio index FILE` lists them)") from None


def _member_size(member: bytes) -> int:
    """The output buffer for a gzip member: the size its trailer states (ISIZE, the record's
    length modulo 4 GiB), plus one byte so the end is seen without growing the buffer. Grown
    from a small default instead, a page's 530 KB is copied several times over and the
    decompression takes twice as long. A damaged trailer only misleads the first allocation,
    capped at DEFLATE's greatest ratio."""
    stated = int.from_bytes(member[-4:], "little") + 1
    return max(BLOCK, min(stated, len(member) * MAX_DEFLATE_RATIO))


def find_page(stream: BinaryIO, name: str, url: str,
              same: Callable[[str, str], bool]) -> PageRecord:
    """The last page record of ``url`` in a file (``same(record_url, url)`` decides a match:
    the fetched URL, or its public www.rfi.fr form)."""
    found = None
    try:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_type in PAGE_RECORDS and same(_target(record), url):
                # The payload is read before the offset is asked (which reads to the end).
                page = _page(record, f"{name} (its record of {url})")
                found = replace(page, where=f"{name}#{iterator.get_record_offset()}")
    except _DAMAGE as exc:
        if found is None:
            raise RecordError("damaged", f"{name}: unreadable before any record of {url} "
                              f"({_why(exc)})") from None
    if found is None:
        raise RecordError("no_record", f"{name} holds no page record of {url} "
                          "(`warcio index FILE` lists its records)")
    return found


def _target(record: ArcWarcRecord) -> str:
    return record.rec_headers.get_header("WARC-Target-URI") or ""


def _page(record: ArcWarcRecord, where: str) -> PageRecord:
    """The page of a record, its payload read whole (decoded as the record says it needs)."""
    if record.rec_type not in PAGE_RECORDS:
        raise RecordError("not_a_page", f"{where} is a {record.rec_type} record, not a page "
                          "(response, conversion or resource)")
    warc = record.rec_headers
    http = record.http_headers
    if http is not None and warc.get_header(DECODED_HEADER) is None:
        payload = record.content_stream().read()  # another tool's: dechunk, decompress
    else:
        payload = record.raw_stream.read()  # rficrawl's: stored decoded
    if getattr(record.raw_stream, "limit", 0) > 0:  # the data ended before the record did
        raise RecordError("truncated", f"{where}: the file ends inside this record (cut short: "
                          "a copy not finished, or a crawl killed while writing)")
    status = 0
    headers: list[tuple[str, str]] = []
    content_type = warc.get_header("Content-Type") or ""
    if http is not None:
        status = int(http.get_statuscode() or 0)
        headers = list(http.headers)
        content_type = http.get_header("Content-Type") or ""
    return PageRecord(url=_target(record), type=record.rec_type,
                      date=warc.get_header("WARC-Date") or "",
                      record_id=warc.get_header("WARC-Record-ID") or "", status=status,
                      headers=headers, content_type=content_type, payload=payload, where=where)


def _why(exc: Exception) -> str:
    """The error in a few readable words (warcio quotes the bytes it could not read)."""
    if isinstance(exc, ArchiveLoadFailed):
        return "no WARC record starts there"
    if isinstance(exc, EOFError):
        return "the data ends inside a record"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = "".join(c if c.isprintable() else "?" for c in text)[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
