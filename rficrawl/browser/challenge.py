"""Bot walls' JavaScript challenges: wait in the browser until the page lets itself through, and
hand the cookies the browser earned to Scrapy.

A common bot wall answers a client that lacks its cookie with a small page (403 or 503, sometimes
200) whose script computes a token, stores it in a cookie and reloads the page a moment later;
with the cookie, the same URL serves the content. A browser passes it by itself, but its first
answer is the wall. So when the escalation middleware sends a blocked page to the browser, the
page method :func:`pass_challenge` runs first, before any other page action, and waits, at most
``ChallengeWait.seconds`` (``RFICRAWL_BROWSER_CHALLENGE_WAIT``), until the page is *through*: the
main frame's last navigation answered 2xx and the page shows the markup its kind always has
(``RFICRAWL_BROWSER_ESCALATE_EXPECTED_MARKUP``: an article's body). It re-checks at each of the
main frame's navigations and loads (``rficrawl.browser.navigation``) and when the markup appears.
A blocked page without any script or meta refresh has nothing to wait for and is left at once. A
page still blocked at the bound is stopped from navigating further, so that it is read as it is.

A page that is through hands over the cookies the browser holds for its host: the download handler
writes them into the browser's answer as ``Set-Cookie`` lines (:func:`set_cookie_lines`), which
Scrapy's own cookie middleware (``CookiesMiddleware.process_response``) stores in the request's
cookie jar, the jar of the plain requests. The next plain requests to that host carry them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from enum import StrEnum
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Route

from rficrawl.browser.navigation import MainFrame, main_frame

# Whether a blocked page may still move on by itself: a script or a meta refresh.
_MAY_MOVE_ON = """() => document.scripts.length > 0
    || document.querySelector('meta[http-equiv="refresh" i]') !== null"""


@dataclass(frozen=True)
class ChallengeWait:
    """How long to wait, and what a page that is through shows (a CSS selector, or None)."""

    seconds: float
    expected: str | None = None


class Outcome(StrEnum):
    OPEN = "open"  # through at once: the browser was never blocked
    PASSED = "passed"  # blocked at first, through within the bound
    UNRESOLVED = "unresolved"  # still blocked at the bound
    FINAL = "final"  # blocked, with no script that could change it: not waited for


@dataclass(frozen=True)
class ChallengeResult:
    """What :func:`pass_challenge` saw: the outcome, the seconds waited, the main frame's
    navigations, and the cookies the browser holds for the page's host (when through)."""

    outcome: Outcome
    waited: float
    navigations: int
    cookies: list[dict] = field(default_factory=list)

    @property
    def through(self) -> bool:
        return self.outcome in (Outcome.OPEN, Outcome.PASSED)


async def pass_challenge(page: Page, wait: ChallengeWait) -> ChallengeResult:
    """Page method: wait until the page is through or ``wait.seconds`` have passed."""
    state = main_frame(page)
    started = time.monotonic()
    deadline = started + wait.seconds
    first_look = True
    while True:
        state.changed.clear()  # a change from now on wakes the wait below
        if await _is_through(page, state, wait.expected):
            outcome = Outcome.OPEN if first_look else Outcome.PASSED
            return ChallengeResult(outcome, time.monotonic() - started, len(state.responses),
                                   await host_cookies(page))
        if first_look and not await _may_move_on(page):
            return ChallengeResult(Outcome.FINAL, 0.0, len(state.responses))
        first_look = False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            await page.route("**", _refuse)  # no further navigation: the page is read as it is
            return ChallengeResult(Outcome.UNRESOLVED, time.monotonic() - started,
                                   len(state.responses))
        await _next_change(page, state, wait.expected, remaining)


async def _is_through(page: Page, state: MainFrame, expected: str | None) -> bool:
    if state.status is None or not 200 <= state.status < 300:
        return False
    if expected is None:
        return True
    try:
        return await page.query_selector(expected) is not None
    except PlaywrightError:  # the document changed under the query: look again at the next change
        return False


async def _may_move_on(page: Page) -> bool:
    try:
        return bool(await page.evaluate(_MAY_MOVE_ON))
    except PlaywrightError:  # a navigation is under way: it may well be moving on
        return True


async def _next_change(page: Page, state: MainFrame, expected: str | None, seconds: float) -> None:
    """Return at the main frame's next navigation response or load, when ``expected`` appears,
    or after ``seconds``."""
    end = time.monotonic() + seconds
    waits = [asyncio.ensure_future(state.changed.wait())]
    if expected is not None:
        waits.append(asyncio.ensure_future(
            page.wait_for_selector(expected, state="attached", timeout=seconds * 1000)))
    done, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in (*done, *pending):
        with contextlib.suppress(asyncio.CancelledError, PlaywrightError):
            await task
    if done and all(task.exception() is not None for task in done if not task.cancelled()):
        # The selector wait failed at once (the page closed, a selector Chromium refuses): wait
        # for the frame alone rather than spin.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.changed.wait(), max(0.0, end - time.monotonic()))


async def _refuse(route: Route) -> None:
    await route.abort()


async def host_cookies(page: Page) -> list[dict]:
    """The browser's cookies that apply to the page's host (its own and its parent domains')."""
    host = (urlsplit(page.url).hostname or "").lower()
    cookies = await page.context.cookies()
    return [cookie for cookie in cookies if _domain_matches(host, cookie.get("domain") or "")]


def _domain_matches(host: str, domain: str) -> bool:
    domain = domain.lower().lstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def set_cookie_lines(cookies: list[dict]) -> list[str]:
    """The browser's cookies (Playwright's dicts) as ``Set-Cookie`` header values. A host-only
    cookie (a domain without a leading dot) gets no Domain attribute, as the server sent it; a
    session cookie no Expires."""
    lines = []
    for cookie in cookies:
        parts = [f"{cookie['name']}={cookie['value']}", f"Path={cookie.get('path') or '/'}"]
        domain = cookie.get("domain") or ""
        if domain.startswith("."):
            parts.append(f"Domain={domain}")
        expires = cookie.get("expires")
        if isinstance(expires, int | float) and expires > 0:
            parts.append(f"Expires={formatdate(expires, usegmt=True)}")
        if cookie.get("secure"):
            parts.append("Secure")
        if cookie.get("httpOnly"):
            parts.append("HttpOnly")
        lines.append("; ".join(parts))
    return lines
