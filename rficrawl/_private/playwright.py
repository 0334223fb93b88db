"""scrapy-playwright internals: starting Playwright at the first page that needs the browser.

scrapy-playwright's download handler connects its ``_maybe_launch_in_thread`` to Scrapy's
``engine_started`` signal, which runs ``_launch``: the Playwright driver process starts with every
crawl, and it has no setting to wait. Most rficrawl crawls need no browser at all (rfi.fr renders on
the server), so :class:`LaunchOnFirstUse` replaces that signal handler with one that starts nothing,
and :meth:`LaunchOnFirstUse.start_playwright` runs ``_launch`` once, before the first browser
request. (``PLAYWRIGHT_BROWSER_PROVIDER`` could defer the driver, but ``_launch`` would still run
and log "Starting download handler" at every crawl.)
"""

from __future__ import annotations

import asyncio

from scrapy.crawler import Crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LaunchOnFirstUse(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, with Playwright started by :meth:`start_playwright`."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._rficrawl_started = False
        self._rficrawl_start_lock = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """scrapy-playwright's ``engine_started`` handler: nothing starts with the engine."""

    async def start_playwright(self) -> None:
        """Start Playwright (the driver; Chromium follows with the first page) unless it runs."""
        async with self._rficrawl_start_lock:
            if not self._rficrawl_started:
                await self._launch()
                self._rficrawl_started = True
