"""One browser fetch of a URL the plain downloader already fetched, for the browser middlewares.

The middlewares decide from a plain response; the browser fetch then happens right there
(``BrowserMiddleware.render``), through ``engine.download_async``: all downloader middlewares, the
same download slot, no scheduler. So the spider receives either the rendered response or, when
the browser fails, the plain one it would have had anyway: nothing is lost, and nothing is
serialised into a shared frontier.
"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Request, Response
from scrapy_playwright.page import PageMethod
from twisted.internet.error import ConnectError

from rficrawl.browser.actions import Expansion, ExpansionResult, expand
from rficrawl.browser.challenge import ChallengeWait
from rficrawl.browser.chromium import BrowserUnavailable, chromium_problem
from rficrawl.browser.handler import CHALLENGE, RAW_DOCUMENT
from rficrawl.urls import UrlKind

# meta key set on browser requests made by rficrawl: why the browser was used.
BROWSER_REASON = "rficrawl_browser"
# Kinds fetched as documents (the server's bytes, not the browser's DOM): XML feeds, sitemaps.
DOCUMENT_KINDS = frozenset({UrlKind.FEED, UrlKind.SITEMAP, UrlKind.ROBOTS})


def is_browser_request(request: Request) -> bool:
    """Already a browser request (ours or the spider's): never sent to the browser again."""
    return bool(request.meta.get("playwright"))


def browser_meta(reason: str, *expansions: Expansion, raw_document: bool = False,
                 challenge: ChallengeWait | None = None) -> dict:
    """The meta keys that send a request to the browser and say what to do on its page."""
    meta: dict = {"playwright": True, BROWSER_REASON: reason}
    if raw_document:
        meta[RAW_DOCUMENT] = True
    if challenge is not None:
        meta[CHALLENGE] = challenge
    if expansions:
        meta["playwright_page_methods"] = [PageMethod(expand, *expansions)]
    return meta


# meta keys of a download that another download of the same request must not inherit.
DOWNLOAD_KEYS = ("download_latency", "download_slot", "retry_times", "redirect_times",
                 "redirect_ttl", "redirect_urls", "redirect_reasons")


def fresh_copy(request: Request, **meta: object) -> Request:
    """The request to download again: same URL, callback and meta (less what the last download
    left there), plus ``meta``."""
    copied = {key: value for key, value in request.meta.items() if key not in DOWNLOAD_KEYS}
    return request.replace(meta={**copied, **meta}, dont_filter=True)


def browser_request(
    request: Request, reason: str, *expansions: Expansion, raw_document: bool = False,
    challenge: ChallengeWait | None = None,
) -> Request:
    """The browser version of a plain request: same URL, callback and meta, plus the page actions."""
    return fresh_copy(request, **browser_meta(reason, *expansions, raw_document=raw_document,
                                              challenge=challenge))


class RenderFailed(Exception):
    """The browser gave no response for a URL (timeout, crash, browser missing, request ignored)."""


# What a browser download can raise: Playwright's errors (navigation timeout, target closed), a
# missing browser, a request another middleware ignored, network errors (after Scrapy's retries).
RENDER_ERRORS = (
    PlaywrightError, BrowserUnavailable, IgnoreRequest, OSError, ConnectError,
    CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, ResponseDataLossError,
)


def expansion_results(response: Response) -> list[ExpansionResult]:
    """What ``expand`` did on the page of a browser response ([] when it did not run)."""
    results: list[ExpansionResult] = []
    for method in response.meta.get("playwright_page_methods") or ():
        if isinstance(method, PageMethod) and isinstance(method.result, list):
            results += [r for r in method.result if isinstance(r, ExpansionResult)]
    return results


class BrowserMiddleware:
    """Base of the downloader middlewares that send some plain responses' URLs to the browser.

    The browser add-on installs them. Each is off when the browser is off
    (``RFICRAWL_BROWSER_ENABLED``), when its own switch is off, or when Chromium is missing (Scrapy
    then logs "Disabled ...: <why>" at start and the crawl goes on with plain HTTP only).
    """

    switch = ""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("RFICRAWL_BROWSER_ENABLED"):
            raise NotConfigured("the browser is off (RFICRAWL_BROWSER_ENABLED=False)")
        if cls.switch and not settings.getbool(cls.switch):
            raise NotConfigured(f"{cls.switch} is off")
        if problem := chromium_problem(settings):
            raise NotConfigured(problem)
        return cls(crawler)

    async def render(
        self, request: Request, reason: str, *expansions: Expansion, raw_document: bool = False,
        challenge: ChallengeWait | None = None,
    ) -> Response:
        """Fetch the browser version of ``request`` now, through every downloader middleware.

        Raises RenderFailed when no response came back; the caller decides what the spider gets.
        """
        return await self.download(browser_request(
            request, reason, *expansions, raw_document=raw_document, challenge=challenge))

    async def download(self, request: Request) -> Response:
        """Download ``request`` now, through every downloader middleware and the same slot.

        Raises RenderFailed when no response came back.
        """
        assert self.crawler.engine is not None
        try:
            return await self.crawler.engine.download_async(request)
        except RENDER_ERRORS as exc:
            raise RenderFailed(f"{type(exc).__name__}: {exc}") from exc

    async def render_page(
        self, request: Request, reason: str, expansion: Expansion
    ) -> HtmlResponse:
        """``render`` for the expanding middlewares, which can use only an HTML page the browser
        got with status 200: anything else raises RenderFailed too."""
        rendered = await self.render(request, reason, expansion)
        if rendered.status != 200 or not isinstance(rendered, HtmlResponse):
            raise RenderFailed(f"HTTP {rendered.status}")
        return rendered
