"""Write the crawl's final stats to a JSON file (setting ``STATS_FILE``).

Scrapy only logs its stats; scripts, tests and the scheduler need them as data. Off unless
``STATS_FILE`` is set. Dates (``start_time``, ``finish_time``) are written as everywhere else in
rficrawl: ISO 8601 UTC with ``Z`` (``rficrawl.dates.to_json``).
"""

from __future__ import annotations

from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from rficrawl.dates import to_json


class StatsFile:
    def __init__(self, path: Path, crawler: Crawler):
        self.path = path
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        path = crawler.settings.get("STATS_FILE")
        if not path:
            raise NotConfigured("STATS_FILE not set")
        ext = cls(Path(path), crawler)
        # spider_closed is sent after the pipelines' close_spider, so their own counts are in.
        # (Scrapy's signal manager takes no priority argument.)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason: str) -> None:
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(to_json(stats, indent=1, sort_keys=True))
