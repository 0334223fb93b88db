"""What the spiders put on their requests, for the middlewares (docs/architecture.md)."""

from __future__ import annotations

import asyncio
import datetime as dt

from scrapy.utils.test import get_crawler

from rficrawl.spiders.fronts import FrontsSpider
from rficrawl.spiders.sitemaps import SitemapsSpider

BASE = "http://127.0.0.1:8123"


def _spider(cls, settings=None, **kwargs):
    crawler = get_crawler(cls, {"RFI_BASE_URL": BASE, **(settings or {})})
    return cls.from_crawler(crawler, **kwargs)


async def _collect(agen):
    return [request async for request in agen]


def test_start_requests_are_on_the_base_url_with_their_kind():
    spider = _spider(FrontsSpider, editions="cn,tw")
    requests = asyncio.run(_collect(spider.start()))
    assert requests[0].url == f"{BASE}/cn/"
    assert all(request.url.startswith(BASE + "/") for request in requests)
    kinds = {request.meta["rfi_kind"] for request in requests}
    assert kinds == {"front", "section"}
    assert spider.allowed_domains == ["127.0.0.1"]
    assert spider.refresh == "never"


def test_article_requests_carry_kind_and_listing_date_and_come_once():
    spider = _spider(SitemapsSpider, editions="cn", since="2025-11-01")
    when = dt.datetime(2025, 11, 29, 8, tzinfo=dt.UTC)
    entries = [
        ("https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20251129-a", when),
        ("https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20251129-a", when),  # again: scheduled once
        ("https://www.rfi.fr/cn/%E4%B8%93%E6%A0%8F%E6%A3%80%E7%B4%A2/show/20251129-episode", None),
        ("https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20251020-old", None),  # before since (URL date)
        ("https://savoirs.rfi.fr/zh/x", None),  # off-site
        ("https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/", None),  # a section, not an article
    ]
    requests = list(spider.article_requests(entries))
    assert [(r.url, r.meta["rfi_kind"], r.meta.get("rfi_listing_date")) for r in requests] == [
        (f"{BASE}/cn/%E4%B8%AD%E5%9B%BD/20251129-a", "article", when),
        (f"{BASE}/cn/%E4%B8%93%E6%A0%8F%E6%A3%80%E7%B4%A2/show/20251129-episode", "podcast_episode",
         None),
    ]
    assert spider.crawler.stats.get_value("rficrawl/discovery/out_of_range") == 1


def test_refresh_policy_from_the_argument_else_the_setting():
    assert _spider(FrontsSpider, {"KNOWN_ARTICLES_REFRESH": "modified"}).refresh == "modified"
    assert _spider(FrontsSpider, {"KNOWN_ARTICLES_REFRESH": "modified"}, refresh="all").refresh == "all"


def test_a_page_that_is_not_html_gives_an_empty_listing_not_an_error():
    from scrapy.http import Response

    spider = _spider(FrontsSpider, editions="cn")
    listing = spider.listing(Response(f"{BASE}/cn/", body=b"\x89PNG\r\n", status=200))
    assert listing.articles == [] and listing.next_page is None
    assert spider.crawler.stats.get_value("rficrawl/discovery/not_html") == 1
