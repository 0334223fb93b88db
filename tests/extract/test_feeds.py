"""RSS and sitemap parsing (rficrawl.extract.feeds) on documents in RFI's formats."""

from __future__ import annotations

import datetime as dt

import pytest

from rficrawl.extract.feeds import NotAFeed, month_of_sitemap, parse_rss, parse_sitemap
from testbed.build import MirrorArticle, news_sitemap, rss, sitemap_index, urlset

A = MirrorArticle("https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20251129-a", 
                  dt.datetime(2025, 11, 29, 8, 30, tzinfo=dt.UTC), "cn", "标题 & 一")
B = MirrorArticle("https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20251001-b",
                  dt.datetime(2025, 10, 1, 23, 0, tzinfo=dt.UTC), "cn", "标题二")


def test_rss_items_with_their_dates():
    entries = parse_rss(rss("https://www.rfi.fr/cn/", "法广", [A, B]).encode())
    assert [(e.url, e.published_at, e.title) for e in entries] == [
        (A.url, A.published_at, A.title), (B.url, B.published_at, B.title)]


def test_news_sitemap_gives_publication_date_and_title():
    document = parse_sitemap(news_sitemap([A], "zh-Hans").encode())
    assert document.kind == "urlset"
    [entry] = document.entries
    assert (entry.url, entry.published_at, entry.title, entry.date) == (A.url, A.published_at, A.title,
                                                                       A.published_at)


def test_monthly_sitemap_dates_from_lastmod():
    [entry, _] = parse_sitemap(urlset([A, B]).encode()).entries
    assert entry.published_at is None and entry.date == A.published_at


def test_sitemap_index_and_monthly_names():
    index = parse_sitemap(sitemap_index([
        ("https://www.rfi.fr/sitemaps/cn/contents_202511.xml", A.published_at),
        ("https://www.rfi.fr/sitemaps/cn/tags.xml", A.published_at),
    ]).encode())
    assert index.kind == "sitemapindex"
    assert [month_of_sitemap(e.url) for e in index.entries] == [(2025, 11), None]
    assert month_of_sitemap("https://www.rfi.fr/sitemaps/cn/contents_202513.xml") is None


@pytest.mark.parametrize("body", [b"", b"<html><body>blocked</body></html>", b"<rss><channel><item>",
                                  b"\xff\xfe not xml"])
def test_broken_documents_raise_not_a_feed(body):
    with pytest.raises(NotAFeed, match="/cn/rss"):
        parse_rss(body, source="/cn/rss")
    with pytest.raises(NotAFeed, match="index.xml"):
        parse_sitemap(body.replace(b"rss", b"urlset"), source="index.xml")


def test_entities_are_not_expanded():
    body = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<rss><channel><item><link>https://www.rfi.fr/cn/a</link><title>&x;</title></item>"
            b"</channel></rss>")
    [entry] = parse_rss(body)
    assert "root:" not in (entry.title or "")
