"""``scrapy crawl feeds``: articles from RSS feeds, the cheapest way to follow the news.

Reads each edition's feed (``/{ed}/rss``), its sections' feeds (``/{ed}/{section}/rss``, sections
from the registry or ``-a sections=``), tag feeds asked for with ``-a tags=台海,中国``
(``/{ed}/{tag-word}/{tag}/rss``), and the feeds the edition front advertises with
``<link rel="alternate" type="application/rss+xml">``. Items outside since/until are skipped by
their pubDate before any article is fetched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy.http import Response

from rficrawl.extract.feeds import NotAFeed, parse_rss
from rficrawl.spiders.arguments import FeedsParams
from rficrawl.spiders.base import RfiSpider


class FeedsSpider(RfiSpider[FeedsParams]):
    name = "feeds"

    async def start(self) -> AsyncIterator[Any]:
        wanted, tags = self.args.sections, self.args.tags
        for edition in self.editions:
            if not wanted:
                yield self.feed_request(self.site_url(f"{edition.front_path()}rss"))
                yield self.page_request(self.site_url(edition.front_path()), self.parse_front)
            for section in edition.sections:
                if not wanted or section in wanted:
                    yield self.feed_request(self.site_url(f"{edition.section_path(section)}rss"))
            for tag in tags:
                if edition.tag_word:
                    yield self.feed_request(self.site_url(f"/{edition.prefix}/{edition.tag_word}/{tag}/rss"))

    def feed_request(self, url: str):
        return self.page_request(url, self.parse_feed)

    def parse_front(self, response: Response) -> Any:
        """The feeds a front advertises (the duplicate filter drops those already requested)."""
        for url in self.listing(response).feeds:
            yield self.feed_request(url)

    def parse_feed(self, response: Response) -> Any:
        try:
            entries = parse_rss(response.body, source=response.url)
        except NotAFeed as exc:
            self.logger.warning("Skipped a feed: %s", exc)
            self.crawler.stats.inc_value("rficrawl/discovery/bad_feed")
            return
        yield from self.article_requests(
            (entry.url, entry.date, entry.changed_at) for entry in entries
        )
