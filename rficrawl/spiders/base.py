"""What every rficrawl spider shares: arguments, start URLs from RFI_BASE_URL, and article scheduling.

Spiders only discover and schedule. Everything about a page's content comes from the extractors
(``rficrawl.extract``) and everything about a URL from ``rficrawl.urls``; this base class holds the
rules every spider applies the same way:

- every request carries ``rfi_kind`` (and ``rfi_listing_date`` when a listing gave one), the keys
  the downloader middlewares decide by (docs/architecture.md);
- an article is scheduled once per run, only if its date (from its URL or its listing) is in
  ``since``/``until``, and checked again on the ``published_at`` of the extracted item;
- ``max_articles`` is exact: articles in flight plus articles scraped never exceed it, and an
  article that yields nothing (not an article, out of range, skipped as known) frees its place
  for the next candidate;
- nothing outside RFI_BASE_URL's host is ever requested (``allowed_domains``).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar, get_args, get_origin
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response, TextResponse
from scrapy_spider_metadata import Args
from twisted.python.failure import Failure

from rficrawl import urls
from rficrawl.dates import DateRange
from rficrawl.editions import DEFAULT_BASE_URL, Edition
from rficrawl.extract.article import Extraction, NotAnArticle, read_article
from rficrawl.extract.listing import Listing, extract_listing
from rficrawl.spiders.arguments import SpiderParams, check_base_url, validate_arguments

# Articles are fetched before further listing pages, so the scheduler's queue stays short and
# memory flat however long the lists are.
ARTICLE_PRIORITY = 10
# (url, date for since/until, newest date the listing gives): feeds and sitemaps give both.
ListedEntry = tuple[str, dt.datetime | None, dt.datetime | None]
STAT = "rficrawl/discovery"
EXTRACT_STAT = "rficrawl/extract"
ParamsT = TypeVar("ParamsT", bound=SpiderParams)


class RfiSpider(Args[ParamsT], scrapy.Spider, Generic[ParamsT]):
    """Base of the discovery spiders; subclasses implement ``start()`` and their listing callbacks.

    A spider names the model of its ``-a`` arguments as ``RfiSpider[ItsParams]``; they are
    validated into ``self.args`` (scrapy-spider-metadata) and their help is in the model.
    """

    @classmethod
    def params_model(cls) -> type[SpiderParams]:
        """The spider's arguments model, the ``P`` of the ``RfiSpider[P]`` it derives from."""
        for klass in cls.__mro__:
            for base in getattr(klass, "__orig_bases__", ()):
                if get_origin(base) is RfiSpider and isinstance(get_args(base)[0], type):
                    return get_args(base)[0]
        return SpiderParams

    @classmethod
    def check_arguments(
        cls, kwargs: dict[str, object], extra_allowed: Iterable[str] = (),
        base_url: str = DEFAULT_BASE_URL,
    ) -> SpiderParams:
        """Validate ``-a`` arguments for a crawl of ``base_url`` (RFI_BASE_URL); raises
        SpiderArgumentError with a message for the user."""
        return validate_arguments(cls.params_model(), kwargs, tuple(extra_allowed), cls.name,
                                  base_url)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> RfiSpider:
        base_url = check_base_url(crawler.settings.get("RFI_BASE_URL") or DEFAULT_BASE_URL)
        cls.check_arguments(kwargs, crawler.settings.getlist("SPIDER_EXTRA_ARGUMENTS"), base_url)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(base_url)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        return spider

    def configure(self, base_url: str) -> None:
        self.editions: list[Edition] = self.args.editions
        self.dates: DateRange = self.args.dates
        self.max_articles: int | None = self.args.max_articles
        # The effective re-crawl policy, which the known-article middleware reads from the spider.
        self.refresh: str = (
            self.args.refresh or self.settings.get("KNOWN_ARTICLES_REFRESH") or "never"
        )
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self._seen_articles: set[str] = set()
        self._in_flight = 0
        self._scraped = 0
        self._waiting: deque[Request] = deque()

    # --- Requests ----------------------------------------------------------------------------

    def site_url(self, path: str) -> str:
        """The URL of a site path (``/cn/中国/``) on RFI_BASE_URL."""
        return self.base_url + path

    def kind_of(self, url: str) -> str:
        return str(urls.classify(url, self.base_url).kind)

    def page_request(self, url: str, callback, **meta: Any) -> Request:
        """A request for a non-article page (front, list, archive, feed, sitemap)."""
        url = urls.to_base(url, self.base_url)
        return Request(url, callback=callback, meta={"rfi_kind": self.kind_of(url), **meta})

    def article_requests(
        self, entries: Iterable[tuple[str, dt.datetime | None] | ListedEntry]
    ) -> Iterator[Request]:
        """Requests for the articles among (url, listing date[, changed at]) entries, once each,
        in date range.

        Entries that are not articles, or are off-site, are skipped; so is an article whose URL
        date or listing date is outside since/until, before anything is fetched. The newest date
        the listing gives (its last modification, else the listing date) goes with the request as
        ``rfi_listing_date``, for ``refresh=modified``.
        """
        stats = self.crawler.stats
        for url, listing_date, *changed in entries:
            newest = changed[0] if changed and changed[0] is not None else listing_date
            info = urls.classify(url, self.base_url)
            if not info.is_article:  # articles and podcast episodes (with their media)
                continue
            public = urls.to_public(url, self.base_url)
            if public in self._seen_articles:
                continue
            self._seen_articles.add(public)
            if not self.dates.contains(listing_date or info.date):
                stats.inc_value(f"{STAT}/out_of_range")
                continue
            meta: dict[str, Any] = {"rfi_kind": str(info.kind)}
            if newest is not None:
                meta["rfi_listing_date"] = newest
            request = Request(
                urls.to_base(public, self.base_url),
                callback=self.parse_article,
                errback=self.article_failed,
                meta=meta,
                priority=ARTICLE_PRIORITY,
            )
            stats.inc_value(f"{STAT}/articles_found")
            yield from self._admit(request)

    def _admit(self, request: Request) -> Iterator[Request]:
        if self.max_articles is None or self._in_flight + self._scraped < self.max_articles:
            self._in_flight += 1
            yield request
        elif self._scraped < self.max_articles:
            self._waiting.append(request)

    def _article_done(self, scraped: bool) -> Iterator[Request]:
        """One article request finished; admit waiting candidates into any place it freed.

        With a shared Redis frontier another worker may fetch what this one scheduled, so the
        count never goes below zero (max_articles then holds per worker, not across workers).
        """
        self._in_flight = max(0, self._in_flight - 1)
        if scraped:
            self._scraped += 1
        if self.max_articles is not None and self._scraped >= self.max_articles:
            self._waiting.clear()
            if self._in_flight == 0:
                raise CloseSpider("max_articles")
            return
        while self._waiting and (self.max_articles is None or self._in_flight + self._scraped < self.max_articles):
            self._in_flight += 1
            yield self._waiting.popleft()

    def budget_spent(self) -> bool:
        """True once max_articles articles are scraped or in flight: no more listings needed."""
        return self.max_articles is not None and (
            self._in_flight + self._scraped >= self.max_articles or bool(self._waiting)
        )

    def _request_dropped(self, request: Request, spider: scrapy.Spider) -> None:
        # The duplicate filter (e.g. on a JOBDIR resume) dropped an article we had counted.
        if spider is self and request.callback == self.parse_article:
            self._in_flight = max(0, self._in_flight - 1)

    def listing(self, response: Response) -> Listing:
        """The listing of a front, list, archive or tag page (empty for a page that is not HTML)."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(f"{STAT}/not_html")
            self.logger.warning("Not an HTML page, nothing followed: %s", response.url)
            return Listing(url=response.url, kind=urls.classify(response.url, self.base_url).kind)
        listing = extract_listing(response, base_url=self.base_url)
        if listing.skipped:
            # Article links only advertising or sponsored content showed: counted, not followed.
            self.crawler.stats.inc_value(f"{STAT}/skipped_ad_or_sponsored", len(listing.skipped))
        return listing

    # --- Articles ----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        try:
            if not isinstance(response, TextResponse):
                raise NotAnArticle("not-html", f"{response.url} is not a text page")
            extraction = read_article(response, base_url=self.base_url)
        except NotAnArticle as exc:
            self.crawler.stats.inc_value(f"rficrawl/dropped/{exc.reason}")
            self.logger.info("Not an article (%s): %s", exc.reason, response.url)
            yield from self._article_done(scraped=False)
            return
        item = extraction.item
        self._count_sources(extraction)
        if not self.dates.contains(item.get("published_at")):
            self.crawler.stats.inc_value("rficrawl/dropped/out_of_range")
            yield from self._article_done(scraped=False)
            return
        yield item
        yield from self._article_done(scraped=True)

    def _count_sources(self, extraction: Extraction) -> None:
        """Which source gave each field (``rficrawl/extract/<field>/<source>``), and whether one
        came from a later source than the JSON-LD: a template change shows here first."""
        stats = self.crawler.stats
        for field, source in extraction.sources.items():
            stats.inc_value(f"{EXTRACT_STAT}/{field}/{source}")
        if extraction.fell_back_past_jsonld:
            stats.inc_value(f"{EXTRACT_STAT}/fell_back_past_jsonld")

    def article_failed(self, failure: Failure) -> Iterator[Request]:
        """Errback: a download error, an HTTP error, or a skip by the known-article middleware."""
        self.logger.debug("Article not fetched: %s", failure.value)
        yield from self._article_done(scraped=False)
