"""What the last crawls of a spider looked like, learnt from their ``crawls`` records.

A field such as the image or the authors is not on every article; what is normal is what the
last crawls saw. When a crawl opens, the last ``RFICRAWL_HEALTH_HISTORY`` finished crawls of the
same spider that left their figures (``health`` in the record) are read once, in a thread, and
the monitors compare this crawl with them: usual fill rates per edition and field, the usual
share of articles read past the JSON-LD, and the editions that always had new articles.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo import DESCENDING
from pymongo.errors import PyMongoError
from scrapy import Spider, signals
from scrapy.crawler import Crawler

from rficrawl.store.connection import CRAWLS, connect

logger = logging.getLogger(__name__)


@dataclass
class History:
    """The figures of past crawls, newest first (each the ``health`` of a record)."""

    crawls: list[Mapping[str, Any]] = field(default_factory=list)

    def usual_rate(self, edition: str, name: str, min_articles: int) -> float | None:
        """The share of articles that had field ``name`` in ``edition``, over the past crawls
        that scraped at least ``min_articles`` of its articles; None without such crawls."""
        filled = total = 0
        for crawl in self.crawls:
            figures = (crawl.get("editions") or {}).get(edition) or {}
            articles = figures.get("articles") or 0
            if articles >= min_articles:
                filled += (figures.get("fields") or {}).get(name, 0)
                total += articles
        return filled / total if total else None

    def usual_fallback_share(self, min_articles: int) -> float | None:
        """The share of articles whose extraction fell back past the JSON-LD, over past crawls."""
        fell = total = 0
        for crawl in self.crawls:
            articles = crawl.get("articles") or 0
            if articles >= min_articles:
                fell += crawl.get("fell_back_past_jsonld") or 0
                total += articles
        return fell / total if total else None

    def always_new(self, edition: str, min_crawls: int) -> bool:
        """Whether each of the past crawls (at least ``min_crawls`` of them crawled ``edition``
        with the store on) found new articles in it."""
        news = [((crawl.get("editions") or {}).get(edition) or {}).get("new")
                for crawl in self.crawls]
        news = [n for n in news if n is not None]
        return len(news) >= min_crawls and all(n > 0 for n in news)


def past_crawls(db: Any, spider: str, limit: int) -> list[Mapping[str, Any]]:
    """The ``health`` of the last ``limit`` finished crawls of ``spider`` that have one: a
    find sorted on the indexed ``started_at``, limited."""
    cursor = db[CRAWLS].find(
        {"spider": spider, "status": "finished", "health.editions": {"$exists": True}},
        {"health": 1},
    ).sort("started_at", DESCENDING).limit(limit)
    return [record["health"] for record in cursor]


class CrawlHistory:
    """Extension: reads the history when the spider opens (``crawler.get_extension``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.history = History()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlHistory:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    async def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        uri = (settings.get("MONGO_URI") or "").strip()
        limit = settings.getint("RFICRAWL_HEALTH_HISTORY")
        if not uri or limit <= 0:
            return
        database = settings.get("MONGO_DATABASE")
        timeout = settings.getfloat("STORE_TIMEOUT", 5.0)
        try:
            crawls = await asyncio.to_thread(_read, uri, database, spider.name, limit, timeout)
        except PyMongoError as exc:
            logger.warning("Crawl history not read from MongoDB (%s): monitors compare this "
                           "crawl with no earlier one", exc)
            return
        self.history = History(crawls)
        logger.info("Crawl history: %d earlier %s crawls to compare with", len(crawls), spider.name)


def _read(uri: str, database: str, spider: str, limit: int, timeout: float) -> list:
    client = connect(uri, timeout=timeout)
    try:
        return past_crawls(client[database], spider, limit)
    finally:
        client.close()

