"""Re-crawling stored articles through ``scrapy crawl`` with the real server: the known-article
lookup failing, ``STORE_SEEN_RESOLUTION``, and two crawls storing two versions of one article at
the same moment."""

from __future__ import annotations

import threading

import pytest

from testbed.build import site_path
from tests.store.test_crawl import article_requests, chosen, crawl, site, store_settings, url_file
from tests.support.crawl import start_crawl
from tests.support.mirror import Gate

pytestmark = pytest.mark.slow
__all__ = ["chosen", "site"]  # fixtures shared with test_crawl


def test_a_failing_known_article_lookup_fetches_instead_of_skipping_and_says_so_once(
    site, chosen, mirror_server_factory, fresh_mongo_server, tmp_path
):
    server = mirror_server_factory(site.root)
    settings = store_settings(server, fresh_mongo_server.uri, "fallback", tmp_path,
                              STORE_TIMEOUT=0.5, STORE_GIVE_UP_AFTER=1)
    args = {"urls_file": url_file(tmp_path, chosen), "refresh": "never"}
    crawl(tmp_path, "first", settings, args)
    server.log.clear()
    skipped = crawl(tmp_path, "skipped", settings, args)
    assert article_requests(server) == []  # stored: skipped, while the store answers
    assert skipped.stats["rficrawl/known/skipped"] == len(chosen)

    fresh_mongo_server.stop()
    server.log.clear()
    result = crawl(tmp_path, "second", settings, args)
    # Unknown is the safe answer: every article is fetched again rather than skipped unseen...
    assert sorted(article_requests(server)) == sorted(site_path(url) for url in chosen)
    assert "rficrawl/known/skipped" not in result.stats
    assert result.log.count("known-article lookup failed") == 1
    assert "fetching those articles" in result.log
    # ... and none is lost: the store being away, they wait in the spill file.
    assert result.stats["rficrawl/store/spilled"] == len(chosen)


def last_seen(db) -> dict[str, object]:
    return {d["url"]: d["last_seen_at"] for d in db.articles.find({}, {"url": 1, "last_seen_at": 1})}


def test_unchanged_articles_are_touched_only_after_the_seen_resolution(
    site, chosen, mirror_server_factory, mongo_db, tmp_path
):
    server = mirror_server_factory(site.root)
    urls = chosen[:3]
    settings = store_settings(server, mongo_db.uri, mongo_db.db, tmp_path)
    args = {"urls_file": url_file(tmp_path, urls)}  # the article spider fetches known ones too
    crawl(tmp_path, "first", settings, args)
    first = last_seen(mongo_db.database)

    within = crawl(tmp_path, "within", settings, args)  # default resolution: an hour
    assert within.stats["rficrawl/store/unchanged"] == len(urls)
    assert last_seen(mongo_db.database) == first  # read, not rewritten

    past = crawl(tmp_path, "past", {**settings, "STORE_SEEN_RESOLUTION": 0}, args)
    assert past.stats["rficrawl/store/unchanged"] == len(urls)
    after = last_seen(mongo_db.database)
    assert all(after[url] > first[url] for url in urls), (first, after)
    assert mongo_db.database.revisions.count_documents({}) == 0


def test_two_crawls_storing_two_versions_at_once_keep_both(
    site, chosen, mirror_server_factory, mongo_db, tmp_path
):
    url = chosen[0]
    title = site.articles[url].title
    server = mirror_server_factory(site.root)
    # Both crawls' requests wait at the mirror until both are there; the page changed between
    # the two answers (the first one to arrive gets version 甲, the other 乙).
    gate = Gate(server, open_at=2, limit=120)
    versions = ["（甲）", "（乙）"]
    lock = threading.Lock()

    def two_versions(request):
        with lock:
            suffix = versions.pop(0)
        status, headers, body = gate(request)
        return status, headers, body.replace(title.encode(), (title + suffix).encode())

    server.add_route(site_path(url), two_versions)
    settings = store_settings(server, mongo_db.uri, mongo_db.db, tmp_path, STORE_BATCH_SIZE=1)
    crawls = [start_crawl("article", tmp_path / name, {"urls": url}, settings) for name in "ab"]
    results = [c.finish() for c in crawls]
    for result in results:
        assert result.returncode == 0, result.log[-3000:]
        assert "Traceback" not in result.log, result.log[-3000:]

    db = mongo_db.database
    articles = list(db.articles.find({"url": url}))
    revisions = list(db.revisions.find())
    assert len(articles) == 1
    assert len(revisions) == 1
    # Nothing lost: one version is the article, the other its revision.
    kept = {articles[0]["title"], revisions[0]["document"]["title"]}
    assert kept == {title + "（甲）", title + "（乙）"}
    assert articles[0]["revision"] == 2 and revisions[0]["revision"] == 1
    assert revisions[0]["fetched_at"] <= articles[0]["fetched_at"]  # the newest fetch is the article
    assert revisions[0]["article_id"] == articles[0]["_id"]
