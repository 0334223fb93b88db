"""``scrapy crawl article -a urls=URL[,URL...]`` or ``-a urls_file=FILE``: fetch given articles.

For re-crawls and repairs: the URLs may be public (https://www.rfi.fr/...) or on RFI_BASE_URL.
They are fetched whether or not the store knows them (``refresh`` defaults to ``all`` here), and
since/until/max_articles still apply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy.crawler import Crawler

from rficrawl.spiders.arguments import ArticleParams
from rficrawl.spiders.base import RfiSpider


class ArticleSpider(RfiSpider[ArticleParams]):
    name = "article"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticleSpider:
        # A repair crawl re-fetches what it is given unless the user asks otherwise.
        kwargs.setdefault("refresh", "all")
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self) -> AsyncIterator[Any]:
        # Every URL is an article on the site: the arguments' check refused any other.
        for request in self.article_requests((url, None) for url in self.args.article_urls):
            yield request

