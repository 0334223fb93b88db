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
  would return; the escalation middleware asks for this for those kinds of pages;
- ``meta["rficrawl_challenge"]`` (a ``ChallengeWait``): before any other page action, wait for a
  bot wall's JavaScript challenge to let the page through (``rficrawl.browser.challenge``); the
  result goes to ``meta["rficrawl_challenge_result"]``, and the cookies the browser holds for the
  host, once through, go into the answer as ``Set-Cookie`` lines for Scrapy's cookie middleware;
- with either key, the answer's status and headers are those of the document the page ended on
  (the main frame's last navigation response), not of its first one;
- ``RFICRAWL_BROWSER_BLOCKED_HOSTS`` and ``RFICRAWL_BROWSER_ALLOWED_HOSTS``: the add-on's request
  rule (``rficrawl.browser.blocking``) counts what it drops in the crawl stats, which the handler
  gives it.
"""

from __future__ import annotations

import logging

from playwright.async_api import Error as PlaywrightError
from scrapy.crawler import Crawler
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy_playwright.page import PageMethod

from rficrawl._private.playwright import LaunchOnFirstUse
from rficrawl.browser import STATS
from rficrawl.browser.blocking import RequestBlock
from rficrawl.browser.challenge import ChallengeWait, pass_challenge, set_cookie_lines
from rficrawl.browser.chromium import BrowserUnavailable, chromium_problem
from rficrawl.browser.navigation import last_document, watch_main_frame

logger = logging.getLogger(__name__)
# meta keys (see the module docstring): answer with the document's bytes as the server sent them;
# wait for a challenge (a ChallengeWait); what the wait saw (a ChallengeResult).
RAW_DOCUMENT = "rficrawl_raw_document"
CHALLENGE = "rficrawl_challenge"
CHALLENGE_RESULT = "rficrawl_challenge_result"


class BrowserDownloadHandler(LaunchOnFirstUse):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.wait_until = crawler.settings.get("RFICRAWL_BROWSER_WAIT_UNTIL")
        self.browser_problem = chromium_problem(crawler.settings)
        if self.browser_problem:
            logger.warning("Browser requests will fail: %s", self.browser_problem)
        rule = crawler.settings.get("PLAYWRIGHT_ABORT_REQUEST")
        if isinstance(rule, RequestBlock):
            rule.count_in(crawler.stats)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        if self.browser_problem:
            self.stats.inc_value(f"{STATS}/unavailable")
            raise BrowserUnavailable(f"{request.url} needs the browser: {self.browser_problem}")
        await self.start_playwright()
        goto = request.meta.setdefault("playwright_page_goto_kwargs", {})
        goto.setdefault("wait_until", self.wait_until)
        if not (request.meta.get(RAW_DOCUMENT) or request.meta.get(CHALLENGE)):
            return await super().download_request(request)
        return await self._download_watched(request)

    async def _download_watched(self, request: Request) -> Response:
        """The browser's answer as the document the page ended on, after any challenge."""
        raw = bool(request.meta.get(RAW_DOCUMENT))
        wait: ChallengeWait | None = request.meta.get(CHALLENGE)
        challenge = PageMethod(pass_challenge, wait) if wait else None
        last = PageMethod(last_document, with_body=raw)
        ours = (pass_challenge, last_document)
        others = [method for method in request.meta.get("playwright_page_methods") or ()
                  if not (isinstance(method, PageMethod) and method.method in ours)]
        request.meta["playwright_page_methods"] = [*([challenge] if challenge else []), *others, last]
        request.meta["playwright_page_init_callback"] = watch_main_frame
        rendered = await super().download_request(request)
        document = last.result
        if document is None:
            raise PlaywrightError(f"{request.url}: the browser received no document")
        headers = Headers(document.headers)
        headers.pop("Content-Encoding", None)
        if challenge is not None:
            request.meta[CHALLENGE_RESULT] = result = challenge.result
            if result.through and result.cookies:
                headers.setlist("Set-Cookie", set_cookie_lines(result.cookies))
        if not raw:
            return rendered.replace(status=document.status, headers=headers)
        body = document.body or b""
        respcls = responsetypes.from_args(headers=headers, url=rendered.url, body=body)
        return respcls(url=rendered.url, status=document.status, headers=headers, body=body,
                       request=request, flags=rendered.flags, ip_address=rendered.ip_address)
