"""``scrapy crawl article -a urls=URL[,URL...]`` or ``-a urls_file=FILE``: fetch given articles.

For re-crawls and repairs: the URLs may be public (https://www.rfi.fr/...) or on RFI_BASE_URL.
They are fetched whether or not the store knows them (``refresh`` defaults to ``all`` here), and
since/until/max_articles still apply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from scrapy.crawler import Crawler

from rficrawl import urls
from rficrawl.spiders.arguments import SpiderArgumentError, parse_list, read_urls_file
from rficrawl.spiders.base import RfiSpider


class ArticleSpider(RfiSpider):
    name = "article"
    spider_arguments: ClassVar[dict[str, str]] = {
        "urls": "comma-separated article URLs (https://www.rfi.fr/... or on RFI_BASE_URL)",
        "urls_file": "a text file with one article URL a line (# comments allowed)",
    }

    @classmethod
    def check_arguments(cls, kwargs, extra_allowed=()):
        parsed = super().check_arguments(kwargs, extra_allowed)
        if not article_urls(parsed.extra):
            raise SpiderArgumentError(
                "spider article needs the articles to fetch: -a urls=https://www.rfi.fr/cn/... "
                "or -a urls_file=FILE (one URL a line)"
            )
        return parsed

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticleSpider:
        # A repair crawl re-fetches what it is given unless the user asks otherwise.
        kwargs.setdefault("refresh", "all")
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self) -> AsyncIterator[Any]:
        wanted = article_urls(self.arguments.extra)
        unusable = [url for url in wanted if not urls.classify(url, self.base_url).is_article]
        for url in unusable:
            self.logger.error("Not an article URL, skipped: %s (kind %s)", url, self.kind_of(url))
            self.crawler.stats.inc_value("rficrawl/discovery/not_article_url")
        for request in self.article_requests((url, None) for url in wanted if url not in unusable):
            yield request


def article_urls(extra: dict[str, str]) -> list[str]:
    found = parse_list(extra.get("urls", ""))
    if extra.get("urls_file"):
        found += read_urls_file("urls_file", extra["urls_file"])
    return found
