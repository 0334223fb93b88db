"""Scrapy's side of the WARC files: what is recorded, when, and how an article finds its record.

Three components, installed by the WARC add-on (``rficrawl.warc.addon``), share one
:class:`Recorder` per crawl:

- ``ReceivedHeadersMiddleware`` (downloader, 595) notes each answer's headers as the server sent
  them, before Scrapy's decompression (590) rewrites ``Content-Encoding``;
- ``WarcRecordMiddleware`` (downloader, 585) hands each answer, decoded as the extractor will read
  it, to the writer thread and waits for its record to be on disk before passing the answer on.
  So a page reaches the spider only once its record is written: a normal close or a SIGTERM (which
  lets the requests in flight finish) loses nothing, and the writer's backlog is bounded by the
  requests in flight (back-pressure, no queue that grows). Pages the browser renders come through
  here too, by their own download (``rficrawl.browser.render``): a ``conversion`` record that
  refers to the plain answer recorded just before, or a ``resource`` record when there was none;
- ``WarcPointerMiddleware`` (spider) puts on every article the place of the record of the page it
  was extracted from (``item["warc"]``: file, offset, length, record type).

What is recorded is decided by ``meta["rfi_kind"]``: articles and podcast episodes always,
fronts, lists, archive days, feeds and sitemaps when ``WARC_LISTINGS`` is on (a listing whose
payload is the one recorded last time for its URL, by this crawl or an earlier one, becomes a
``revisit`` record). Stats: ``rficrawl/warc/records/<type>``, ``rficrawl/warc/bytes``,
``rficrawl/warc/bytes_by_edition/<edition>``, ``rficrawl/warc/files`` (and their names,
``rficrawl/warc/file_names``), ``rficrawl/warc/write_errors``, and
``rficrawl/warc/headers_repaired`` (header names that were not ASCII, which a WARC record's HTTP
block cannot carry: written percent-encoded, byte for byte, as ``X-T%E9st``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.metadata
import json
import logging
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from weakref import WeakKeyDictionary

import scrapy
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from rficrawl import __version__
from rficrawl.browser.handler import RAW_DOCUMENT
from rficrawl.editions import editions
from rficrawl.health.tally import edition_of
from rficrawl.items import ArticleItem
from rficrawl.store.crawls import new_crawl_id, spider_arguments
from rficrawl.urls import ARTICLE_KINDS, LISTING_KINDS, UrlKind
from rficrawl.warc.capture import (
    CONVERSION,
    RESOURCE,
    RESPONSE,
    Capture,
    Location,
    Reference,
    SentRequest,
)
from rficrawl.warc.digests import DigestIndex
from rficrawl.warc.usage import FILE_NAMES_STAT, STATS
from rficrawl.warc.writer import PAYLOAD_NOTE, WarcWriter

logger = logging.getLogger(__name__)

CRAWL_ID_STAT = "rficrawl/crawl_id"
# meta key: the plain answer's record, for the browser's rendering of the same request.
RECORDED = "rficrawl_warc_record"
LISTING_RECORD_KINDS = frozenset({*LISTING_KINDS, UrlKind.FEED, UrlKind.SITEMAP})
# Settings written into every file's warcinfo record: what shaped what was fetched.
INFO_SETTINGS = (
    "RFI_BASE_URL", "USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS_PER_DOMAIN", "RFICRAWL_BROWSER_ENABLED", "WARC_LISTINGS",
    "WARC_MAX_SIZE",
)

_recorders: WeakKeyDictionary[Crawler, Recorder] = WeakKeyDictionary()


@dataclass(frozen=True)
class Received:
    """An answer as it arrived, before the downloader middlewares changed it."""

    headers: list[tuple[str, str]]
    date: dt.datetime


class Recorder:
    """One per crawl: the writer thread, what was recorded, the crawl's WARC stats."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        directory = (settings.get("WARC_DIR") or "").strip()
        if not directory:
            raise NotConfigured("WARC_DIR is empty: no WARC files")
        self.crawler = crawler
        self.directory = Path(directory)
        self.max_size = settings.getint("WARC_MAX_SIZE")
        self.gzip_level = settings.getint("WARC_GZIP_LEVEL")  # checked by the add-on
        self.kinds = frozenset(str(kind) for kind in ARTICLE_KINDS)
        if settings.getbool("WARC_LISTINGS"):
            self.kinds |= {str(kind) for kind in LISTING_RECORD_KINDS}
        self.editions = frozenset(editions())
        self.received: WeakKeyDictionary[Request, Received] = WeakKeyDictionary()
        self.locations: WeakKeyDictionary[Response, Location] = WeakKeyDictionary()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rficrawl-warc")
        self.writer: WarcWriter | None = None
        self.failed = False
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler: Crawler) -> Recorder:
        """The crawl's recorder (made by the first component that asks)."""
        if crawler not in _recorders:
            _recorders[crawler] = cls(crawler)
        return _recorders[crawler]

    def wanted(self, request: Request) -> bool:
        return request.meta.get("rfi_kind") in self.kinds

    # --- Captures (in the reactor) -------------------------------------------------------

    def capture(self, request: Request, response: Response, received: Received | None) -> Capture:
        """What to write for an answer: its bytes and headers are referenced, not copied."""
        date = received.date if received else dt.datetime.now(dt.UTC)
        common = {"url": response.url, "date": date, "record_id": _record_id(),
                  "body": response.body, "edition": edition_of(response.url, self.editions)}
        if "playwright" in response.flags and not request.meta.get(RAW_DOCUMENT):
            earlier = request.meta.get(RECORDED)
            content_type = (f"text/html; charset={response.encoding}"
                            if isinstance(response, TextResponse) else _header(response, "Content-Type"))
            if earlier:
                reference = Reference(earlier[0], earlier[1], dt.datetime.fromisoformat(earlier[2]))
                return Capture(record_type=CONVERSION, content_type=content_type,
                               refers_to=reference, **common)
            return Capture(record_type=RESOURCE, content_type=content_type, **common)
        headers = received.headers if received else _pairs(response.headers)
        headers, repaired = _ascii_names(headers)
        if repaired:
            self.crawler.stats.inc_value(f"{STATS}/headers_repaired", repaired)
            logger.warning("%s: %d header name(s) not ASCII, recorded percent-encoded",
                           response.url, repaired)
        browser = "playwright" in response.flags  # the server's bytes, as the browser got them
        return Capture(
            record_type=RESPONSE,
            status=response.status,
            protocol=response.protocol or "HTTP/1.1",
            headers=headers,
            request=None if browser else _sent(request),
            ip_address=str(response.ip_address) if response.ip_address else None,
            decoded=("browser",) if browser else _decoded(headers, response.headers),
            revisitable=request.meta.get("rfi_kind") in LISTING_RECORD_KINDS,
            **common,
        )

    async def record(self, capture: Capture) -> Location | None:
        """Write a capture in the writer thread; its location once it is on disk (None when the
        write failed: the crawl goes on, the error is logged and counted)."""
        if self.writer is None:
            self.writer = self._new_writer()
        loop = asyncio.get_running_loop()
        try:
            written = await loop.run_in_executor(self.executor, self.writer.write, capture)
        except OSError as exc:
            self.crawler.stats.inc_value(f"{STATS}/write_errors")
            if not self.failed:
                logger.error("Could not write to the WARC files in %s (%s); pages go on to the "
                             "spider unrecorded until a write succeeds", self.directory, exc)
            self.failed = True
            return None
        if self.failed:
            logger.warning("Writing to the WARC files in %s works again", self.directory)
            self.failed = False
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/records/{written.location.type}")
        stats.inc_value(f"{STATS}/bytes", written.bytes)
        stats.inc_value(f"{STATS}/bytes_by_edition/{capture.edition}", written.bytes)
        if written.opened:
            stats.inc_value(f"{STATS}/files")
            stats.set_value(FILE_NAMES_STAT, [*stats.get_value(FILE_NAMES_STAT, []),
                                              written.opened])
            logger.info("WARC file %s", self.directory / written.opened)
        return written.location

    def _new_writer(self) -> WarcWriter:
        """The crawl's writer, named after the crawl (the store's id for it, else one of its
        own); it opens its first file at its first write, in the writer thread."""
        settings, spider = self.crawler.settings, self.crawler.spider
        crawl_id = self.crawler.stats.get_value(CRAWL_ID_STAT)
        if not crawl_id:  # no store to name the crawl
            crawl_id = new_crawl_id(spider.name, dt.datetime.now(dt.UTC))
            self.crawler.stats.set_value(CRAWL_ID_STAT, crawl_id)
        info = {
            "software": f"rficrawl/{__version__} (Scrapy/{scrapy.__version__}, "
                        f"warcio/{importlib.metadata.version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          "warc-format/warc-1.1/",
            "isPartOf": crawl_id,
            "hostname": socket.gethostname(),
            "spider": spider.name,
            "arguments": json.dumps(spider_arguments(spider), ensure_ascii=False, sort_keys=True),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "settings": json.dumps({name: settings.get(name) for name in INFO_SETTINGS},
                                   ensure_ascii=False, sort_keys=True, default=str),
            "payload": PAYLOAD_NOTE,
        }
        return WarcWriter(self.directory, crawl_id, max_size=self.max_size,
                          gzip_level=self.gzip_level, info=info,
                          digests=DigestIndex(self.directory))

    # --- At the end ----------------------------------------------------------------------

    def _close(self) -> list[str]:
        if self.writer is None:
            return []
        self.writer.close()
        return self.writer.files

    async def spider_closed(self, spider: Spider) -> None:
        files = await asyncio.get_running_loop().run_in_executor(self.executor, self._close)
        self.executor.shutdown(wait=True)
        stats = self.crawler.stats
        if files:
            logger.info("WARC: %d records, %d bytes in %d files under %s",
                        sum(v for k, v in stats.get_stats().items()
                            if k.startswith(f"{STATS}/records/")),
                        stats.get_value(f"{STATS}/bytes", 0), len(files), self.directory)


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy's headers as (name, value) text pairs, a repeated header once per value."""
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


def _ascii_names(headers: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """The headers with each name that is not ASCII percent-encoded (its bytes as received, read
    as Latin-1 by ``_pairs``), and how many: warcio writes an HTTP block in ASCII, percent-encoding
    values but not names, and fails on such a name. The payload and the other headers stay."""
    if all(name.isascii() for name, _ in headers):
        return headers, 0
    repaired = [(name if name.isascii() else quote(name.encode("latin-1", "replace"), safe=""),
                 value) for name, value in headers]
    return repaired, sum(not name.isascii() for name, _ in headers)


def _header(response: Response, name: str) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""


def _decoded(received: list[tuple[str, str]], now: Headers) -> tuple[str, ...]:
    """The codings undone between the answer as received and as the spider gets it: the
    transfer coding (the HTTP client removes chunking) and the content codings Scrapy decoded."""
    undone = []
    for name, value in received:
        if name.lower() == "transfer-encoding":
            undone += [v.strip().lower() for v in value.split(",") if v.strip()]
    left = {value.decode("latin-1").strip().lower() for value in now.getlist("Content-Encoding")}
    for name, value in received:
        if name.lower() == "content-encoding":
            undone += [v.strip().lower() for v in value.split(",")
                       if v.strip() and v.strip().lower() not in left]
    return tuple(undone)


def _sent(request: Request) -> SentRequest:
    """The request as sent; the HTTP client adds ``Host``, which the record needs."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _pairs(request.headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return SentRequest(request.method, target, headers, request.body or b"")


class ReceivedHeadersMiddleware:
    """Downloader middleware (595): the headers of each recorded answer as received."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReceivedHeadersMiddleware:
        return cls(Recorder.of(crawler))

    def process_response(self, request: Request, response: Response) -> Response:
        if self.recorder.wanted(request):
            self.recorder.received[request] = Received(_pairs(response.headers),
                                                       dt.datetime.now(dt.UTC))
        return response


class WarcRecordMiddleware:
    """Downloader middleware (585): each recorded answer is on disk before it goes on."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecordMiddleware:
        return cls(Recorder.of(crawler))

    async def process_response(self, request: Request, response: Response) -> Response:
        recorder = self.recorder
        if not recorder.wanted(request):
            return response
        capture = recorder.capture(request, response, recorder.received.pop(request, None))
        location = await recorder.record(capture)
        if location is None:
            return response
        recorder.locations[response] = location
        if capture.record_type == RESPONSE:
            # For the browser's rendering of this request (its meta is copied): what it refers to.
            request.meta[RECORDED] = [capture.record_id, capture.url, capture.date.isoformat()]
        return response


class WarcPointerMiddleware(BaseSpiderMiddleware):
    """Spider middleware: each article gets the place of its page's record (``warc``)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.recorder = Recorder.of(crawler)

    def get_processed_item(self, item: Any, response: Response | None) -> Any:
        if response is not None and isinstance(item, ArticleItem):
            location = self.recorder.locations.get(response)
            if location is not None:
                item["warc"] = location.as_pointer()
        return item

