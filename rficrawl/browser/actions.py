"""What the browser does on a rendered page before rficrawl takes its HTML.

RFI loads live-blog posts and further list items by script: a "load more" control
(``.live-pbp--load-more``, ``[data-load-more]``) or an infinite-scroll loader
(``.m-infinite-scroll-loader``) fetches the next batch by XHR and appends it. ``expand`` presses or
scrolls, one batch at a time, until the control is gone, nothing new arrives, or the bound is
reached, so a crawl always ends and says whether a page was taken whole.

``expand`` is given to scrapy-playwright as a ``PageMethod``; its result is read back from the
request's meta by the middleware that asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

# True once the page holds more than `count` elements matching `selector`.
_GREW = "([selector, count]) => document.querySelectorAll(selector).length > count"


@dataclass(frozen=True)
class Expansion:
    """One kind of "more" on a page and how far to go.

    ``items`` counts what each press adds (a press that adds nothing ends the expansion);
    ``first_items`` is waited for before anything else, for content that the page loads by itself
    after its load event (the first posts of a live blog). ``present``: the expansion only runs on
    pages that have this element (a page without a live blog waits for no posts).
    """

    name: str
    button: str
    items: str
    max_loads: int
    wait_ms: float = 5000
    scroll_loader: str | None = None
    first_items: str | None = None
    present: str | None = None


@dataclass
class ExpansionResult:
    name: str
    loads: int = 0
    complete: bool = True  # False: the bound was reached with more still offered
    items: int = 0


async def expand(page: Page, *expansions: Expansion) -> list[ExpansionResult]:
    """Expand the page for each of ``expansions`` in turn; returns what each one did."""
    return [await _expand_one(page, expansion) for expansion in expansions]


async def _expand_one(page: Page, expansion: Expansion) -> ExpansionResult:
    result = ExpansionResult(expansion.name)
    if expansion.present and not await page.locator(expansion.present).count():
        return result
    if expansion.first_items:
        await _wait_for_more(page, expansion.first_items, 0, expansion.wait_ms)
    while True:
        control = await _more_control(page, expansion)
        if control is None:
            break
        if result.loads >= expansion.max_loads:
            result.complete = False
            break
        before = await page.locator(expansion.items).count()
        try:
            if control == "scroll":
                await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            else:
                await page.locator(expansion.button).first.click(timeout=expansion.wait_ms)
        except PlaywrightError:
            break  # the control went away or cannot be pressed: what is there is what we get
        result.loads += 1
        if not await _wait_for_more(page, expansion.items, before, expansion.wait_ms):
            break
    result.items = await page.locator(expansion.items).count()
    return result


async def _more_control(page: Page, expansion: Expansion) -> str | None:
    """'button' or 'scroll' while the page offers more, else None."""
    button = page.locator(expansion.button).first
    if await button.count() and await button.is_visible():
        return "button"
    if expansion.scroll_loader:
        loader = page.locator(expansion.scroll_loader).first
        if await loader.count() and await loader.is_visible():
            return "scroll"
    return None


async def _wait_for_more(page: Page, selector: str, count: int, wait_ms: float) -> bool:
    try:
        await page.wait_for_function(_GREW, arg=[selector, count], timeout=wait_ms)
    except PlaywrightError:
        return False
    return True
