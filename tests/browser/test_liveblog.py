"""Live blogs through the real headless Chromium: every post loaded by XHR and extracted."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.site import live_posts
from tests.support.crawl import run_crawl
from tests.support.mirror import mirror_settings

pytestmark = pytest.mark.slow


def browser_requests(server, prefix: str) -> list:
    return [r for r in server.log.records if r.path.startswith(prefix) and "HeadlessChrome" in r.user_agent]


def test_live_blog_posts_loaded_by_xhr_and_load_more_are_all_extracted(
    site, mirror_server_factory, browser_settings, tmp_path
):
    posts = live_posts(13)
    live_path, feed = site.live_blog("live-1", posts, per_page=5)
    plain_path = site.article("plain-1")
    server = mirror_server_factory(site.root, **site.server_options())

    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(p) for p in (live_path, plain_path))},
        settings={**mirror_settings(server), **browser_settings, "SPIDER_MODULES": "rficrawl.spiders.article"},
    )

    assert result.returncode == 0, result.log[-3000:]
    by_title = {item["title"]: item for item in result.items}
    assert set(by_title) == {"测试文章 live-1", "测试文章 plain-1"}, result.log[-3000:]
    got = by_title["测试文章 live-1"]["live_posts"]
    assert [post["title"] for post in got] == [post.title for post in posts]  # oldest first
    assert [post["author"] for post in got] == [post.author for post in posts]
    assert got[0]["text"] == "\n\n".join(posts[0].paragraphs)
    assert dt.datetime.fromisoformat(str(got[-1]["time"]).replace("Z", "+00:00")) == (
        dt.datetime.fromisoformat(posts[-1].time)
    )
    assert by_title["测试文章 plain-1"]["live_posts"] == []
    # The posts came by the embed's XHR from the browser, in 3 batches of at most 5.
    assert len(browser_requests(server, feed.prefix)) == 3
    # The plain article never went to the browser; the live blog went once.
    assert browser_requests(server, plain_path) == []
    assert len(browser_requests(server, live_path)) == 1
    assert result.stats.get("playwright/liveblog/rendered") == 1
    assert result.stats.get("playwright/liveblog/loads") == 2
    assert not result.stats.get("playwright/liveblog/truncated")
