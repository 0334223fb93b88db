"""Incremental crawls with a real store: a second run fetches no known article and stops paging
once a whole list page is known (needs the MongoDB-wire server of tests/support/mongo.py)."""

from __future__ import annotations

from tests.spiders.conftest import article_paths, crawl
from tests.support.mirror_build import PAGED_SECTION


def test_second_run_fetches_no_known_article_and_stops_paging(site, server, tmp_path, mongo_db):
    store = {"MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db}
    args = {"editions": "cn", "sections": PAGED_SECTION}
    first = crawl("fronts", server, tmp_path / "1", args, store)
    expected = site.fronts_articles(["cn"], sections=[PAGED_SECTION])
    assert first.urls() == expected
    assert mongo_db.database["articles"].count_documents({}) == len(expected)
    assert f"/cn/{PAGED_SECTION}/3/" in server.log.paths()

    server.log.clear()
    second = crawl("fronts", server, tmp_path / "2", args, store)
    assert second.items == []
    assert article_paths(server) == set()
    two_pages = site.fronts_articles(["cn"], max_pages=2, sections=[PAGED_SECTION])
    assert second.stats["rficrawl/known/skipped"] == len(two_pages)
    # Page 1 holds a robots.txt-forbidden article (never stored), page 2 only known ones: stop there.
    assert f"/cn/{PAGED_SECTION}/2/" in server.log.paths()
    assert f"/cn/{PAGED_SECTION}/3/" not in server.log.paths()
    assert second.stats["rficrawl/discovery/paging_stopped/all_known"] == 1

    server.log.clear()
    third = crawl("fronts", server, tmp_path / "3", {**args, "refresh": "all"}, store)
    assert third.urls() == expected
    assert len(article_paths(server)) == len(expected)
