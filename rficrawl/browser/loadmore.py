"""Lists that grow by script: press ``[data-load-more]`` or scroll, up to ``max_pages`` batches.

Some RFI lists show their first items in the HTML and fetch the next ones by XHR when the reader
presses "load more" (``[data-load-more]``) or scrolls to an infinite-scroll loader
(``.m-infinite-scroll-loader``). Such a list page is fetched again through Chromium and expanded;
the spider then reads every item from the one rendered page, as if it had read that many pages.
The bound is the spider's ``max_pages`` (``-a max_pages``) when it has one, else
``RFICRAWL_BROWSER_LOAD_MORE_MAX_PAGES``; the first batch counts as a page.

Only listing pages are expanded (``rfi_kind`` in ``urls.LISTING_KINDS``, or a request without
``rfi_kind``): an article's related-links blocks are not wanted, and live blogs have their own
middleware. Stats under ``rficrawl/browser/load_more/``.
"""

from __future__ import annotations

import logging

from scrapy.http import HtmlResponse, Request, Response

from rficrawl.browser import STATS
from rficrawl.browser.actions import Expansion
from rficrawl.browser.markup import has_element
from rficrawl.browser.render import (
    BrowserMiddleware,
    RenderFailed,
    expansion_results,
    is_browser_request,
)
from rficrawl.urls import LISTING_KINDS, UrlKind

logger = logging.getLogger(__name__)
STAT = f"{STATS}/load_more"

LOAD_MORE = "[data-load-more]:not(.live-pbp--load-more)"
SCROLL_LOADER = ".m-infinite-scroll-loader"
# What a batch adds: links (article cards are links, whatever their card markup).
ITEMS = "a[href]"


class LoadMoreMiddleware(BrowserMiddleware):
    switch = "RFICRAWL_BROWSER_LOAD_MORE_ENABLED"

    async def process_response(self, request: Request, response: Response) -> Response:
        if (
            is_browser_request(request)
            or request.meta.get("rfi_kind", UrlKind.FRONT) not in LISTING_KINDS
            or response.status != 200
            or not isinstance(response, HtmlResponse)
            or not has_element(response, f"[data-load-more], {SCROLL_LOADER}")
        ):
            return response
        max_pages = self._max_pages()
        if max_pages <= 1:
            return response
        expansion = Expansion(
            "list",
            button=LOAD_MORE,
            items=ITEMS,
            max_loads=max_pages - 1,
            wait_ms=self.crawler.settings.getfloat("RFICRAWL_BROWSER_EXPAND_WAIT") * 1000,
            scroll_loader=SCROLL_LOADER,
        )
        self.stats.inc_value(f"{STAT}/found")
        try:
            rendered = await self.render_page(request, "load_more", expansion)
        except RenderFailed as exc:
            return self._failed(request, response, str(exc))
        for result in expansion_results(rendered):
            self.stats.inc_value(f"{STAT}/loads", result.loads)
            if not result.complete:
                self.stats.inc_value(f"{STAT}/bounded")
        self.stats.inc_value(f"{STAT}/expanded")
        return rendered

    def _max_pages(self) -> int:
        """The spider's ``max_pages`` if it has one, else
        ``RFICRAWL_BROWSER_LOAD_MORE_MAX_PAGES``."""
        spider_max = getattr(self.crawler.spider, "max_pages", None)
        if spider_max is not None:
            return int(spider_max)
        return self.crawler.settings.getint("RFICRAWL_BROWSER_LOAD_MORE_MAX_PAGES")

    def _failed(self, request: Request, plain: Response, why: str) -> Response:
        self.stats.inc_value(f"{STAT}/failed")
        logger.warning("List %s not expanded (%s): kept its first page", request.url, why)
        return plain
