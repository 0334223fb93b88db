"""Incremental crawls with a real store: a second run fetches no known article and stops paging
once a whole list page is known (needs the MongoDB-wire server of tests/support/mongo.py)."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlsplit

from testbed.build import PAGED_SECTION
from tests.spiders.conftest import article_paths, crawl, paths_of


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


def test_refresh_modified_refetches_only_articles_listed_as_changed(site, mirror_server_factory,
                                                                    tmp_path, mongo_db):
    """-a refresh=modified: a stored article is fetched again only when the sitemap's lastmod is
    newer than what the store holds (here one entry of news.xml is edited after the first run)."""
    root = tmp_path / "mirror"
    shutil.copytree(site.root, root)
    server = mirror_server_factory(root)
    store = {"MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db}
    args = {"editions": "cn", "sitemaps": "news"}
    first = crawl("sitemaps", server, tmp_path / "1", args, store)
    stored = first.urls()
    assert stored and stored <= set(site.news_sitemaps["cn"])

    news = root / "sitemaps" / "cn" / "news.xml"
    text = news.read_text(encoding="utf-8")
    edited = min(stored)
    block = re.search(rf"<url>\s*<loc>{re.escape(edited)}</loc>\s*<lastmod>[^<]*</lastmod>", text)
    assert block is not None
    newer = re.sub(r"<lastmod>[^<]*</lastmod>", "<lastmod>2025-12-05T08:00:00Z</lastmod>",
                   block.group(0))
    news.write_text(text.replace(block.group(0), newer), encoding="utf-8")

    server.log.clear()
    second = crawl("sitemaps", server, tmp_path / "2", {**args, "refresh": "modified"}, store)
    assert article_paths(server) == paths_of({edited})
    assert second.stats["rficrawl/known/refetched"] == 1
    assert second.stats["rficrawl/known/skipped"] == len(stored) - 1

    server.log.clear()
    crawl("sitemaps", server, tmp_path / "3", {**args, "refresh": "never"}, store)
    assert article_paths(server) == set()


def refresh_modified_refetches(site, mirror_server_factory, tmp_path, mongo_db, spider: str,
                               args: dict, listing: str, newer) -> None:
    """Crawl into a store, make ``newer(text, stored)`` date one stored article later in the
    mirror's ``listing`` file (returning that article), then crawl again with refresh=modified:
    only that article is fetched again, and refresh=never fetches none."""
    root = tmp_path / "mirror"
    shutil.copytree(site.root, root)
    server = mirror_server_factory(root)
    store = {"MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db}
    first = crawl(spider, server, tmp_path / "1", args, store)
    stored = first.urls()
    assert len(stored) >= 2

    page = root / listing.lstrip("/")
    text = page.read_text(encoding="utf-8")
    edited, changed = newer(text, stored)
    assert changed != text
    page.write_text(changed, encoding="utf-8")

    server.log.clear()
    second = crawl(spider, server, tmp_path / "2", {**args, "refresh": "modified"}, store)
    assert article_paths(server) == paths_of({edited})
    assert second.stats["rficrawl/known/refetched"] == 1
    assert second.stats["rficrawl/known/skipped"] >= 1

    server.log.clear()
    crawl(spider, server, tmp_path / "3", {**args, "refresh": "never"}, store)
    assert article_paths(server) == set()


def test_refresh_modified_follows_a_feed_items_newer_date(site, mirror_server_factory, tmp_path,
                                                          mongo_db):
    def newer(text, stored):
        edited = min(stored)
        block = re.search(rf"<link>{re.escape(edited)}</link>[\s\S]*?<pubDate>[^<]*</pubDate>", text)
        assert block is not None
        later = re.sub(r"<pubDate>[^<]*</pubDate>", "<pubDate>Fri, 05 Dec 2025 08:00:00 GMT</pubDate>",
                       block.group(0))
        return edited, text.replace(block.group(0), later)

    refresh_modified_refetches(site, mirror_server_factory, tmp_path, mongo_db, "feeds",
                               {"editions": "cn", "sections": PAGED_SECTION},
                               f"/cn/{PAGED_SECTION}/rss", newer)


def test_refresh_modified_follows_a_front_cards_newer_date(site, mirror_server_factory, tmp_path,
                                                           mongo_db):
    def newer(text, stored):
        on_page = [url for url in stored if f'href="{urlsplit(url).path}"' in text]
        edited = min(on_page)
        card = re.search(rf'href="{re.escape(urlsplit(edited).path)}"[\s\S]*?<time datetime="[^"]*"',
                         text)
        assert card is not None
        later = re.sub(r'<time datetime="[^"]*"', '<time datetime="2025-12-05T08:00:00+00:00"',
                       card.group(0))
        return edited, text.replace(card.group(0), later)

    refresh_modified_refetches(site, mirror_server_factory, tmp_path, mongo_db, "fronts",
                               {"editions": "cn", "sections": PAGED_SECTION},
                               f"/cn/{PAGED_SECTION}/index.html", newer)
