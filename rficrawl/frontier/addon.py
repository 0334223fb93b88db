"""The shared frontier as a Scrapy add-on: on when ``REDIS_URL`` is set (docs/frontier.md).

It puts :class:`~rficrawl.frontier.scheduler.FrontierScheduler` and
:class:`~rficrawl.frontier.dupefilter.FrontierDupeFilter` in Scrapy's ``SCHEDULER`` and
``DUPEFILTER_CLASS``, adds the seed middleware, and sets the ``FRONTIER_*`` defaults below.
Without ``REDIS_URL`` it does nothing: the crawl keeps Scrapy's own scheduler and filter, and needs
no Redis.
"""

from __future__ import annotations

import os
from typing import Any

from rficrawl.addons import Feature


class FrontierAddon(Feature):
    switch = "REDIS_URL"

    def components(self) -> dict[str, str | dict[str, Any]]:
        return {
            "SCHEDULER": "rficrawl.frontier.scheduler.FrontierScheduler",
            "DUPEFILTER_CLASS": "rficrawl.frontier.dupefilter.FrontierDupeFilter",
            "SPIDER_MIDDLEWARES": {"rficrawl.frontier.seeding.FrontierSeedMiddleware": 10},
        }

    def defaults(self) -> dict[str, Any]:
        return {
            # The Redis of the shared frontier, e.g. redis://host:6379/0; empty: no shared frontier.
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            # Keys are FRONTIER_KEY_PREFIX:<spider>:queue, :workers, :inflight:<worker>, :run,
            # :seen:run and :seen:kept.
            "FRONTIER_KEY_PREFIX": "rficrawl",
            # Request kinds (meta rfi_kind) kept in the cross-run filter once fetched (2xx); every
            # other kind is filtered within a run only, so fronts, lists, feeds and sitemaps are
            # polled again on every run.
            "FRONTIER_KEPT_KINDS": ["article", "podcast_episode", "video"],
            # "set" (exact, Redis sets of 20-byte fingerprints) or "bloom" (Redis bitmaps, constant
            # memory).
            "FRONTIER_DUPEFILTER": "set",
            # Bloom filter size and hash count: 2**30 bits = 128 MiB per filter; false positives
            # 4e-9 at 10 million URLs, 5.8e-3 at 100 million (docs/frontier.md).
            "FRONTIER_BLOOM_BITS": 1 << 30,
            "FRONTIER_BLOOM_HASHES": 7,
            # Seconds a worker's lease lasts without renewal; then its in-flight requests are
            # requeued.
            "FRONTIER_LEASE_TIMEOUT": 60.0,
            # Seconds the whole frontier must stay empty before a worker closes ("finished").
            "FRONTIER_IDLE_TIMEOUT": 30.0,
            # Seconds between a worker's housekeeping rounds (lease renewal, polling when starved,
            # flushing).
            "FRONTIER_POLL_INTERVAL": 1.0,
            # Redis socket timeout, and the longest pause between reconnection attempts during an
            # outage.
            "FRONTIER_REDIS_TIMEOUT": 5.0,
            "FRONTIER_REDIS_BACKOFF_MAX": 30.0,
            # Seconds a closing worker keeps trying to hand its buffered requests back to an
            # unreachable Redis.
            "FRONTIER_CLOSE_TIMEOUT": 60.0,
        }
