"""Kinds of pages that always go through the browser (``RFICRAWL_BROWSER_RENDER_KINDS``).

Off by default: rfi.fr renders on the server and the other middlewares send single pages to the
browser when they need it. When a site blocks every plain request of a kind (all articles answer
403 from some networks), fetching each page plainly first only doubles the traffic; listing that
kind here (``-s RFICRAWL_BROWSER_RENDER_KINDS=article``; ``*`` for every request) sends its
requests straight to Chromium, live blogs expanded as usual. Decided by the request's ``rfi_kind``
meta (stat ``rficrawl/browser/render_kinds``).
"""

from __future__ import annotations

from scrapy.exceptions import NotConfigured
from scrapy.http import Request

from rficrawl.browser import STATS
from rficrawl.browser.actions import Expansion
from rficrawl.browser.liveblog import live_blog_expansion
from rficrawl.browser.render import (
    DOCUMENT_KINDS,
    BrowserMiddleware,
    browser_meta,
    is_browser_request,
)


class RenderKindsMiddleware(BrowserMiddleware):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.kinds = set(crawler.settings.getlist("RFICRAWL_BROWSER_RENDER_KINDS"))
        if not self.kinds:
            raise NotConfigured  # the usual case: nothing to log
        self.expansion: Expansion = live_blog_expansion(crawler.settings)

    def process_request(self, request: Request) -> None:
        if is_browser_request(request):
            return
        if "*" in self.kinds or request.meta.get("rfi_kind") in self.kinds:
            document = request.meta.get("rfi_kind") in DOCUMENT_KINDS
            expansions = () if document else (self.expansion,)
            request.meta.update(browser_meta("render_kinds", *expansions, raw_document=document))
            self.stats.inc_value(f"{STATS}/render_kinds")
