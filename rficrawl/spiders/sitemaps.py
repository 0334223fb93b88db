"""``scrapy crawl sitemaps``: articles from each edition's sitemaps, filtered by date first.

``/sitemaps/{ed}/news.xml`` (Google News: the last two days, with publication dates) gives
freshness; ``/sitemaps/{ed}/index.xml`` lists monthly ``contents_YYYYMM.xml`` sitemaps for backfill.
Monthly sitemaps outside since/until are never fetched, and entries outside the range are skipped by
their publication date (else lastmod) before any article is fetched. ``-a sitemaps=news`` or
``-a sitemaps=index`` reads only one of the two (default: both). Other sitemaps in the index (tags,
shows) list no articles and are not read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy.http import Response

from rficrawl.extract.feeds import NotAFeed, month_of_sitemap, parse_sitemap
from rficrawl.spiders.arguments import SitemapsParams
from rficrawl.spiders.base import STAT, RfiSpider


class SitemapsSpider(RfiSpider[SitemapsParams]):
    name = "sitemaps"

    async def start(self) -> AsyncIterator[Any]:
        for edition in self.editions:
            for kind in self.args.sitemaps:
                url = self.site_url(f"/sitemaps/{edition.prefix}/{kind}.xml")
                yield self.page_request(url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Any:
        try:
            document = parse_sitemap(response.body, source=response.url)
        except NotAFeed as exc:
            self.logger.warning("Skipped a sitemap: %s", exc)
            self.crawler.stats.inc_value(f"{STAT}/bad_sitemap")
            return
        if document.kind == "sitemapindex":
            for child in document.entries:
                month = month_of_sitemap(child.url)
                if month is None:
                    continue
                if not self.dates.overlaps_month(*month):
                    self.crawler.stats.inc_value(f"{STAT}/sitemap_out_of_range")
                    continue
                yield self.page_request(child.url, self.parse_sitemap)
            return
        yield from self.article_requests(
            (entry.url, entry.date, entry.changed_at) for entry in document.entries
        )
