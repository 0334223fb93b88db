"""``scrapy crawl archive``: full-history backfill through the archive year and day pages.

Starts at each edition's front, follows its archive-year links (``/{ed}/{archive-word}/{YYYY}/``)
for the years in since/until, then the day links each year page gives (day URLs are taken from the
site, never built), then every page of each day's list and its articles. Years and days outside
the range are not fetched.

Resumable: run it with a job directory, ``-s JOBDIR=crawls/archive-cn``; stop it with one Ctrl-C
(or ``scrapy`` receiving SIGTERM) and run the same command again to continue where it stopped
(Scrapy keeps the pending requests and the seen-request filter in JOBDIR).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy.http import Response

from rficrawl import urls
from rficrawl.spiders.arguments import SpiderParams
from rficrawl.spiders.base import STAT, RfiSpider
from rficrawl.spiders.paging import PagingMixin


class ArchiveSpider(PagingMixin, RfiSpider[SpiderParams]):
    """An archive day is read to its last page (no ``max_pages``)."""

    name = "archive"

    async def start(self) -> AsyncIterator[Any]:
        for edition in self.editions:
            yield self.page_request(self.site_url(edition.front_path()), self.parse_front)

    def parse_front(self, response: Response) -> Any:
        for url in self.listing(response).archive_years:
            year = urls.classify(url, self.base_url).year
            if year is not None and not self.dates.overlaps_year(year):
                self.crawler.stats.inc_value(f"{STAT}/archive_year_out_of_range")
                continue
            yield self.page_request(url, self.parse_year)

    def parse_year(self, response: Response) -> Any:
        for url in self.listing(response).archive_days:
            if not self.dates.contains(urls.classify(url, self.base_url).date):
                self.crawler.stats.inc_value(f"{STAT}/archive_day_out_of_range")
                continue
            yield self.page_request(url, self.parse_day)

    async def parse_day(self, response: Response) -> AsyncIterator[Any]:
        listing = self.listing(response)
        for request in await self.listing_requests(response, listing):
            yield request
