"""Blocked pages: fetch once more through Chromium, and stop doing so during an outage.

RFI (or its CDN) answers some clients 403 on articles and sitemaps, and a protection service may
answer a challenge page instead of the content. A plain response is taken as blocked when:

- its status is in ``RFICRAWL_BROWSER_ESCALATE_HTTP_CODES`` (403, 429; 429 after Scrapy's own
  retries),
- it is a challenge page (Cloudflare, DataDome, Imperva, PerimeterX markers), or
- it lacks the markup its kind of page always has (``RFICRAWL_BROWSER_ESCALATE_EXPECTED_MARKUP``,
  by ``rfi_kind``: an article without ``div.t-content__body``).

Such a URL is fetched once through the browser (``rficrawl/browser/escalated``); feeds and sitemaps
as the bytes the server sent to the browser, other pages as the browser rendered them. A usable
answer goes to the spider (``rficrawl/browser/rescued``); otherwise the spider gets the plain
answer, as without this middleware (``rficrawl/browser/escalation_failed``). After
``RFICRAWL_BROWSER_ESCALATE_MAX_FAILURES`` failures in a row, escalation stops for the rest of the
crawl and says so once in the log (``rficrawl/browser/escalation_stopped``): a site that is down
should not turn into a browser storm.
"""

from __future__ import annotations

import logging

from scrapy.http import HtmlResponse, Request, Response, TextResponse

from rficrawl.browser.liveblog import live_blog_expansion
from rficrawl.browser.markup import has_element
from rficrawl.browser.render import (
    DOCUMENT_KINDS,
    STATS,
    BrowserMiddleware,
    RenderFailed,
    is_browser_request,
)

logger = logging.getLogger(__name__)

# Markers of the challenge pages of the protection services news sites use.
CHALLENGE_MARKERS = (
    b"/cdn-cgi/challenge-platform/",  # Cloudflare
    b"cf-chl-",
    b"<title>Just a moment...</title>",
    b"captcha-delivery.com",  # DataDome
    b"_Incapsula_Resource",  # Imperva
    b"px-captcha",  # PerimeterX
)


def is_challenge(response: TextResponse) -> bool:
    """Whether a 200 page is a bot-protection challenge rather than the site's content."""
    head = response.body[:100_000]
    return any(marker in head for marker in CHALLENGE_MARKERS)


class EscalationMiddleware(BrowserMiddleware):
    switch = "RFICRAWL_BROWSER_ESCALATE_ENABLED"

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.http_codes = {
            int(code) for code in settings.getlist("RFICRAWL_BROWSER_ESCALATE_HTTP_CODES")
        }
        self.expected = settings.getdict("RFICRAWL_BROWSER_ESCALATE_EXPECTED_MARKUP")
        self.max_failures = settings.getint("RFICRAWL_BROWSER_ESCALATE_MAX_FAILURES")
        self.expansion = live_blog_expansion(settings)
        self.failures_in_row = 0
        self.stopped = False

    def block_reason(self, request: Request, response: Response) -> str | None:
        """Why a response looks blocked (a short name for the stats), or None."""
        if response.status in self.http_codes:
            return str(response.status)
        if response.status != 200 or not isinstance(response, TextResponse):
            return None
        if is_challenge(response):
            return "challenge"
        expected = self.expected.get(request.meta.get("rfi_kind"))
        if expected and isinstance(response, HtmlResponse) and not has_element(response, expected):
            return "missing_markup"
        return None

    async def process_response(self, request: Request, response: Response) -> Response:
        if is_browser_request(request):
            return response
        reason = self.block_reason(request, response)
        if reason is None:
            return response
        if self.stopped:
            self.stats.inc_value(f"{STATS}/escalation_skipped")
            return response
        self.stats.inc_value(f"{STATS}/escalated")
        self.stats.inc_value(f"{STATS}/escalated/{reason}")
        try:
            if request.meta.get("rfi_kind") in DOCUMENT_KINDS:
                rendered = await self.render(request, "escalated", raw_document=True)
            else:
                rendered = await self.render(request, "escalated", self.expansion)
        except RenderFailed as exc:
            return self._failed(request, response, str(exc))
        still = self.block_reason(request, rendered)
        if still is not None or rendered.status != 200:
            return self._failed(request, response, f"still blocked ({still or rendered.status})")
        self.failures_in_row = 0
        self.stats.inc_value(f"{STATS}/rescued")
        return rendered

    def _failed(self, request: Request, plain: Response, why: str) -> Response:
        self.stats.inc_value(f"{STATS}/escalation_failed")
        logger.warning("Browser could not fetch blocked page %s either: %s", request.url, why)
        self.failures_in_row += 1
        if not self.stopped and self.failures_in_row >= self.max_failures:
            self.stopped = True
            self.stats.set_value(f"{STATS}/escalation_stopped", 1)
            logger.error(
                "Browser escalation stopped after %d failures in a row "
                "(RFICRAWL_BROWSER_ESCALATE_MAX_FAILURES=%d): the site is down or blocks the "
                "browser too. Blocked pages are now left as they are for the rest of this crawl.",
                self.failures_in_row, self.max_failures,
            )
        return plain
