"""Live blogs through the real headless Chromium: every post loaded by XHR and extracted."""

from __future__ import annotations

import pytest

from rficrawl.dates import as_utc
from tests.browser.site import crawl_settings, live_posts
from tests.support.crawl import run_crawl

pytestmark = pytest.mark.slow


def browser_requests(server, prefix: str) -> list:
    return [r for r in server.log.records if r.path.startswith(prefix) and "HeadlessChrome" in r.user_agent]


@pytest.mark.parametrize("wait_until", ["load", "domcontentloaded"])
def test_live_blog_posts_loaded_by_xhr_and_load_more_are_all_extracted(
    site, mirror_server_factory, browser_settings, tmp_path, wait_until
):
    posts = live_posts(13)
    live_path, feed = site.live_blog("live-1", posts, per_page=5)
    plain_path = site.article("plain-1")
    server = mirror_server_factory(site.root, **site.server_options())

    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(p) for p in (live_path, plain_path))},
        settings=crawl_settings(
            server, browser_settings, {"RFICRAWL_BROWSER_WAIT_UNTIL": wait_until}
        ),
    )

    assert result.returncode == 0, result.log[-3000:]
    by_title = {item["title"]: item for item in result.items}
    assert set(by_title) == {"测试文章 live-1", "测试文章 plain-1"}, result.log[-3000:]
    got = by_title["测试文章 live-1"]["live_posts"]
    assert [post["title"] for post in got] == [post.title for post in posts]  # oldest first
    assert [post["author"] for post in got] == [post.author for post in posts]
    assert got[0]["text"] == "\n\n".join(posts[0].paragraphs)
    assert as_utc(got[-1]["time"]) == as_utc(posts[-1].time)
    assert by_title["测试文章 plain-1"]["live_posts"] == []
    # The posts came by the embed's XHR from the browser, in 3 batches of at most 5.
    assert len(browser_requests(server, feed.prefix)) == 3
    # The plain article never went to the browser; the live blog went once.
    assert browser_requests(server, plain_path) == []
    assert len(browser_requests(server, live_path)) == 1
    assert result.stats.get("rficrawl/browser/liveblog/rendered") == 1
    assert result.stats.get("rficrawl/browser/liveblog/loads") == 2
    assert not result.stats.get("rficrawl/browser/liveblog/truncated")


def crawl_articles(server, tmp_path, paths, settings, name="crawl"):
    return run_crawl(
        "article", tmp_path / name,
        args={"urls": ",".join(server.url(p) for p in paths)},
        settings=crawl_settings(server, settings),
    )


def test_load_more_presses_are_bounded_and_the_cut_is_counted(
    site, mirror_server_factory, browser_settings, tmp_path
):
    live_path, _ = site.live_blog("live-long", live_posts(13), per_page=5)
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_articles(server, tmp_path, [live_path],
                            {**browser_settings, "RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS": 1})

    assert result.returncode == 0, result.log[-3000:]
    [item] = result.items
    assert len(item["live_posts"]) == 10  # first batch + one press of 5
    assert result.stats.get("rficrawl/browser/liveblog/truncated") == 1
    assert "RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS=1" in result.log


def test_a_live_blog_that_never_finishes_loading_is_kept_without_posts_and_counted(
    site, mirror_server_factory, browser_settings, tmp_path
):
    # A script that never arrives keeps the page's load event from ever firing.
    site.hang_route("/hang.js")
    stuck_path, _ = site.live_blog("live-stuck", live_posts(3),
                                   extra_head='<script src="/hang.js"></script>')
    other_path, _ = site.live_blog("live-ok", live_posts(4))
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_articles(server, tmp_path, [stuck_path, other_path], browser_settings)

    assert result.returncode == 0, result.log[-3000:]
    posts = {item["title"]: item["live_posts"] for item in result.items}
    assert set(posts) == {"测试文章 live-stuck", "测试文章 live-ok"}
    assert posts["测试文章 live-stuck"] == []
    assert len(posts["测试文章 live-ok"]) == 4
    assert result.stats.get("rficrawl/browser/liveblog/failed") == 1
    assert result.stats.get("rficrawl/browser/liveblog/rendered") == 1
    assert result.stats.get("playwright/page_count") == result.stats.get(
        "playwright/page_count/closed"
    )


def test_a_later_crawl_finds_the_new_posts_and_a_new_content_hash(
    site, mirror_server_factory, browser_settings, tmp_path
):
    live_path, feed = site.live_blog("live-growing", live_posts(6))
    server = mirror_server_factory(site.root, **site.server_options())

    first = crawl_articles(server, tmp_path, [live_path], browser_settings, "first")
    feed.add(live_posts(3, start=6))
    second = crawl_articles(server, tmp_path, [live_path], browser_settings, "second")

    [before], [after] = first.items, second.items
    assert len(before["live_posts"]) == 6
    assert len(after["live_posts"]) == 9
    assert after["live_posts"][:6] == before["live_posts"]
    # The store keeps a new revision when the content hash changes: new posts must change it.
    assert after["content_hash"] != before["content_hash"]


def test_with_the_browser_off_nothing_is_rendered_and_the_crawl_still_works(
    site, mirror_server_factory, tmp_path
):
    live_path, feed = site.live_blog("live-off", live_posts(3))
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_articles(server, tmp_path, [live_path], {"RFICRAWL_BROWSER_ENABLED": False})

    assert result.returncode == 0, result.log[-3000:]
    [item] = result.items
    assert item["live_posts"] == []
    assert not [key for key in result.stats if key.startswith(("playwright/", "rficrawl/browser/"))]
    assert [r.user_agent for r in server.log.records if "HeadlessChrome" in r.user_agent] == []
    assert server.log.count(feed.prefix) == 0  # nothing ran the embed's script
    assert "Starting download handler" not in result.log  # no Playwright process at all


def test_without_chromium_a_crawl_that_needs_no_browser_works_and_says_why(
    site, mirror_server_factory, tmp_path
):
    path = site.article("plain-no-chromium")
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_articles(server, tmp_path, [path],
                            {"RFICRAWL_BROWSER_CHROMIUM_PATH": str(tmp_path / "no-chromium")})

    assert result.returncode == 0, result.log[-3000:]
    assert [item["title"] for item in result.items] == ["测试文章 plain-no-chromium"]
    assert "setting RFICRAWL_BROWSER_CHROMIUM_PATH" in result.log
    assert "Disabled rficrawl.browser.escalation.EscalationMiddleware" in result.log
    assert "Starting download handler" not in result.log  # Playwright waits for a browser page


def test_a_crawl_without_browser_pages_starts_no_browser_processes(
    site, mirror_server_factory, browser_settings, tmp_path
):
    path = site.article("plain-only")
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_articles(server, tmp_path, [path], browser_settings)

    assert result.returncode == 0, result.log[-3000:]
    assert len(result.items) == 1
    assert "Starting download handler" not in result.log
    assert not result.stats.get("playwright/browser_count")
