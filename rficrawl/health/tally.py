"""The crawl's figures per edition, counted from Scrapy's signals as the crawl goes.

Monitors, the progress line and the ``crawls`` record read them here rather than from hundreds
of per-edition stats: pages fetched, articles scraped and dropped, fetches that failed (HTTP
errors and attempts that got no answer), the fields of the schema that a monitor watches
(``coverage`` in ``rficrawl.items``) and, from the store's stats, the new articles. Counting is
a few dictionary increments per page and per item.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from rficrawl.editions import editions
from rficrawl.items import ARTICLE_FIELDS

# The fields whose fill rate the monitors watch, with what they expect ("all" or "usual").
WATCHED_FIELDS: dict[str, str] = {
    name: spec.coverage for name, spec in ARTICLE_FIELDS.items() if spec.coverage
}
# The store's per-edition stats: new, revised (updated) and unchanged articles.
BY_EDITION = "rficrawl/store/{kind}_by_edition/"
NEW_BY_EDITION = BY_EDITION.format(kind="new")
EMPTY = (None, "", [], {})
# Pages of no edition (robots.txt, the sitemaps' index).
OTHER = "other"


def edition_of(url: str, known: frozenset[str]) -> str:
    """The edition of a URL on the site (its first path segment), or ``other`` for the rest
    (robots.txt, the sitemaps' index)."""
    parts = url.split("/", 4)
    segment = parts[3] if len(parts) > 3 else ""
    return segment if segment in known else OTHER


class CrawlTally:
    """Extension: per-edition figures (``crawler.get_extension(CrawlTally)``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.known = frozenset(editions())
        self.pages: Counter[str] = Counter()
        self.http_errors: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.articles: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.fields: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlTally:
        tally = cls(crawler)
        crawler.signals.connect(tally.request_left, signal=signals.request_left_downloader)
        crawler.signals.connect(tally.response_received, signal=signals.response_received)
        crawler.signals.connect(tally.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(tally.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(tally.spider_opened, signal=signals.spider_opened)
        return tally

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()

    def request_left(self, request: Request, spider: Spider) -> None:
        self.attempts[edition_of(request.url, self.known)] += 1

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        edition = edition_of(request.url, self.known)
        self.pages[edition] += 1
        if response.status >= 400:
            self.http_errors[edition] += 1

    def item_scraped(self, item: Any, spider: Spider) -> None:
        edition = item.get("edition") or OTHER
        self.articles[edition] += 1
        filled = self.fields[edition]
        for name in WATCHED_FIELDS:
            if item.get(name) not in EMPTY:
                filled[name] += 1

    def item_dropped(self, item: Any, spider: Spider, **kwargs: Any) -> None:
        self.dropped[(item.get("edition") if hasattr(item, "get") else None) or OTHER] += 1

    # --- Reading ---------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def new(self) -> Counter[str] | None:
        """New articles per edition, from the store's stats; None when nothing is stored."""
        return self.stored("new")

    def stored(self, kind: str) -> Counter[str] | None:
        """Articles per edition the store found ``new``, ``updated`` (revised) or
        ``unchanged``, from its stats; None when nothing is stored."""
        if self.crawler.settings.get("MONGO_URI") in (None, ""):
            return None
        prefix = BY_EDITION.format(kind=kind)
        stats = self.crawler.stats.get_stats()
        return Counter({key[len(prefix):]: value for key, value in stats.items()
                        if key.startswith(prefix)})

    def failed_fetches(self, edition: str) -> int:
        """HTTP errors and attempts that got no response (DNS, refused, timed out)."""
        no_answer = max(0, self.attempts[edition] - self.pages[edition])
        return self.http_errors[edition] + no_answer

    def editions(self) -> list[str]:
        """Editions with any figure, in the registry's order (``other`` last)."""
        seen = set(self.pages) | set(self.articles) | set(self.dropped) | set(self.attempts)
        ordered = [e for e in editions() if e in seen]
        return ordered + ([OTHER] if OTHER in seen else [])

    def figures(self) -> dict[str, Any]:
        """Everything per edition, as the ``crawls`` record keeps it for later crawls."""
        new, revised, unchanged = (self.stored(kind) for kind in ("new", "updated", "unchanged"))
        per_edition = {}
        for edition in self.editions():
            per_edition[edition] = {
                "pages": self.pages[edition],
                "articles": self.articles[edition],
                "new": None if new is None else new[edition],
                "revised": None if revised is None else revised[edition],
                "unchanged": None if unchanged is None else unchanged[edition],
                "dropped": self.dropped[edition],
                "errors": self.failed_fetches(edition),
                "fields": dict(self.fields[edition]),
            }
        return per_edition
