"""A synthetic link graph and a minimal spider over it, for the frontier's mechanics.

The pages are not modelled on RFI markup (the end-to-end tests crawl the real spiders over real
captures); they are plain HTML link lists: ``/probe/front-F.html`` links to list pages, each list
page to articles ``/probe/a/F-L-N.html``. The spider puts ``rfi_kind`` on every request as the
real spiders do (docs/architecture.md), so the frontier's filter policy applies to it unchanged.
Run it with ``-s SPIDER_MODULES=tests.frontier.probe``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

# Written at the top of every generated page.
SYNTHETIC = "<!-- Synthetic link page of tests/frontier/probe.py, not modelled on RFI markup. -->"


def build_probe_site(root: Path, fronts: int = 2, lists: int = 3, articles: int = 10) -> set[str]:
    """Write the site under ``root``; returns the paths of every article."""
    site = root / "probe"
    (site / "a").mkdir(parents=True, exist_ok=True)
    article_paths: set[str] = set()
    for f in range(fronts):
        list_links = "".join(
            f'<a class="list" href="/probe/list-{f}-{n}.html">list {n}</a>\n' for n in range(lists)
        )
        (site / f"front-{f}.html").write_text(f"{SYNTHETIC}<html><body>{list_links}</body></html>")
        for n in range(lists):
            links = []
            for a in range(articles):
                path = f"/probe/a/{f}-{n}-{a}.html"
                article_paths.add(path)
                links.append(f'<a class="article" href="{path}">article {a}</a>')
                (root / path.lstrip("/")).write_text(
                    f"{SYNTHETIC}<html><head><title>{f}-{n}-{a}</title></head><body>"
                    f'<a class="article" href="/probe/a/{f}-{n}-{(a + 1) % articles}.html">next</a>'
                    "</body></html>"
                )
            (site / f"list-{f}-{n}.html").write_text(
                SYNTHETIC + "<html><body>" + "\n".join(links) + "</body></html>"
            )
    return article_paths


class ProbeSpider(scrapy.Spider):
    """Fronts -> lists -> articles; each article page also links to a sibling (a duplicate)."""

    name = "probe"
    # The probe's pages are link lists, not articles: crawl health would judge them as a broken
    # template. The monitors are tested on real spiders in tests/health.
    custom_settings: ClassVar[dict[str, Any]] = {"RFICRAWL_HEALTH_ENABLED": False}

    def __init__(self, fronts: str = "2", repeat_seeds: str = "1", stall_after: str = "",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fronts = int(fronts)
        self.repeat_seeds = int(repeat_seeds)
        self.stall_after = int(stall_after) if stall_after else None

    async def start(self) -> AsyncIterator[Any]:
        """The fronts, each ``repeat_seeds`` times and with ``dont_filter`` (as Scrapy's default
        ``start()`` does): the frontier must still fetch each once per run.

        With ``stall_after=N`` the seeding hangs after N seeds, as a seeder reading a huge or
        unresponsive seed source does; the worker keeps crawling what it has."""
        base = self.settings.get("RFI_BASE_URL")
        seeds = 0
        for _ in range(self.repeat_seeds):
            for f in range(self.fronts):
                if seeds == self.stall_after:
                    await asyncio.Future()  # never done
                seeds += 1
                yield scrapy.Request(
                    f"{base}/probe/front-{f}.html",
                    self.parse_listing,
                    meta={"rfi_kind": "front"},
                    dont_filter=True,
                )

    def parse_listing(self, response: Response) -> Any:
        for href in response.css("a.list::attr(href)").getall():
            yield response.follow(href, self.parse_listing, meta={"rfi_kind": "list_page"})
        for href in response.css("a.article::attr(href)").getall():
            yield response.follow(href, self.parse_article, meta={"rfi_kind": "article"}, priority=10)

    def parse_article(self, response: Response) -> Any:
        yield {"url": response.url, "title": response.css("title::text").get()}
        for href in response.css("a.article::attr(href)").getall():
            yield response.follow(href, self.parse_article, meta={"rfi_kind": "article"}, priority=10)
