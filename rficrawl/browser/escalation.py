"""Blocked pages: fetch once more through Chromium, and stop doing so during an outage.

RFI (or its CDN) answers some clients 403 on articles and sitemaps, and a protection service may
answer a challenge page instead of the content. A plain response is taken as blocked when:

- its status is in ``RFICRAWL_BROWSER_ESCALATE_HTTP_CODES`` (403, 429; 429 after Scrapy's own
  retries),
- it is a challenge page (Cloudflare, DataDome, Imperva, PerimeterX markers), or
- it lacks the markup its kind of page always has (``RFICRAWL_BROWSER_ESCALATE_EXPECTED_MARKUP``,
  by ``rfi_kind``: an article without ``div.t-content__body``).

Such a URL is fetched once through the browser (``rficrawl/browser/escalated``); feeds and sitemaps
as the bytes the server sent to the browser, other pages as the browser rendered them. A bot wall's
JavaScript challenge (a page whose script stores a cookie and reloads) is given
``RFICRAWL_BROWSER_CHALLENGE_WAIT`` seconds to let the page through (``rficrawl.browser.challenge``:
``rficrawl/browser/challenge/passed``, ``/unresolved``), and the answer is judged on the document
the page ended on. A usable answer goes to the spider (``rficrawl/browser/rescued``); otherwise the
spider gets the plain answer, as without this middleware (``rficrawl/browser/escalation_failed``).

The cookies the browser holds for the host once through reach Scrapy's cookie jar (the handler
writes them into the browser's answer as ``Set-Cookie`` lines, which Scrapy's cookie middleware
stores; ``rficrawl/browser/cookies_carried`` counts the new ones), so the next plain requests to
that host pass the wall. Escalations to a host take turns until one is rescued, and go on taking
turns while the browser's answers bring new cookies (a wall); a host whose rescue brought none is
blocked by other means, and its escalations run side by side again. A blocked plain answer to a
request sent before the host's last new cookies arrived is first fetched plainly once more, with
them (``rficrawl/browser/retried_with_cookies``, ``.../rescued``), and goes to the browser only if
that is blocked too: one browser page passes a wall for the whole crawl.

After ``RFICRAWL_BROWSER_ESCALATE_MAX_FAILURES`` failures in a row, escalation stops for the rest of
the crawl and says so once in the log (``rficrawl/browser/escalation_stopped``): a site that is
down should not turn into a browser storm.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.httpobj import urlparse_cached

from rficrawl.browser import STATS
from rficrawl.browser.challenge import ChallengeResult, ChallengeWait, Outcome
from rficrawl.browser.handler import CHALLENGE_RESULT
from rficrawl.browser.liveblog import live_blog_expansion
from rficrawl.browser.markup import has_element
from rficrawl.browser.render import (
    DOCUMENT_KINDS,
    BrowserMiddleware,
    RenderFailed,
    fresh_copy,
    is_browser_request,
)

logger = logging.getLogger(__name__)
# meta keys: how many times the host's cookies had changed when the request was sent; a plain
# request sent again with the host's new cookies (judged by the spider, not escalated again).
COOKIES_SEEN = "rficrawl_cookies_seen"
WITH_NEW_COOKIES = "rficrawl_with_new_cookies"

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
        self.challenge_wait = settings.getfloat("RFICRAWL_BROWSER_CHALLENGE_WAIT")
        # Without Scrapy's cookie middleware the browser's cookies go nowhere.
        self.cookies_enabled = settings.getbool("COOKIES_ENABLED")
        self.expansion = live_blog_expansion(settings)
        self.failures_in_row = 0
        self.stopped = False
        # By host: escalations take turns (not where a rescue brought no new cookies); how many
        # times the browser brought new cookies, and the cookies it brought.
        self.turns: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.side_by_side: set[str] = set()
        self.cookie_changes: defaultdict[str, int] = defaultdict(int)
        self.carried: defaultdict[str, dict[tuple, str]] = defaultdict(dict)

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

    def process_request(self, request: Request) -> None:
        if not is_browser_request(request):
            request.meta[COOKIES_SEEN] = self.cookie_changes[_host(request)]

    async def process_response(self, request: Request, response: Response) -> Response:
        if is_browser_request(request) or request.meta.get(WITH_NEW_COOKIES):
            return response
        reason = self.block_reason(request, response)
        if reason is None:
            return response
        host = _host(request)
        if host in self.side_by_side:
            return await self._escalate(request, response, reason, host)
        async with self.turns[host]:
            if self.cookie_changes[host] > request.meta.get(COOKIES_SEEN, 0):
                again = await self._with_new_cookies(request)
                if again is not None:
                    return again
            return await self._escalate(request, response, reason, host)

    async def _with_new_cookies(self, request: Request) -> Response | None:
        """The plain answer to ``request`` sent again with the host's cookies, unless blocked."""
        self.stats.inc_value(f"{STATS}/retried_with_cookies")
        try:
            again = await self.download(fresh_copy(request, **{WITH_NEW_COOKIES: True}))
        except RenderFailed:
            return None
        if self.block_reason(request, again) is not None:
            return None
        self.stats.inc_value(f"{STATS}/retried_with_cookies/rescued")
        return again

    async def _escalate(self, request: Request, plain: Response, reason: str,
                        host: str) -> Response:
        if self.stopped:
            self.stats.inc_value(f"{STATS}/escalation_skipped")
            return plain
        self.stats.inc_value(f"{STATS}/escalated")
        self.stats.inc_value(f"{STATS}/escalated/{reason}")
        kind = request.meta.get("rfi_kind")
        challenge = ChallengeWait(self.challenge_wait, self.expected.get(kind))
        try:
            if kind in DOCUMENT_KINDS:
                rendered = await self.render(request, "escalated", raw_document=True,
                                             challenge=challenge)
            else:
                rendered = await self.render(request, "escalated", self.expansion,
                                             challenge=challenge)
        except RenderFailed as exc:
            return self._failed(request, plain, str(exc))
        result: ChallengeResult | None = rendered.meta.get(CHALLENGE_RESULT)
        if result is not None and result.outcome in (Outcome.PASSED, Outcome.UNRESOLVED):
            self.stats.inc_value(f"{STATS}/challenge/{result.outcome}")
        still = self.block_reason(request, rendered)
        if still is not None or rendered.status != 200:
            why = f"still blocked ({still or rendered.status})"
            if result is not None and result.outcome is Outcome.UNRESOLVED:
                why += (f": the page did not get through its challenge within {result.waited:.1f} s "
                        f"(RFICRAWL_BROWSER_CHALLENGE_WAIT={self.challenge_wait:g})")
            return self._failed(request, plain, why)
        if result is not None and self._carried(host, result):
            self.side_by_side.discard(host)
        else:
            self.side_by_side.add(host)
        self.failures_in_row = 0
        self.stats.inc_value(f"{STATS}/rescued")
        return rendered

    def _carried(self, host: str, result: ChallengeResult) -> bool:
        """Note the cookies the browser handed to Scrapy's jar; new ones (the return value says
        whether there were) make the blocked plain answers of requests sent before them worth one
        more plain try."""
        if not self.cookies_enabled:
            return False
        known = self.carried[host]
        new = {(c["name"], c.get("domain"), c.get("path")): c["value"] for c in result.cookies}
        changed = [key for key, value in new.items() if known.get(key) != value]
        if changed:
            known.update(new)
            self.cookie_changes[host] += 1
            self.stats.inc_value(f"{STATS}/cookies_carried", len(changed))
            logger.info("The browser's cookies for %s (%d new) now go with plain requests to it",
                        host, len(changed))
        return bool(changed)

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


def _host(request: Request) -> str:
    return (urlparse_cached(request).hostname or "").lower()
