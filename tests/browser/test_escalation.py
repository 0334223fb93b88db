"""Blocked pages through the real headless Chromium: rescued, counted, and bounded in an outage."""

from __future__ import annotations

import time

import pytest

from tests.browser.site import crawl_settings
from tests.support.crawl import run_crawl

pytestmark = pytest.mark.slow

def wait_for(condition, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def user_agents(server, path: str) -> list[str]:
    """'browser' or 'plain' for each request of ``path`` the mirror answered, in order."""
    return [
        "browser" if "HeadlessChrome" in record.user_agent else "plain"
        for record in server.log.records
        if record.path == path
    ]


def test_blocked_articles_are_rescued_by_the_browser_and_a_never_rendering_one_is_counted(
    site, mirror_server_factory, browser_settings, tmp_path
):
    plain = [site.article(f"plain-{n}") for n in range(2)]
    blocked = [site.blocked_article(f"blocked-{n}") for n in range(3)]
    challenged = site.challenged_article("challenged")
    shell = site.shell_article("shell")
    limited = site.rate_limited_article("limited")
    hanging = site.never_rendering_article("never-renders")
    server = mirror_server_factory(site.root, **site.server_options())
    wanted = plain + blocked + [challenged, shell, limited, hanging]

    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(path) for path in wanted)},
        # 429s are retried plainly first (once here, without waiting), then escalated.
        settings=crawl_settings(server, browser_settings,
                                {"RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.01}),
    )

    assert result.returncode == 0, result.log[-3000:]
    titles = {item["title"] for item in result.items}
    expected = {f"测试文章 {name}" for name in
                ["plain-0", "plain-1", "blocked-0", "blocked-1", "blocked-2", "challenged",
                 "shell", "limited"]}
    assert titles == expected, result.log[-3000:]
    assert result.stats.get("rficrawl/browser/escalated") == 7
    assert result.stats.get("rficrawl/browser/escalated/403") == 4
    assert result.stats.get("rficrawl/browser/escalated/429") == 1
    assert result.stats.get("rficrawl/browser/escalated/challenge") == 1
    assert result.stats.get("rficrawl/browser/escalated/missing_markup") == 1
    assert result.stats.get("rficrawl/browser/rescued") == 6
    assert result.stats.get("rficrawl/browser/escalation_failed") == 1
    assert "never-renders" in result.log and "Timeout" in result.log
    # Plain requests stay plain; only the blocked ones were fetched again, once, by the browser.
    for path in plain:
        assert user_agents(server, path) == ["plain"]
    for path in blocked + [challenged, shell]:
        assert user_agents(server, path) == ["plain", "browser"]
    assert user_agents(server, limited) == ["plain", "plain", "browser"]
    site.release.set()  # the hanging answer is logged once it returns
    assert wait_for(lambda: user_agents(server, hanging) == ["plain", "browser"])
    # Every page the browser opened was closed, the failed one included.
    assert result.stats.get("playwright/page_count") == 7
    assert result.stats.get("playwright/page_count/closed") == 7


def test_escalation_stops_after_failures_in_a_row(
    site, mirror_server_factory, browser_settings, tmp_path
):
    down = [site.article(f"down-{n}") for n in range(5)]
    server = mirror_server_factory(site.root, forbid=lambda request: True)  # 403 to everyone

    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(path) for path in down)},
        settings=crawl_settings(server, browser_settings, {
            "RFICRAWL_BROWSER_ESCALATE_MAX_FAILURES": 2, "CONCURRENT_REQUESTS": 1,
        }),
    )

    assert result.returncode == 0, result.log[-3000:]
    assert result.items == []
    assert result.stats.get("rficrawl/browser/escalated") == 2
    assert result.stats.get("rficrawl/browser/escalation_failed") == 2
    assert result.stats.get("rficrawl/browser/escalation_stopped") == 1
    assert result.stats.get("rficrawl/browser/escalation_skipped") == 3
    assert result.log.count("Browser escalation stopped after 2 failures in a row") == 1
    browser_hits = [r for r in server.log.records if "HeadlessChrome" in r.user_agent]
    assert len(browser_hits) == 2


def test_render_kinds_sends_a_kind_straight_to_the_browser(
    site, mirror_server_factory, browser_settings, tmp_path
):
    blocked = [site.blocked_article(f"always-{n}") for n in range(3)]
    server = mirror_server_factory(site.root, **site.server_options())

    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(path) for path in blocked)},
        settings=crawl_settings(
            server, browser_settings, {"RFICRAWL_BROWSER_RENDER_KINDS": "article"}
        ),
    )

    assert result.returncode == 0, result.log[-3000:]
    assert len(result.items) == 3
    for path in blocked:
        assert user_agents(server, path) == ["browser"]  # no plain attempt first
    assert result.stats.get("rficrawl/browser/render_kinds") == 3
    assert not result.stats.get("rficrawl/browser/escalated")
    # The capture's images and fonts are requested by the browser and dropped
    # (RFICRAWL_BROWSER_BLOCKED_RESOURCE_TYPES, given to scrapy-playwright by the add-on), and so
    # are its tag manager and consent scripts (RFICRAWL_BROWSER_BLOCKED_HOSTS), once a page.
    blocked_types = sum(result.stats.get(f"playwright/request_count/resource_type/{kind}", 0)
                        for kind in ("image", "font", "media"))
    assert blocked_types > 0
    assert result.stats.get("rficrawl/browser/blocked_host/tms.fmm.io") == 3
    assert result.stats.get("rficrawl/browser/blocked_host/consent.fmm.io") == 3
    assert result.stats.get("rficrawl/browser/blocked_host") == 6
    assert result.stats.get("playwright/request_count/aborted") == blocked_types + 6


def test_a_blocked_sitemap_is_rescued_as_the_xml_the_server_sent(
    site, mirror_server_factory, browser_settings, tmp_path
):
    articles = [site.article(f"from-sitemap-{n}") for n in range(2)]
    sitemap = site.blocked_news_sitemap("cn", articles)
    server = mirror_server_factory(site.root, **site.server_options())

    result = run_crawl(
        "sitemaps", tmp_path / "crawl",
        args={"editions": "cn", "sitemaps": "news"},
        settings=crawl_settings(server, browser_settings),
    )

    assert result.returncode == 0, result.log[-3000:]
    # Chromium shows XML in its viewer; the spider must get the server's XML, not the viewer's HTML.
    assert {item["title"] for item in result.items} == {
        "测试文章 from-sitemap-0", "测试文章 from-sitemap-1"
    }, result.log[-3000:]
    assert user_agents(server, sitemap) == ["plain", "browser"]
    assert result.stats.get("rficrawl/browser/rescued") == 1
    for path in articles:
        assert user_agents(server, path) == ["plain"]
