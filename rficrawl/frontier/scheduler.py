"""The shared frontier as a Scrapy scheduler (``SCHEDULER``), installed by the frontier add-on.

Any number of workers, on any number of machines, run the same spider with the same ``REDIS_URL``
and share one request queue and one pair of duplicate filters in Redis. Without ``REDIS_URL`` the
add-on (:mod:`rficrawl.frontier.addon`) leaves Scrapy's own scheduler in place: one machine needs
no Redis.

What this adds to scrapy-redis's scheduler (whose queue serialization and client it reuses):

- **Leases** (:mod:`rficrawl.frontier.queue`): a request taken from Redis stays in the worker's
  in-flight hash until Scrapy has finished with it: downloaded, its callback's requests queued and
  its items through the pipelines (it has left the downloader and the scraper, which only Scrapy's
  internals tell: :mod:`rficrawl._private.scrapy`). A worker killed mid-crawl stops renewing its
  lease; after ``FRONTIER_LEASE_TIMEOUT`` another worker requeues what it held. Delivery is
  at-least-once.
- **Filter policy** (:mod:`rficrawl.frontier.dupefilter`): re-polled kinds vs articles kept
  across runs; seeds from ``start()`` are pushed by the worker that opened the run only
  (:mod:`rficrawl.frontier.seeding`).
- **Finishing**: on ``spider_idle`` a worker closes once the whole frontier (queue, every
  worker's in-flight requests, seeding) has been empty for ``FRONTIER_IDLE_TIMEOUT`` seconds;
  until then it keeps polling Redis every ``FRONTIER_POLL_INTERVAL``.
- **Outages** (:mod:`rficrawl.frontier.connection`): while Redis is down, new requests, acks and
  kept-marks wait in memory, the worker finishes what it holds and never closes; on reconnect
  everything is flushed in order. Scrapy's queue is never blocked for more than one short
  connection attempt per backoff step.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import pickle
import socket
import time
import uuid
from collections import deque

from scrapy import Request, Spider, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from rficrawl._private import scrapy as engine_internals
from rficrawl.frontier.connection import RedisLink, RedisUnavailable, client_from_settings
from rficrawl.frontier.dupefilter import (
    ENQUEUE,
    QUEUED,
    SEEN_BEFORE,
    FrontierDupeFilter,
)
from rficrawl.frontier.queue import FrontierStatus, LeasedQueue
from rficrawl.frontier.seeding import SEED_META, seeds_done

logger = logging.getLogger(__name__)

STATS = "rficrawl/frontier"


class FrontierScheduler(BaseScheduler):
    """Scheduler over the shared Redis frontier; see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.server = client_from_settings(settings)
        self.link = RedisLink(
            self.server,
            settings.get("REDIS_URL"),
            backoff_max=settings.getfloat("FRONTIER_REDIS_BACKOFF_MAX"),
        )
        df = build_from_crawler(load_object(settings["DUPEFILTER_CLASS"]), crawler)
        if not isinstance(df, FrontierDupeFilter):
            raise TypeError(
                f"DUPEFILTER_CLASS={settings['DUPEFILTER_CLASS']!r} cannot share a frontier; "
                "with REDIS_URL set use rficrawl.frontier.dupefilter.FrontierDupeFilter"
            )
        self.df: FrontierDupeFilter = df
        self.prefix = settings.get("FRONTIER_KEY_PREFIX")
        self.lease_timeout = settings.getfloat("FRONTIER_LEASE_TIMEOUT")
        self.idle_timeout = settings.getfloat("FRONTIER_IDLE_TIMEOUT")
        self.poll_interval = settings.getfloat("FRONTIER_POLL_INTERVAL")
        self.close_timeout = settings.getfloat("FRONTIER_CLOSE_TIMEOUT")
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.role = ""
        self.queue: LeasedQueue | None = None
        self.spider: Spider | None = None
        self._enqueue = self.server.register_script(ENQUEUE)
        # Local state: requests leased but not handed to the engine, requests leased and handed
        # over (token -> the exact Request object), and work waiting for Redis.
        self._ready: deque[Request] = deque()
        self._leased: dict[str, Request] = {}
        self._outbox: deque[tuple[Request, bool, bytes]] = deque()
        self._acks: list[str] = []
        self._kept: list[Request] = []
        self._seeding_ended = False
        self._starved = False
        self._idle_since: float | None = None
        self._next_renew = self._next_reap = 0.0
        self._poller = create_looping_call(self._tick)
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._on_response, signal=signals.response_received)
        crawler.signals.connect(self._on_seeds_done, signal=seeds_done)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("FrontierScheduler needs REDIS_URL, the shared frontier's Redis")
        return cls(crawler)

    # -- life cycle --------------------------------------------------------------------------

    def open(self, spider: Spider) -> Deferred[None]:
        self.spider = spider
        engine_internals.check(self.crawler.engine)
        self.queue = LeasedQueue(
            self.server,
            spider,
            self.prefix,
            self.worker,
            int(self.lease_timeout * 1000),
            self._serializer(),
        )
        self.df.bind(self.queue.base)
        return deferred_from_coro(self._open())

    def _serializer(self) -> object | None:
        """scrapy-redis's setting: a module with ``loads``/``dumps`` (default: pickle)."""
        path = self.crawler.settings.get("SCHEDULER_SERIALIZER")
        return importlib.import_module(path) if path else None

    async def _open(self) -> None:
        """Register with the frontier, waiting (with backoff) while Redis is unreachable."""
        assert self.queue is not None
        run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        while True:
            try:
                self.role, run = self.link.call(self.queue.open, self.df.run_key, run_id)
                queued = self.link.call(len, self.queue)
                break
            except RedisUnavailable:
                await asyncio.sleep(0.5)
        verb = {"seed": "opens and seeds", "join": "joins", "resume": "resumes"}[self.role]
        logger.info(
            "Frontier: worker %s %s run %s at %s (%d requests queued)",
            self.worker,
            verb,
            run,
            self.link.url,
            queued,
        )
        self.stats.set_value(f"{STATS}/role", self.role)
        self.stats.set_value(f"{STATS}/run", run)
        self._poller.start(self.poll_interval, now=False)

    def close(self, reason: str) -> Deferred[None]:
        if self._poller.running:
            self._poller.stop()
        return deferred_from_coro(self._close(reason))

    async def _close(self, reason: str) -> None:
        """Flush what waits for Redis, requeue what was leased but not handled, leave."""
        assert self.queue is not None
        deadline = time.monotonic() + self.close_timeout
        while True:
            try:
                self._sweep()
                self._flush()
                requeued = self.link.call(self.queue.close)
                for key, value in self.link.call(self.df.memory_stats).items():
                    self.stats.set_value(key, value)
                break
            except RedisUnavailable:
                if time.monotonic() >= deadline:
                    # Leased requests return whether handled or not: an acknowledgement that
                    # never reached Redis leaves the request leased, so it is fetched again.
                    logger.error(
                        "Frontier: Redis at %s still unreachable after %.0fs; %d queued requests "
                        "held by this worker are lost, %d leased ones return to the queue after "
                        "FRONTIER_LEASE_TIMEOUT once Redis is back",
                        self.link.url,
                        self.close_timeout,
                        len(self._outbox),
                        len(self._leased) + len(self._acks),
                    )
                    self.stats.set_value(f"{STATS}/lost_on_close", len(self._outbox))
                    return
                await asyncio.sleep(1.0)
        if requeued:
            self.stats.inc_value(f"{STATS}/requeued_on_close", requeued)
        logger.info(
            "Frontier: worker %s left (%s); %d unhandled requests returned to the queue",
            self.worker,
            reason,
            requeued,
        )

    # -- Scrapy's scheduler interface --------------------------------------------------------

    def has_pending_requests(self) -> bool:
        return bool(self._ready or self._outbox)

    def enqueue_request(self, request: Request) -> bool:
        is_seed = bool(request.meta.pop(SEED_META, False))
        if is_seed and self.role != "seed":
            self.stats.inc_value(f"{STATS}/seeds/left_to_seeder")
            return False
        data = self._encode(request)
        if self._outbox or not self.link.up:
            self._buffer(request, is_seed, data)
            return True
        try:
            return self._push(request, is_seed, data)
        except RedisUnavailable:
            self._buffer(request, is_seed, data)
            return True

    def next_request(self) -> Request | None:
        self._sweep()
        if self._ready:
            return self._dequeued(self._ready.popleft())
        try:
            self._flush()
            leased = self.link.call(self.queue.lease, 1)
        except RedisUnavailable:
            leased = []
        if not leased:
            self._starved = True
            return None
        token, request = leased[0]
        self._leased[token] = request
        return self._dequeued(request)

    # -- internals ---------------------------------------------------------------------------

    def _dequeued(self, request: Request) -> Request:
        self._starved = False
        self._idle_since = None
        self.stats.inc_value(f"{STATS}/dequeued")
        return request

    def _buffer(self, request: Request, is_seed: bool, data: bytes) -> None:
        self._outbox.append((request, is_seed, data))
        self.stats.inc_value(f"{STATS}/buffered_during_outage")

    def _encode(self, request: Request) -> bytes:
        assert self.queue is not None
        try:
            return self.queue.encode(request)
        except (ValueError, TypeError, AttributeError, pickle.PicklingError) as exc:
            raise ValueError(
                f"request {request.url} cannot go to the shared frontier: {exc}. Callbacks must "
                "be methods of the spider and meta values picklable"
            ) from exc

    def _push(self, request: Request, is_seed: bool, data: bytes) -> bool:
        """Filter and queue one request atomically; False when it is a duplicate."""
        assert self.queue is not None
        args = self.df.enqueue_args(request, data, force_run_filter=is_seed)
        outcome = self.link.call(
            self._enqueue, keys=[self.queue.key, self.df.run_key, self.df.kept_key], args=args
        )
        if outcome == QUEUED:
            self.stats.inc_value(f"{STATS}/enqueued")
            return True
        reason = "kept" if outcome == SEEN_BEFORE else "run"
        self.stats.inc_value(f"{STATS}/duplicates/{reason}")
        self.df.log(request, self.spider)
        return False

    def _flush(self) -> None:
        """Send what waited for Redis, oldest first; stops (raising) at the first failure."""
        assert self.queue is not None
        while self._outbox:
            self._push(*self._outbox[0])
            self._outbox.popleft()
        if self._acks:
            self.link.call(self.queue.ack, self._acks)
            self._acks = []
        while self._kept:
            self.link.call(self.df.mark_kept, self._kept[0])
            self._kept.pop(0)
        if self._seeding_ended:
            self.link.call(self.queue.end_seeding)
            self._seeding_ended = False

    def _in_progress(self) -> set[Request]:
        """Requests leased and not finished: waiting here for the engine, or still in Scrapy."""
        busy: set[Request] = set(self._ready)
        if self.crawler.engine is not None:
            busy.update(engine_internals.requests_in_progress(self.crawler.engine))
        return busy

    def _sweep(self) -> None:
        """Acknowledge the leased requests Scrapy has finished with."""
        if not self._leased:
            return
        busy = self._in_progress()
        done = [token for token, request in self._leased.items() if request not in busy]
        for token in done:
            del self._leased[token]
        self._acks.extend(done)

    def _tick(self) -> None:
        """Periodic work: flush, renew the lease, requeue dead workers' requests, feed a
        starved engine (Scrapy only asks the scheduler again after a download or every 5s)."""
        if self.queue is None or not self.link.available():
            return
        now = time.monotonic()
        try:
            self._sweep()
            self._flush()
            if now >= self._next_renew:
                self.link.call(self.queue.renew)
                self._next_renew = now + self.lease_timeout / 3
            settled = self.link.last_reconnect is None or (
                now - self.link.last_reconnect >= self.lease_timeout
            )
            if now >= self._next_reap and settled:
                self._reap()
                self._next_reap = now + self.lease_timeout / 3
            if self._starved and not self._ready:
                self._feed()
        except RedisUnavailable:
            return

    def _reap(self) -> None:
        assert self.queue is not None
        requeued = self.link.call(self.queue.reap)
        if requeued:
            self.stats.inc_value(f"{STATS}/requeued_from_dead_workers", requeued)
            logger.warning(
                "Frontier: requeued %d requests held by workers whose lease expired", requeued
            )

    def _feed(self) -> None:
        """Lease a request for a starved engine, and wake the engine to take it."""
        assert self.queue is not None
        engine = self.crawler.engine
        if engine is None or engine.spider is None or not engine.running:
            return
        leased = self.link.call(self.queue.lease, 1)
        for token, request in leased:
            self._leased[token] = request
            self._ready.append(request)
        if leased:
            engine_internals.wake(engine)

    def _frontier_status(self) -> FrontierStatus:
        assert self.queue is not None
        return self.link.call(self.queue.status)

    def _on_idle(self, spider: Spider) -> None:
        """Close only when the whole frontier has been empty for FRONTIER_IDLE_TIMEOUT."""
        try:
            self._sweep()
            self._flush()
            status = self._frontier_status()
        except RedisUnavailable:
            raise DontCloseSpider("Redis unreachable; waiting to reconnect") from None
        if not status.empty:
            self._idle_since = None
            raise DontCloseSpider("the shared frontier still has work")
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
            logger.info(
                "Frontier: empty (queue, in-flight, seeding); closing in %.0fs unless work comes",
                self.idle_timeout,
            )
        if now - self._idle_since < self.idle_timeout:
            raise DontCloseSpider("waiting for FRONTIER_IDLE_TIMEOUT")

    def _on_response(self, response: Response, request: Request, spider: Spider) -> None:
        if 200 <= response.status < 300 and self.df.is_kept_kind(request):
            self._kept.append(request)
            if self.link.up:
                try:
                    self._flush()
                except RedisUnavailable:
                    pass

    def _on_seeds_done(self) -> None:
        if self.role == "seed":
            self._seeding_ended = True
