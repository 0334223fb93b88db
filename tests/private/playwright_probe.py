"""A crawl that records when scrapy-playwright starts Playwright; run by test_playwright.py in its
own process (``python -m tests.private.playwright_probe stock|deferred OUT``).

Playwright is replaced by a browser provider (scrapy-playwright's ``PLAYWRIGHT_BROWSER_PROVIDER``)
that only counts its starts. ``stock`` crawls with scrapy-playwright's own handler, ``deferred``
with ``rficrawl._private.playwright.LaunchOnFirstUse``, whose ``start_playwright`` the spider
calls twice. The one request is a data: URL: nothing asks for the browser.
"""

from __future__ import annotations

import json
import sys

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from rficrawl._private.playwright import LaunchOnFirstUse

OBSERVED: dict[str, object] = {"starts": 0}
HANDLERS: list[ScrapyPlaywrightDownloadHandler] = []


class CountingProvider:
    def __init__(self, config) -> None:
        self.config = config

    async def start(self) -> None:
        OBSERVED["starts"] += 1

    async def launch_browser(self):
        raise RuntimeError("no browser in this probe")

    async def launch_persistent_context(self, context_kwargs):
        raise RuntimeError("no browser in this probe")

    async def close(self) -> None:
        pass


class StockHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        HANDLERS.append(self)


class DeferredHandler(LaunchOnFirstUse):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        HANDLERS.append(self)


class ProbeSpider(scrapy.Spider):
    name = "probe"

    async def start(self):
        yield scrapy.Request("data:,page")

    async def parse(self, response):
        OBSERVED["starts_before_first_use"] = OBSERVED["starts"]
        handler = HANDLERS[0]
        if isinstance(handler, LaunchOnFirstUse):
            await handler.start_playwright()
            await handler.start_playwright()
            OBSERVED["provider_kept"] = isinstance(handler.browser_provider, CountingProvider)
        OBSERVED["starts_after_use"] = OBSERVED["starts"]


def main(mode: str, out: str) -> None:
    handler = {"stock": StockHandler, "deferred": DeferredHandler}[mode]
    process = CrawlerProcess(settings={
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOAD_HANDLERS": {"http": handler},
        "PLAYWRIGHT_BROWSER_PROVIDER": CountingProvider,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
    })
    process.crawl(ProbeSpider)
    process.start()
    OBSERVED["handlers"] = len(HANDLERS)
    with open(out, "w") as handle:
        json.dump(OBSERVED, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
