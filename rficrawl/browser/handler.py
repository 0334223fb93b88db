"""Download handler for http/https: plain Scrapy HTTP, or Chromium for ``meta["playwright"]``.

scrapy-playwright's handler already sends only requests with ``meta["playwright"] = True`` to the
browser and every other one to Scrapy's HTTP/1.1 downloader. The browser add-on
(``rficrawl.browser.addon``) installs this subclass for http and https, and gives scrapy-playwright
its launch options (the system Chromium and its flags) and the resource block through
scrapy-playwright's own settings. The handler adds:

- Playwright (its driver process, then Chromium) starts at the first browser request, not when
  the crawl starts: a crawl in which no page needs the browser runs no browser processes at all;
- a missing Chromium is reported at start and fails each browser request with a message naming the
  setting (``rficrawl/browser/unavailable``), while plain requests go on (a crawl that needs no
  browser runs without Chromium);
- a page counts as loaded at ``RFICRAWL_BROWSER_WAIT_UNTIL`` (``domcontentloaded``: the server's
  HTML parsed and its scripts run; ``load`` also waits for every subresource, ads and trackers
  included), unless the request's ``playwright_page_goto_kwargs`` say otherwise;
- ``meta["rficrawl_raw_document"]``: the answer is the navigation response's own bytes, not the
  DOM. Chromium shows XML (feeds, sitemaps) in its XML viewer, whose HTML is what scrapy-playwright
  would return; the escalation middleware asks for this for those kinds of pages.
"""

from __future__ import annotations

import logging
from weakref import WeakKeyDictionary

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Response as PlaywrightResponse
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes
from scrapy_playwright.page import PageMethod

from rficrawl._private.playwright import LaunchOnFirstUse
from rficrawl.browser.chromium import BrowserUnavailable, chromium_problem

logger = logging.getLogger(__name__)
# meta key: answer with the document's bytes as the server sent them (see the module docstring).
RAW_DOCUMENT = "rficrawl_raw_document"


class BrowserDownloadHandler(LaunchOnFirstUse):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.wait_until = crawler.settings.get("RFICRAWL_BROWSER_WAIT_UNTIL")
        self.browser_problem = chromium_problem(crawler.settings)
        if self.browser_problem:
            logger.warning("Browser requests will fail: %s", self.browser_problem)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        if self.browser_problem:
            self.stats.inc_value("rficrawl/browser/unavailable")
            raise BrowserUnavailable(f"{request.url} needs the browser: {self.browser_problem}")
        await self.start_playwright()
        goto = request.meta.setdefault("playwright_page_goto_kwargs", {})
        goto.setdefault("wait_until", self.wait_until)
        if not request.meta.get(RAW_DOCUMENT):
            return await super().download_request(request)
        return await self._download_document(request)

    async def _download_document(self, request: Request) -> Response:
        """The browser's answer with the main document's bytes as its body."""
        read = PageMethod(read_document)
        earlier = [method for method in request.meta.get("playwright_page_methods") or ()
                   if not (isinstance(method, PageMethod) and method.method is read_document)]
        request.meta["playwright_page_methods"] = [*earlier, read]
        request.meta["playwright_page_init_callback"] = watch_document
        rendered = await super().download_request(request)
        if read.result is None:
            raise PlaywrightError(f"{request.url}: the browser received no document")
        body = read.result
        respcls = responsetypes.from_args(headers=rendered.headers, url=rendered.url, body=body)
        return respcls(url=rendered.url, status=rendered.status, headers=rendered.headers,
                       body=body, request=request, flags=rendered.flags,
                       ip_address=rendered.ip_address)


# Each page's main document response, kept from the navigation until ``read_document``.
_documents: WeakKeyDictionary[Page, PlaywrightResponse] = WeakKeyDictionary()


async def watch_document(page: Page, request: Request) -> None:
    """Page init callback (runs before the navigation): keep the main frame's last navigation
    response, the one after any redirects."""
    main_frame = page.main_frame

    def on_response(response: PlaywrightResponse) -> None:
        if response.request.is_navigation_request() and response.frame == main_frame:
            _documents[page] = response

    page.on("response", on_response)


async def read_document(page: Page) -> bytes | None:
    """Page method, run once the page has loaded and while the response can still be read."""
    response = _documents.pop(page, None)
    return None if response is None else await response.body()
