"""Start requests as seeds of the shared frontier (spider middleware).

scrapy-redis's ``RedisSpider`` reads start URLs from a Redis list and sends them with
``dont_filter=True``, bypassing the duplicate filter; it also implements only
``start_requests()``, which Scrapy 2.19 no longer calls. rficrawl spiders stay plain Scrapy
spiders with ``async def start()``; this middleware tags what ``start()`` yields so that the
frontier scheduler can treat it as seeds: only the worker that opened the run pushes them, they
always pass the run filter (even with ``dont_filter``), and the end of ``start()`` is announced
with the :data:`seeds_done` signal so that other workers do not close while seeding goes on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

#: Meta key put on start requests; the scheduler removes it before the request is queued.
SEED_META = "rficrawl_frontier_seed"

#: Sent (no arguments) when the spider's ``start()`` is exhausted.
seeds_done = object()


class FrontierSeedMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierSeedMiddleware:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL not set: no shared frontier")
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            if isinstance(item, Request):
                item.meta[SEED_META] = True
            yield item
        await self.crawler.signals.send_catch_log_async(seeds_done)
