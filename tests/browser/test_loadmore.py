"""A section front whose list grows by "load more": expanded in the real headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser.site import crawl_settings
from tests.support.crawl import run_crawl

pytestmark = pytest.mark.slow

SECTION = "中国"


def build_list(site, batches: int, per_batch: int = 3, scroll: bool = False):
    """The section front with ``batches`` batches of article cards (the first in the HTML)."""
    paths = [
        [site.article(f"list-{b}{n}", section=SECTION) for n in range(per_batch)]
        for b in range(batches)
    ]
    feed = site.load_more_list(f"/cn/{SECTION}/", paths, scroll=scroll)
    return paths, feed


def crawl_front(server, tmp_path, settings, **args):
    return run_crawl(
        "fronts", tmp_path / "crawl",
        args={"editions": "cn", "sections": SECTION, **args},
        settings=crawl_settings(server, settings),
    )


def titles(paths: list[str]) -> set[str]:
    return {f"测试文章 {path.rsplit('/', 1)[-1].split('-', 1)[1]}" for path in paths}


def test_load_more_list_is_expanded_up_to_max_pages(
    site, mirror_server_factory, browser_settings, tmp_path
):
    batches, feed = build_list(site, batches=5)
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_front(server, tmp_path, browser_settings, max_pages=3)

    assert result.returncode == 0, result.log[-3000:]
    wanted = [path for batch in batches[:3] for path in batch]
    assert {item["title"] for item in result.items} == titles(wanted), result.log[-3000:]
    browser_xhr = [r for r in server.log.records
                   if r.path.startswith(feed.prefix) and "HeadlessChrome" in r.user_agent]
    assert len(browser_xhr) == 2  # pages 2 and 3
    assert result.stats.get("rficrawl/browser/load_more/expanded") == 1
    assert result.stats.get("rficrawl/browser/load_more/loads") == 2
    assert result.stats.get("rficrawl/browser/load_more/bounded") == 1
    assert len([r for r in server.log.records if r.path.startswith(feed.prefix)]) == 2
    # The articles themselves were plain requests.
    for path in wanted:
        assert all("HeadlessChrome" not in r.user_agent for r in server.log.records if r.path == path)


def test_load_more_list_is_read_whole_when_it_ends_before_the_bound(
    site, mirror_server_factory, browser_settings, tmp_path
):
    batches, _ = build_list(site, batches=4)
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_front(server, tmp_path, browser_settings, max_pages=10)

    assert result.returncode == 0, result.log[-3000:]
    every = [path for batch in batches for path in batch]
    assert {item["title"] for item in result.items} == titles(every), result.log[-3000:]
    assert result.stats.get("rficrawl/browser/load_more/loads") == 3
    assert not result.stats.get("rficrawl/browser/load_more/bounded")


def test_infinite_scroll_list_is_scrolled_up_to_max_pages(
    site, mirror_server_factory, browser_settings, tmp_path
):
    batches, feed = build_list(site, batches=4, scroll=True)
    server = mirror_server_factory(site.root, **site.server_options())

    result = crawl_front(server, tmp_path, browser_settings, max_pages=3)

    assert result.returncode == 0, result.log[-3000:]
    wanted = [path for batch in batches[:3] for path in batch]
    assert {item["title"] for item in result.items} == titles(wanted), result.log[-3000:]
    assert result.stats.get("rficrawl/browser/load_more/loads") == 2
    assert result.stats.get("rficrawl/browser/load_more/bounded") == 1
    assert len([r for r in server.log.records if r.path.startswith(feed.prefix)]) == 2
