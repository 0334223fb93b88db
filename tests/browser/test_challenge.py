"""A bot wall's JavaScript cookie challenge, through the real headless Chromium: passed once, its
cookie carried into Scrapy's jar for the plain requests, and a wall that never lets the browser
through given up at the bound (tests/browser/site.py: CookieWall)."""

from __future__ import annotations

import pytest

from tests.browser.site import CookieWall, crawl_settings
from tests.support.crawl import run_crawl

pytestmark = pytest.mark.slow

# Seconds the wall that never admits anyone is waited for; it reloads every 0.4 s.
SHORT_WAIT = 3.0
RELOAD_EVERY = 0.4


def is_browser(record) -> bool:
    return "HeadlessChrome" in record.user_agent


def test_one_browser_page_passes_a_cookie_wall_and_plain_requests_carry_its_cookie(
    site, mirror_server_factory, browser_settings, tmp_path
):
    wall = CookieWall(seed=4711)
    walled = [site.walled_article(f"wall-{n:02d}", wall) for n in range(20)]
    server = mirror_server_factory(site.root, **site.server_options())

    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(path) for path in walled)},
        settings=crawl_settings(server, browser_settings),
    )

    assert result.returncode == 0, result.log[-3000:]
    assert sorted(item["title"] for item in result.items) == [
        f"测试文章 wall-{n:02d}" for n in range(20)], result.log[-3000:]
    stats = result.stats
    # One page in the browser: the first blocked article. It met the wall, waited for the reload
    # and handed the wall's cookie to Scrapy.
    assert stats.get("playwright/page_count") == 1
    assert stats.get("rficrawl/browser/escalated") == 1
    assert stats.get("rficrawl/browser/challenge/passed") == 1
    assert stats.get("rficrawl/browser/rescued") == 1
    assert stats.get("rficrawl/browser/cookies_carried") == 1
    # Articles whose plain request left before the cookie arrived were fetched plainly again.
    retried = stats.get("rficrawl/browser/retried_with_cookies", 0)
    assert stats.get("rficrawl/browser/retried_with_cookies/rescued", 0) == retried

    # What the wall saw. Every article was served once, all but one to the plain client.
    records = [record for record in server.log.records if record.path in set(walled)]
    served = [record for record in records if record.status == 200]
    assert sorted(record.path for record in served) == sorted(walled)
    assert len([record for record in served if is_browser(record)]) == 1
    # The browser met the wall once; its reload carried the cookie.
    assert len([r for r in records if r.status == 403 and is_browser(r)]) == 1
    # The plain client met it once per article sent before the cookie arrived, no more.
    assert len([r for r in records if r.status == 403 and not is_browser(r)]) == 1 + retried
    for record in served:
        assert wall.lets_through(record.headers), record


def test_a_wall_that_never_lets_the_browser_through_is_given_up_at_the_bound(
    site, mirror_server_factory, browser_settings, tmp_path
):
    wall = CookieWall(seed=99, admits=False)
    walled = [site.walled_article(f"stuck-{n}", wall) for n in range(2)]
    open_articles = [site.article(f"open-{n}") for n in range(3)]
    server = mirror_server_factory(site.root, **site.server_options())

    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(path) for path in walled + open_articles)},
        settings=crawl_settings(server, browser_settings,
                                {"RFICRAWL_BROWSER_CHALLENGE_WAIT": SHORT_WAIT}),
    )

    assert result.returncode == 0, result.log[-3000:]
    # The crawl went on: every open article is there, the walled ones are not.
    assert sorted(item["title"] for item in result.items) == [
        f"测试文章 open-{n}" for n in range(3)]
    stats = result.stats
    assert stats.get("rficrawl/browser/escalated") == 2
    assert stats.get("rficrawl/browser/challenge/unresolved") == 2
    assert stats.get("rficrawl/browser/escalation_failed") == 2
    assert not stats.get("rficrawl/browser/rescued")
    assert not stats.get("rficrawl/browser/cookies_carried")
    assert stats.get("playwright/page_count") == stats.get("playwright/page_count/closed") == 2
    assert result.log.count("did not get through its challenge within") == 2
    assert f"RFICRAWL_BROWSER_CHALLENGE_WAIT={SHORT_WAIT:g}" in result.log
    for path in walled:
        browser_loads = [r for r in server.log.records if r.path == path and is_browser(r)]
        # The browser waited through the wall's reloads (more than its first load), and stopped
        # them at the bound: the wall cannot reload more often than every 0.4 s.
        assert 1 < len(browser_loads) <= 2 + SHORT_WAIT / RELOAD_EVERY, len(browser_loads)


def test_an_article_the_page_shows_late_is_waited_for_without_a_navigation(
    site, mirror_server_factory, browser_settings, tmp_path
):
    late = site.late_article("late")
    server = mirror_server_factory(site.root)

    result = run_crawl("article", tmp_path / "crawl", args={"urls": server.url(late)},
                       settings=crawl_settings(server, browser_settings))

    assert result.returncode == 0, result.log[-3000:]
    assert [item["title"] for item in result.items] == ["测试文章 late"]
    assert result.items[0]["body_text"]
    stats = result.stats
    assert stats.get("rficrawl/browser/escalated/missing_markup") == 1
    assert stats.get("rficrawl/browser/challenge/passed") == 1
    assert stats.get("rficrawl/browser/rescued") == 1
    # The page got through in place: one navigation, one browser request of the article.
    assert stats.get("playwright/request_count/navigation") == 1
    assert [is_browser(r) for r in server.log.records if r.path == late] == [False, True]
