"""The feeds and sitemaps spiders: entries filtered by date before any article is fetched."""

from __future__ import annotations

from rficrawl.editions import get_edition
from testbed.build import PUBLIC, TAG_FEED, public_url
from tests.spiders.conftest import article_paths, crawl, paris_day, paths_of, requested_twice


def _feed_urls(editions: list[str], tags: list[str]) -> list[str]:
    urls = []
    for prefix in editions:
        edition = get_edition(prefix)
        urls.append(public_url(f"/{prefix}/rss"))
        urls += [public_url(f"/{prefix}/{section}/rss") for section in edition.sections]
        urls += [public_url(f"/{prefix}/{edition.tag_word}/{tag}/rss") for tag in tags
                 if (prefix, tag) == TAG_FEED]
    return urls


def test_feeds_of_two_editions_with_a_tag_feed(site, server, tmp_path):
    result = crawl("feeds", server, tmp_path, {"editions": "cn,tw", "tags": TAG_FEED[1]})
    expected = site.feed_articles(_feed_urls(["cn", "tw"], [TAG_FEED[1]]))
    assert len(expected) > 20
    assert result.urls() == expected
    assert requested_twice(server) == {}


def test_feed_items_out_of_range_are_not_fetched(site, server, tmp_path):
    result = crawl("feeds", server, tmp_path, {"editions": "cn", "since": "2025-11-20"})
    everything = site.feed_articles(_feed_urls(["cn"], []))
    expected = site.in_range(everything, paris_day("2025-11-20"))
    assert 0 < len(expected) < len(everything)
    assert result.urls() == expected
    assert article_paths(server) == paths_of(expected)


def test_sitemaps_news_and_monthly(site, server, tmp_path):
    result = crawl("sitemaps", server, tmp_path, {"editions": "cn,tw"})
    expected = site.sitemap_articles(["cn", "tw"])
    assert result.urls() == expected
    requested = set(server.log.paths())
    assert "/sitemaps/cn/contents_202410.xml" in requested
    assert "/sitemaps/cn/tags.xml" not in requested  # not an article sitemap
    assert requested_twice(server) == {}


def test_sitemaps_skip_months_out_of_range_unfetched(site, server, tmp_path):
    result = crawl("sitemaps", server, tmp_path, {"editions": "cn", "since": "2025-11-10"})
    everything = site.sitemap_articles(["cn"])
    expected = site.in_range(everything, paris_day("2025-11-10"))
    assert 0 < len(expected) < len(everything)
    assert result.urls() == expected
    assert "/sitemaps/cn/contents_202410.xml" not in set(server.log.paths())
    assert article_paths(server) == paths_of(expected)


def test_only_the_news_sitemap(site, server, tmp_path):
    result = crawl("sitemaps", server, tmp_path, {"editions": "cn", "sitemaps": "news"})
    assert result.urls() == site.sitemap_articles([]) | set(site.news_sitemaps["cn"])
    assert "/sitemaps/cn/index.xml" not in set(server.log.paths())


def test_article_spider_fetches_exactly_the_given_urls(site, server, tmp_path):
    chosen = sorted(site.fronts_articles(["cn"]))[:3]
    urls_file = tmp_path / "urls.txt"
    # Public URLs and mirror URLs are both accepted; comments and blank lines are ignored.
    urls_file.write_text(f"# repairs\n{chosen[1].replace(PUBLIC, server.base_url)}\n\n{chosen[2]}\n")
    result = crawl("article", server, tmp_path, {"urls": chosen[0], "urls_file": urls_file})
    assert result.urls() == set(chosen)
    assert article_paths(server) == paths_of(set(chosen))
