"""A crawl that records what ``rficrawl._private.scrapy`` sees; run by test_scrapy.py in its own
process (``python -m tests.private.engine_probe OUT``), as Scrapy installs a reactor per process.

Request ``first`` (a data: URL, no network) yields an item and request ``second``. The probe
records whether ``first`` is in progress while it downloads, in its callback and while its item is
in the pipeline; whether either is at the first idle; and how many turns of the event loop it takes,
after ``wake``, for the engine to ask the scheduler again (the heartbeat would take 5 seconds).
"""

from __future__ import annotations

import asyncio
import json
import sys

import scrapy
from scrapy import Request, signals
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider

from rficrawl._private import scrapy as internals

OBSERVED: dict[str, object] = {}


class CountingScheduler(Scheduler):
    calls = 0

    def next_request(self):
        CountingScheduler.calls += 1
        return super().next_request()


class ProbeSpider(scrapy.Spider):
    name = "probe"
    first: Request | None = None
    second: Request | None = None

    async def start(self):
        yield Request("data:,first", callback=self.parse_first)

    def in_progress(self, request: Request | None) -> bool:
        return request in internals.requests_in_progress(self.crawler.engine)

    def parse_first(self, response):
        self.first = response.request
        OBSERVED["first_in_callback"] = self.in_progress(self.first)
        yield {"n": 1}
        yield Request("data:,second", callback=self.parse_second)

    def parse_second(self, response):
        self.second = response.request


class DownloadProbe:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        busy = internals.requests_in_progress(self.crawler.engine)
        OBSERVED.setdefault("downloading", []).append(request in busy)


class ItemProbe:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        OBSERVED["first_in_pipeline"] = self.crawler.spider.in_progress(self.crawler.spider.first)
        return item


class IdleProbe:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.woken = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        internals.check(self.crawler.engine)
        OBSERVED["check"] = "passed"

    def spider_idle(self, spider) -> None:
        if "idle" not in OBSERVED:
            OBSERVED["idle"] = {"first": spider.in_progress(spider.first),
                                "second": spider.in_progress(spider.second)}
            asyncio.get_running_loop().create_task(self.probe_wake())
        if not self.woken:
            raise DontCloseSpider

    async def probe_wake(self) -> None:
        engine = self.crawler.engine
        before = CountingScheduler.calls
        internals.wake(engine)
        for turn in range(1, 11):
            await asyncio.sleep(0)
            if CountingScheduler.calls > before:
                OBSERVED["asked_again_after_turns"] = turn
                break
        self.woken = True
        internals.wake(engine)  # the spider closes now rather than at the next heartbeat


def main(out: str) -> None:
    process = CrawlerProcess(settings={
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "SCHEDULER": CountingScheduler,
        "DOWNLOADER_MIDDLEWARES": {DownloadProbe: 1},
        "ITEM_PIPELINES": {ItemProbe: 1},
        "EXTENSIONS": {IdleProbe: 1},
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
    })
    process.crawl(ProbeSpider)
    process.start()
    with open(out, "w") as handle:
        json.dump(OBSERVED, handle)


if __name__ == "__main__":
    main(sys.argv[1])
