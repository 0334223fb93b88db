"""Skip the download of articles the store already holds.

Re-crawling fronts and lists every hour is how new articles are found; downloading again the
hundreds of articles they link, already archived, is not. ``KnownArticlesMiddleware`` looks at
requests whose ``meta["rfi_kind"]`` is an article or a podcast episode, asks the store whether
their public URL is stored, and raises ``IgnoreRequest`` for known ones (stat
``rficrawl/known/skipped``), unless the re-crawl policy says otherwise:

- ``never`` (default): a stored article is never fetched again;
- ``modified``: fetched again when ``meta["rfi_listing_date"]`` (from a listing, feed or sitemap)
  is newer than the stored ``modified_at`` (else ``published_at``);
- ``all``: everything is fetched (the pipeline still stores only what changed).

The policy is the spider argument ``-a refresh=...``, else the setting ``KNOWN_ARTICLES_REFRESH``.
Fronts, lists and every other kind always pass.

Lookups are batched (``KNOWN_ARTICLES_BATCH_SIZE`` URLs or ``KNOWN_ARTICLES_BATCH_DELAY`` seconds,
whichever comes first) into one ``$in`` query run in a worker thread, and answers are kept in a
bounded LRU cache. Spiders ask the same lookup through Scrapy's
``crawler.get_downloader_middleware(KnownArticlesMiddleware)`` (None when storage is off), whose
``articles.known(urls)`` answers, e.g. to stop paging a list once a whole page is known.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import PyMongoError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from rficrawl.redaction import redact
from rficrawl.store.connection import ARTICLES, connect, uri_from_settings
from rficrawl.urls import to_public

logger = logging.getLogger(__name__)

REFRESH_POLICIES = ("never", "modified", "all")
CHECKED_KINDS = frozenset({"article", "podcast_episode"})
_UNKNOWN = object()  # cached answer: the URL is not in the store


class KnownArticles:
    """Which public article URLs are stored, and their dates; batched and cached.

    ``lookup`` returns ``{url: date or None}`` for the stored ones (the date is ``modified_at``,
    else ``published_at``). When the store cannot answer, URLs count as unknown (fetching again
    is harmless, skipping wrongly would lose an article) and the answer is not cached.
    """

    def __init__(
        self,
        collection: Collection,
        executor: ThreadPoolExecutor,
        cache_size: int = 100_000,
        batch_size: int = 200,
        batch_delay: float = 0.05,
    ):
        self.collection = collection
        self.executor = executor
        self.cache: OrderedDict[str, Any] = OrderedDict()
        self.cache_size = cache_size
        self.batch_size = batch_size
        self.batch_delay = batch_delay
        self.pending: dict[str, asyncio.Future] = {}
        self.timer: asyncio.TimerHandle | None = None
        self.warned = False

    async def known(self, urls: Iterable[str]) -> set[str]:
        """The subset of ``urls`` (public article URLs) that the store holds."""
        return set(await self.lookup(urls))

    async def lookup(self, urls: Iterable[str]) -> dict[str, dt.datetime | None]:
        found: dict[str, dt.datetime | None] = {}
        waiting: dict[str, asyncio.Future] = {}
        for url in dict.fromkeys(urls):
            if url in self.cache:
                self.cache.move_to_end(url)
                if self.cache[url] is not _UNKNOWN:
                    found[url] = self.cache[url]
            else:
                waiting[url] = self._ask(url)
        for url, future in waiting.items():
            answer = await future
            if answer is not _UNKNOWN:
                found[url] = answer
        return found

    def _ask(self, url: str) -> asyncio.Future:
        future = self.pending.get(url)
        if future is None:
            future = self.pending[url] = asyncio.get_running_loop().create_future()
            if len(self.pending) >= self.batch_size:
                self._send()
            elif self.timer is None:
                self.timer = asyncio.get_running_loop().call_later(self.batch_delay, self._send)
        return future

    def _send(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, {}
        if batch:
            asyncio.get_running_loop().create_task(self._resolve(batch))

    async def _resolve(self, batch: dict[str, asyncio.Future]) -> None:
        loop = asyncio.get_running_loop()
        try:
            stored = await loop.run_in_executor(self.executor, self._query, list(batch))
        except PyMongoError as exc:
            if not self.warned:
                logger.warning("known-article lookup failed (%s): fetching those articles", exc)
                self.warned = True
            for future in batch.values():
                if not future.done():
                    future.set_result(_UNKNOWN)
            return
        for url, future in batch.items():
            answer = stored.get(url, _UNKNOWN)
            self._remember(url, answer)
            if not future.done():
                future.set_result(answer)

    def _query(self, urls: list[str]) -> dict[str, dt.datetime | None]:
        return stored_dates(self.collection, urls)

    def _remember(self, url: str, answer: Any) -> None:
        self.cache[url] = answer
        self.cache.move_to_end(url)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)


def stored_dates(collection: Collection, urls: list[str]) -> dict[str, dt.datetime | None]:
    """The known-article check itself: which of ``urls`` are stored, with their dates.

    One query for a whole batch (``KNOWN_ARTICLES_BATCH_SIZE`` URLs in a crawl). It stands apart
    from ``KnownArticles`` so that bench/archive.py times the very query a crawl makes.
    """
    projection = {"url": 1, "modified_at": 1, "published_at": 1}
    return {
        doc["url"]: _as_date(doc.get("modified_at")) or _as_date(doc.get("published_at"))
        for doc in collection.find({"url": {"$in": urls}}, projection)
    }


def _as_date(value: Any) -> dt.datetime | None:
    return value if isinstance(value, dt.datetime) else None


def refresh_policy(spider: Spider, default: str) -> str:
    """The re-crawl policy from ``-a refresh=...`` or the setting; a clear error names the choices."""
    value = str(getattr(spider, "refresh", None) or default).strip().lower()
    if value not in REFRESH_POLICIES:
        raise ValueError(
            f"refresh={value!r} is not a re-crawl policy; use one of {', '.join(REFRESH_POLICIES)}"
        )
    return value


class KnownArticlesMiddleware:
    """Downloader middleware raising ``IgnoreRequest`` for articles already stored."""

    def __init__(self, crawler: Crawler, uri: str, database: str):
        settings = crawler.settings
        self.crawler = crawler
        self.uri = uri
        self.base_url = settings.get("RFI_BASE_URL")
        self.default_refresh = settings.get("KNOWN_ARTICLES_REFRESH")
        self.refresh = self.default_refresh
        self.client = connect(uri, timeout=settings.getfloat("STORE_TIMEOUT"))
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rficrawl-known")
        # What spiders ask, through crawler.get_downloader_middleware(KnownArticlesMiddleware).
        self.articles = KnownArticles(
            self.client[database][ARTICLES],
            self.executor,
            cache_size=settings.getint("KNOWN_ARTICLES_CACHE_SIZE"),
            batch_size=settings.getint("KNOWN_ARTICLES_BATCH_SIZE"),
            batch_delay=settings.getfloat("KNOWN_ARTICLES_BATCH_DELAY"),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticlesMiddleware:
        uri, database = uri_from_settings(crawler.settings, "KnownArticlesMiddleware")
        middleware = cls(crawler, uri, database)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        try:
            self.refresh = refresh_policy(spider, self.default_refresh)
        except ValueError as exc:
            logger.error("%s: %s", spider.name, exc)
            asyncio.get_running_loop().create_task(
                self.crawler.engine.close_spider_async(reason="bad_argument")
            )
            return
        logger.info("known-article skip on (%s, refresh=%s)", redact(self.uri), self.refresh)

    def spider_closed(self, spider: Spider) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    async def process_request(self, request: Request) -> None:
        if self.refresh == "all" or request.meta.get("rfi_kind") not in CHECKED_KINDS:
            return
        stats = self.crawler.stats
        url = to_public(request.url, self.base_url)
        stored = await self.articles.lookup([url])
        stats.inc_value("rficrawl/known/checked")
        if url not in stored:
            return
        if self.refresh == "modified":
            listed = request.meta.get("rfi_listing_date")
            date = stored[url]
            if isinstance(listed, dt.datetime) and (date is None or listed > date):
                stats.inc_value("rficrawl/known/refetched")
                return
        stats.inc_value("rficrawl/known/skipped")
        raise IgnoreRequest(f"article already stored: {url}")
