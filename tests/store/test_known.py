"""The known-article middleware against the real server: skip, refresh policies, the spider API."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.test import get_crawler

from rficrawl.store.connection import ensure_indexes
from rficrawl.store.documents import to_document
from rficrawl.store.known import KnownArticlesMiddleware, refresh_policy
from rficrawl.store.writer import ArticleWriter
from rficrawl.urls import to_base
from tests.store.conftest import make_item
from tests.support.settings import project_settings

BASE = "http://127.0.0.1:8123"


def middleware_for(mongo_db, refresh: str | None = None, **settings) -> KnownArticlesMiddleware:
    values = project_settings(
        MONGO_URI=mongo_db.uri, MONGO_DATABASE=mongo_db.db, RFI_BASE_URL=BASE, **settings
    )
    crawler = get_crawler(Spider, values)
    kwargs = {"refresh": refresh} if refresh else {}
    crawler.spider = crawler._create_spider("knowntest", **kwargs)
    middleware = KnownArticlesMiddleware.from_crawler(crawler)
    middleware.spider_opened(crawler.spider)
    return middleware


def article_request(public_url: str, kind: str = "article", listed: dt.datetime | None = None):
    meta = {"rfi_kind": kind}
    if listed is not None:
        meta["rfi_listing_date"] = listed
    return Request(to_base(public_url, BASE), meta=meta)


async def outcome(middleware, request) -> str:
    try:
        await middleware.process_request(request)
    except IgnoreRequest:
        return "skipped"
    return "fetched"


@pytest.fixture
def stored(db):
    ensure_indexes(db)
    items = [make_item(n) for n in range(3)]
    ArticleWriter(db).write([to_document(i) for i in items])
    return items


def test_storage_off_means_no_middleware():
    crawler = get_crawler(Spider, project_settings(MONGO_URI=""))
    with pytest.raises(NotConfigured):
        KnownArticlesMiddleware.from_crawler(crawler)
    crawler.spider = crawler._create_spider("knowntest")
    crawler.engine = crawler._create_engine()
    assert crawler.get_downloader_middleware(KnownArticlesMiddleware) is None


def test_known_articles_skipped_fronts_and_new_ones_fetched(mongo_db, stored):
    middleware = middleware_for(mongo_db)
    new_url = make_item(99)["url"]

    async def run():
        return [
            await outcome(middleware, article_request(stored[0]["url"])),
            await outcome(middleware, article_request(stored[1]["url"], kind="podcast_episode")),
            await outcome(middleware, article_request(new_url)),
            await outcome(middleware, article_request(stored[2]["url"], kind="front")),
            await outcome(middleware, Request(to_base(stored[2]["url"], BASE))),
        ]

    assert asyncio.run(run()) == ["skipped", "skipped", "fetched", "fetched", "fetched"]
    stats = middleware.crawler.stats
    assert stats.get_value("rficrawl/known/skipped") == 2
    assert stats.get_value("rficrawl/known/checked") == 3


def test_refresh_modified_fetches_when_the_listing_is_newer(mongo_db, stored):
    middleware = middleware_for(mongo_db, refresh="modified")
    modified = stored[0]["modified_at"]

    async def run():
        return [
            await outcome(
                middleware,
                article_request(stored[0]["url"], listed=modified + dt.timedelta(hours=2)),
            ),
            await outcome(
                middleware,
                article_request(stored[0]["url"], listed=modified - dt.timedelta(hours=2)),
            ),
            await outcome(middleware, article_request(stored[0]["url"])),
        ]

    assert asyncio.run(run()) == ["fetched", "skipped", "skipped"]
    assert middleware.crawler.stats.get_value("rficrawl/known/refetched") == 1


def test_refresh_all_fetches_everything(mongo_db, stored):
    middleware = middleware_for(mongo_db, refresh="all")
    assert asyncio.run(outcome(middleware, article_request(stored[0]["url"]))) == "fetched"


def test_bad_refresh_value_is_named():
    with pytest.raises(ValueError, match="refresh='sometimes' is not a re-crawl policy"):
        refresh_policy(Spider("x", refresh="sometimes"), "never")
    assert refresh_policy(Spider("x"), "modified") == "modified"
    assert refresh_policy(Spider("x", refresh="ALL"), "never") == "all"


def test_spider_api_batches_into_one_query_and_caches(mongo_db, stored):
    middleware = middleware_for(mongo_db, KNOWN_ARTICLES_CACHE_SIZE=4)
    known = middleware.articles
    queries = []
    original = known._query
    known._query = lambda urls: queries.append(len(urls)) or original(urls)
    wanted = [i["url"] for i in stored] + [make_item(n)["url"] for n in range(50, 53)]

    async def run():
        answers = await asyncio.gather(*(known.known([url]) for url in wanted))
        again = await known.known(wanted[-2:])
        return answers, again

    answers, again = asyncio.run(run())
    assert set().union(*answers) == {i["url"] for i in stored}
    assert queries == [6]  # six concurrent questions, one query
    assert again == set()
    assert len(known.cache) == 4  # bounded
    assert queries == [6]  # the last two came from the cache
