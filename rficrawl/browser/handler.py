"""Download handler for http/https: plain Scrapy HTTP, or Chromium for ``meta["playwright"]``.

scrapy-playwright's handler already sends only requests with ``meta["playwright"] = True`` to the
browser and every other one to Scrapy's HTTP/1.1 downloader. This subclass adds what rficrawl
needs around it:

- the browser is the system Chromium (``PLAYWRIGHT_CHROMIUM_PATH``, ``PLAYWRIGHT_CHROMIUM_ARGS``);
  a missing one is reported at start and fails each browser request with a message naming the
  setting, while plain requests go on (a crawl that needs no browser runs without Chromium);
- Playwright (its driver process, then Chromium) starts at the first browser request, not when
  the crawl starts: a crawl in which no page needs the browser runs no browser processes at all;
- ``PLAYWRIGHT_ENABLED = False`` turns the browser off entirely: the handler is then Scrapy's plain
  one;
- ``meta["rficrawl_raw_document"]``: the answer is the navigation response's own bytes, not the
  DOM. Chromium shows XML (feeds, sitemaps) in its XML viewer, whose HTML is what scrapy-playwright
  would return; the escalation middleware asks for this for those kinds of pages;
- a page counts as loaded at ``PLAYWRIGHT_WAIT_UNTIL`` (``domcontentloaded``: the server's HTML
  parsed and its scripts run; ``load`` also waits for every subresource, ads and trackers included);
- images, fonts and media are not downloaded by the browser unless
  ``PLAYWRIGHT_BLOCKED_RESOURCE_TYPES`` says otherwise (a ``PLAYWRIGHT_ABORT_REQUEST`` of the
  user's own takes precedence).
"""

from __future__ import annotations

import asyncio
import logging

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PlaywrightRequest
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from rficrawl.browser.chromium import BrowserUnavailable, chromium_problem, launch_options

logger = logging.getLogger(__name__)
# meta key: answer with the document's bytes as the server sent them (see the module docstring).
RAW_DOCUMENT = "rficrawl_raw_document"


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HTTP11DownloadHandler:
        if not crawler.settings.getbool("PLAYWRIGHT_ENABLED", True):
            logger.info("Browser off (PLAYWRIGHT_ENABLED=False): every request uses plain HTTP")
            return HTTP11DownloadHandler.from_crawler(crawler)
        return cls(crawler)

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        remote = self.config.cdp_url or self.config.connect_url
        if self.config.browser_type_name == "chromium" and not remote:
            self.config.launch_options = launch_options(settings)
        self.wait_until = settings.get("PLAYWRIGHT_WAIT_UNTIL") or "load"
        self.playwright_started = False
        self.start_lock = asyncio.Lock()
        self.browser_problem = chromium_problem(settings)
        if self.browser_problem:
            logger.warning("Browser requests will fail: %s", self.browser_problem)
        if not settings.get("PLAYWRIGHT_ABORT_REQUEST"):
            self.abort_request = _resource_blocker(
                frozenset(settings.getlist("PLAYWRIGHT_BLOCKED_RESOURCE_TYPES"))
            )

    async def _maybe_launch_in_thread(self) -> None:
        """scrapy-playwright starts Playwright when the engine starts; rficrawl waits for a page
        that needs it (see ``download_request``)."""

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            if self.browser_problem:
                self.stats.inc_value("playwright/unavailable")
                raise BrowserUnavailable(f"{request.url} needs the browser: {self.browser_problem}")
            async with self.start_lock:
                if not self.playwright_started:
                    await self._launch()
                    self.playwright_started = True
            goto = request.meta.setdefault("playwright_page_goto_kwargs", {})
            goto.setdefault("wait_until", self.wait_until)
            if request.meta.get(RAW_DOCUMENT):
                return await self._download_document(request)
        return await super().download_request(request)

    async def _download_document(self, request: Request) -> Response:
        """Navigate to the URL in the browser and answer with the bytes the server sent."""
        page = await self._create_page(request=request, spider=self._crawler.spider)
        try:
            answer = await page.goto(request.url, wait_until=self.wait_until)
            if answer is None:
                raise PlaywrightError(f"{request.url}: the browser received no document")
            body = await answer.body()
            headers = Headers(await answer.all_headers())
        finally:
            await page.close()
            self.stats.inc_value("playwright/page_count/closed")
        headers.pop("Content-Encoding", None)
        respcls = responsetypes.from_args(headers=headers, url=answer.url, body=body)
        return respcls(url=answer.url, status=answer.status, headers=headers, body=body,
                       request=request, flags=["playwright"])


def _resource_blocker(resource_types: frozenset[str]):
    """An abort predicate for scrapy-playwright: drop the browser's requests of these types."""
    if not resource_types:
        return None

    def should_abort(request: PlaywrightRequest) -> bool:
        return request.resource_type in resource_types

    return should_abort
