"""The storage pipeline: validate each article, then store it in MongoDB in batches.

Why batches in a thread: pymongo blocks, and a crawl must never wait on the database inside the
reactor. Items are validated and their documents checked (a bad one is dropped with its reason,
so that it never fails the batch it would have joined), then buffered; a full buffer, the flush
timer (``STORE_FLUSH_INTERVAL``) or the end of the crawl hands a batch to one worker thread,
which writes it with ``ArticleWriter`` (insert / touch / revise).

When MongoDB is away the worker keeps the batch and retries with backoff. A batch that still fails
after ``STORE_GIVE_UP_AFTER`` seconds is appended to the crawl's spill file (JSON lines under
``STORE_SPILL_DIR``), and from then on each batch gets one attempt before it is spilled, so the
crawl goes on without losing an article. The end of the crawl says, in the log, the stats and the
``crawls`` record, how many articles wait in which file for ``rficrawl store replay``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pymongo.errors import DuplicateKeyError, PyMongoError
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from rficrawl.health import HEALTH_STAT
from rficrawl.redaction import redact
from rficrawl.store.connection import CRAWLS, connect, ensure_indexes, uri_from_settings
from rficrawl.store.crawls import crawl_record, error_counts, new_crawl_id
from rficrawl.store.spill import SpillFile
from rficrawl.store.validation import InvalidItem, storable_document
from rficrawl.store.writer import ArticleWriter, WriteResult
from rficrawl.warc.usage import crawl_figures

logger = logging.getLogger(__name__)

STATS_PREFIX = "rficrawl/store/"


class StoragePipeline:
    """Item pipeline storing articles in MongoDB (off when ``MONGO_URI`` is empty)."""

    def __init__(self, crawler: Crawler, uri: str, database: str):
        settings = crawler.settings
        self.crawler = crawler
        self.uri = uri
        self.database = database
        self.batch_size = max(1, settings.getint("STORE_BATCH_SIZE"))
        self.flush_interval = settings.getfloat("STORE_FLUSH_INTERVAL")
        self.give_up_after = settings.getfloat("STORE_GIVE_UP_AFTER")
        self.max_retry_delay = settings.getfloat("STORE_RETRY_MAX_DELAY")
        self.timeout = settings.getfloat("STORE_TIMEOUT")
        self.seen_resolution = settings.getfloat("STORE_SEEN_RESOLUTION")
        self.spill_dir = Path(settings.get("STORE_SPILL_DIR"))
        # Acknowledged writes: process_item returns only once its article is stored (or spilled),
        # so whoever waits on the item (the Redis frontier's lease) never forgets an article that
        # a killed worker still had in its buffer. On by default with a shared frontier.
        ack = settings.get("STORE_ACK_WRITES")
        self.ack_writes = settings.getbool("STORE_ACK_WRITES") if ack not in (None, "") else bool(
            settings.get("REDIS_URL"))
        if self.ack_writes:
            self.flush_interval = min(self.flush_interval,
                                      settings.getfloat("STORE_ACK_FLUSH_INTERVAL"))
        self.buffer: list[dict[str, Any]] = []
        self.buffer_stored: asyncio.Future | None = None
        self.counts: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.writes: set[asyncio.Future] = set()
        self.ready = False
        self.gave_up = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        uri, database = uri_from_settings(crawler.settings, "StoragePipeline")
        pipeline = cls(crawler, uri, database)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        started = dt.datetime.now(dt.UTC)
        self.crawl_id = new_crawl_id(spider.name, started)
        self.crawler.stats.set_value("rficrawl/crawl_id", self.crawl_id)
        self.client = connect(self.uri, timeout=self.timeout)
        self.db = self.client[self.database]
        self.writer = ArticleWriter(self.db, seen_resolution=self.seen_resolution)
        self.record = crawl_record(self.crawl_id, spider, started, self.uri, self.database)
        self.spill = SpillFile(self.spill_dir / f"{self.crawl_id}.jsonl")
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rficrawl-store")
        try:
            await self._in_thread(self._prepare)
        except PyMongoError as exc:
            logger.error(
                "MongoDB at %s is not reachable (%s). Articles are kept and retried; those not "
                "stored within %.0fs go to %s.",
                redact(self.uri),
                exc,
                self.give_up_after,
                self.spill.path,
            )
        self.ticker = asyncio.get_running_loop().create_task(self._tick())

    async def process_item(self, item: Any) -> Any:
        try:
            doc = storable_document(item)
        except InvalidItem as exc:
            self.dropped[exc.reason] += 1
            self.crawler.stats.inc_value(f"rficrawl/dropped/{exc.reason}")
            url = item.get("url") if hasattr(item, "get") else None
            raise DropItem(f"article not stored, {exc} (url {url})") from None
        self.buffer.append(doc)
        stored = self._buffer_stored() if self.ack_writes else None
        if len(self.buffer) >= self.batch_size:
            # One batch in flight while the next fills: the loop validates and converts while the
            # worker thread waits on the server. Waiting for the previous batch is the backpressure
            # that bounds memory when the server is slow or away.
            await self._wait_writes()
            self._send()
        if stored is not None:
            await asyncio.shield(stored)
        return item

    def _buffer_stored(self) -> asyncio.Future:
        """The future that completes when the batch now filling is written (or spilled)."""
        if self.buffer_stored is None:
            self.buffer_stored = asyncio.get_running_loop().create_future()
        return self.buffer_stored

    async def flush(self) -> None:
        """Write everything buffered and wait for every write in flight."""
        while True:
            await self._wait_writes()
            if not self.buffer:
                return
            self._send()

    def _send(self) -> None:
        batch, self.buffer = self.buffer, []
        stored, self.buffer_stored = self.buffer_stored, None
        task = asyncio.ensure_future(self._write(batch))
        if stored is not None:
            task.add_done_callback(lambda _: stored.done() or stored.set_result(None))
        self.writes.add(task)

    async def _wait_writes(self) -> None:
        # shield: cancelling the flush timer at close must not cancel a write (nor its accounting).
        while self.writes:
            task = next(iter(self.writes))
            await asyncio.shield(task)
            self.writes.discard(task)

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        """Hand a batch to the worker thread and account for what it did."""
        result, spilled = await self._in_thread(self._store, batch, dict(self.dropped))
        stats = self.crawler.stats
        for name in ("new", "updated", "unchanged", "stale"):
            stats.inc_value(STATS_PREFIX + name, getattr(result, name))
        for kind in ("new", "updated", "unchanged"):
            for edition, count in getattr(result, f"{kind}_by_edition").items():
                stats.inc_value(f"{STATS_PREFIX}{kind}_by_edition/{edition}", count)
        for _, reason in result.failed:
            stats.inc_value(f"{STATS_PREFIX}failed/{reason}")
        if spilled:
            stats.inc_value(STATS_PREFIX + "spilled", spilled)
            stats.set_value(STATS_PREFIX + "spill_file", str(self.spill.path))

    async def close_spider(self) -> None:
        self.ticker.cancel()
        await self.flush()

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Complete the ``crawls`` record (after the last flush, with the finish reason)."""
        stats = dict(self.crawler.stats.get_stats())
        try:
            await self._in_thread(self._finish, reason, stats, dict(self.dropped))
        except PyMongoError as exc:
            logger.error("could not complete the crawl record %s: %s", self.crawl_id, exc)
        finally:
            self.executor.shutdown(wait=True)
            self.client.close()
        if self.spill.count:
            logger.error(
                "%d articles could not be stored in MongoDB at %s; they are in %s. Load them with: "
                "rficrawl store replay %s",
                self.spill.count,
                redact(self.uri),
                self.spill.path,
                self.spill.path,
            )

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            await self.flush()

    async def _in_thread(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    # --- In the worker thread --------------------------------------------------------------------

    def _prepare(self) -> None:
        """Indexes and the opening crawl record, once, before the first write."""
        if self.ready:
            return
        ensure_indexes(self.db)
        try:
            self.db[CRAWLS].insert_one(self.record)
        except DuplicateKeyError:
            pass  # written by an attempt whose reply was lost
        self.ready = True

    def _store(self, batch: list[dict], dropped: dict[str, int]) -> tuple[WriteResult, int]:
        """Write a batch, retrying while the server is away; spill it when giving up."""
        deadline = time.monotonic() + (0 if self.gave_up else self.give_up_after)
        delay = 0.5
        while True:
            try:
                self._prepare()
                result = self.writer.write(batch)
                self.gave_up = False
                self._count(result)
                spilled = self.spill.write(doc for doc, _ in result.failed)
                for doc, why in result.failed:
                    logger.error(
                        "MongoDB refused article %s (%s); kept in %s",
                        doc["_id"],
                        why,
                        self.spill.path,
                    )
                self.counts["spilled"] += spilled
                self.db[CRAWLS].update_one(
                    {"_id": self.crawl_id},
                    {"$set": {"counts": dict(self.counts), "dropped": dropped}},
                )
                return result, spilled
            except PyMongoError as exc:
                if time.monotonic() + delay > deadline:
                    return self._give_up(batch, exc)
                logger.warning(
                    "MongoDB at %s did not take a batch of %d articles (%s); retrying in %.1fs",
                    redact(self.uri),
                    len(batch),
                    exc,
                    delay,
                )
                time.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)

    def _give_up(self, batch: list[dict], exc: Exception) -> tuple[WriteResult, int]:
        self.gave_up = True
        spilled = self.spill.write(batch)
        self.counts["spilled"] += spilled
        logger.error(
            "MongoDB at %s unreachable (%s): %d articles written to %s instead",
            redact(self.uri),
            exc,
            spilled,
            self.spill.path,
        )
        return WriteResult(), spilled

    def _count(self, result: WriteResult) -> None:
        for name in ("new", "updated", "unchanged", "stale"):
            self.counts[name] += getattr(result, name)

    def _finish(self, reason: str, stats: dict[str, Any], dropped: dict[str, int]) -> None:
        record = {
            **self.record,
            "finished_at": dt.datetime.now(dt.UTC),
            "status": "finished",
            "finish_reason": reason,
            "counts": {**dict(self.counts), "dropped": sum(dropped.values())},
            "dropped": dropped,
            "errors": error_counts(stats),
            "items_scraped": stats.get("item_scraped_count", 0),
            "requests": stats.get("downloader/request_count", 0),
            "spill_file": str(self.spill.path) if self.spill.count else None,
            # What the crawl's monitors found, and the figures later crawls learn from.
            "health": stats.get(HEALTH_STAT),
            # The WARC files it wrote and their bytes per edition (rficrawl stats adds them up).
            "warc": crawl_figures(stats),
        }
        self._prepare()
        self.db[CRAWLS].replace_one({"_id": self.crawl_id}, record)
