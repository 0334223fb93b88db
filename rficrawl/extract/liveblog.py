"""Posts of RFI live blogs (``m-em-liveblog``), read from the page as the browser rendered it."""

from __future__ import annotations

from parsel import Selector


def extract_live_posts(selector: Selector) -> list[dict]:
    """Return the live blog's posts as ``{"time", "title", "text", "author"}`` dicts, oldest first.

    A page without a rendered live blog gives an empty list. (Filled in by the browser part.)
    """
    return []
