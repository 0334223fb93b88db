"""The document a browser page ended on, for answers that must be what the server last sent.

scrapy-playwright answers with the status and headers of ``page.goto``'s response: the page's
first document. A page can move on from it by itself, as a bot wall's JavaScript challenge does
(its script stores a cookie and reloads: the first document is the wall's 403, the last the
article's 200); and Chromium shows an XML document (a feed, a sitemap) in its XML viewer, whose
HTML is not what the server sent. :func:`watch_main_frame` (a page init callback, run before the
navigation) records every navigation response of the page's main frame and every load of it;
:func:`last_document` (a page method, run while the page is still open) reads the last one's
status, headers and, for documents, its bytes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from playwright.async_api import Page
from playwright.async_api import Response as PlaywrightResponse
from scrapy.http import Request


@dataclass
class MainFrame:
    """What a page's main frame did since the page opened."""

    responses: list[PlaywrightResponse] = field(default_factory=list)
    #: Set at each navigation response and each load of the main frame; cleared by whoever waits.
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def status(self) -> int | None:
        """The status of the main frame's last navigation, None before the first answer."""
        return self.responses[-1].status if self.responses else None


@dataclass(frozen=True)
class Document:
    """The main frame's last navigation response, read before the page closed."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes | None = None


_frames: WeakKeyDictionary[Page, MainFrame] = WeakKeyDictionary()


async def watch_main_frame(page: Page, request: Request) -> None:
    """Page init callback: record the main frame's navigation responses and loads. A load counts
    at the request's ``wait_until`` event (``load`` or ``domcontentloaded``)."""
    state = MainFrame()
    _frames[page] = state
    main_frame = page.main_frame

    def on_response(response: PlaywrightResponse) -> None:
        if response.request.is_navigation_request() and response.frame == main_frame:
            state.responses.append(response)
            state.changed.set()

    goto = request.meta.get("playwright_page_goto_kwargs") or {}
    load_event = "domcontentloaded" if goto.get("wait_until") == "domcontentloaded" else "load"
    page.on("response", on_response)
    page.on(load_event, lambda _page: state.changed.set())


def main_frame(page: Page) -> MainFrame:
    """What :func:`watch_main_frame` recorded for ``page`` (nothing if it did not run)."""
    return _frames.setdefault(page, MainFrame())


async def last_document(page: Page, with_body: bool = False) -> Document | None:
    """Page method, run last: the main frame's last navigation response (its bytes too with
    ``with_body``), or None when no navigation answered."""
    state = _frames.pop(page, None)
    if state is None or not state.responses:
        return None
    response = state.responses[-1]
    body = await response.body() if with_body else None
    return Document(response.url, response.status, await response.all_headers(), body)
