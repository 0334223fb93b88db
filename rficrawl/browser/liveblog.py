"""Live blogs: render the page, press "load more" until every post is there (bounded).

The server's HTML of a live blog holds the ``.m-em-liveblog`` embed but not its posts. When a
plain 200 response has the embed (or a known third-party live widget), the page is fetched again
through Chromium, the posts are loaded, and the spider receives the rendered page, from which
``rficrawl.extract.liveblog.extract_live_posts`` fills the article's ``live_posts``. If the
browser fails, the spider gets the plain page (the article without its posts) and the failure is
counted; nothing else is lost.

Settings: ``RFICRAWL_BROWSER_LIVEBLOG_ENABLED`` (True), ``RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS`` (50
presses), ``RFICRAWL_BROWSER_EXPAND_WAIT`` (seconds to wait for each batch, 5). Stats under
``rficrawl/browser/liveblog/``.
"""

from __future__ import annotations

import logging

from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import BaseSettings

from rficrawl.browser import STATS
from rficrawl.browser.actions import Expansion
from rficrawl.browser.markup import has_element
from rficrawl.browser.render import (
    BrowserMiddleware,
    RenderFailed,
    expansion_results,
    is_browser_request,
)
from rficrawl.extract.liveblog import LIVE_BLOG, LIVE_WIDGET, LIVE_WIDGET_HOSTS, LOAD_MORE, POST
from rficrawl.urls import LISTING_KINDS, UrlKind

logger = logging.getLogger(__name__)
STAT = f"{STATS}/liveblog"
# Pages whose live embeds are only teasers (fronts, lists) or that are not HTML pages.
NOT_ARTICLES = LISTING_KINDS | {UrlKind.FEED, UrlKind.SITEMAP, UrlKind.ROBOTS, UrlKind.ASSET}


def live_blog_expansion(settings: BaseSettings) -> Expansion:
    """How far the browser goes on a live blog (shared with the escalation middleware)."""
    return Expansion(
        "liveblog",
        button=LOAD_MORE,
        items=POST,
        max_loads=settings.getint("RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS"),
        wait_ms=settings.getfloat("RFICRAWL_BROWSER_EXPAND_WAIT") * 1000,
        first_items=POST,
        present=f"{LIVE_BLOG}, {LOAD_MORE}, {LIVE_WIDGET}",
    )


def is_live_blog(response: HtmlResponse) -> bool:
    """Whether a page, as the server sent it, embeds a live blog whose posts load by script."""
    if has_element(response, f"{LIVE_BLOG}, {LOAD_MORE}"):
        return True
    body = response.body
    return any(host.encode() in body for host in LIVE_WIDGET_HOSTS) and bool(
        response.css(LIVE_WIDGET)
    )


class LiveBlogMiddleware(BrowserMiddleware):
    switch = "RFICRAWL_BROWSER_LIVEBLOG_ENABLED"

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.expansion = live_blog_expansion(crawler.settings)

    async def process_response(self, request: Request, response: Response) -> Response:
        if (
            is_browser_request(request)
            or request.meta.get("rfi_kind") in NOT_ARTICLES
            or response.status != 200
            or not isinstance(response, HtmlResponse)
            or not is_live_blog(response)
        ):
            return response
        self.stats.inc_value(f"{STAT}/found")
        try:
            rendered = await self.render_page(request, "liveblog", self.expansion)
        except RenderFailed as exc:
            return self._failed(request, response, str(exc))
        for result in expansion_results(rendered):
            self.stats.inc_value(f"{STAT}/loads", result.loads)
            self.stats.inc_value(f"{STAT}/posts", result.items)
            if not result.complete:
                self.stats.inc_value(f"{STAT}/truncated")
                logger.warning(
                    "Live blog %s has more posts than RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS=%d loads"
                    " give; kept the first %d posts",
                    request.url, self.expansion.max_loads, result.items,
                )
        self.stats.inc_value(f"{STAT}/rendered")
        return rendered

    def _failed(self, request: Request, plain: Response, why: str) -> Response:
        self.stats.inc_value(f"{STAT}/failed")
        logger.warning("Live blog %s not rendered (%s): kept without its posts", request.url, why)
        return plain
