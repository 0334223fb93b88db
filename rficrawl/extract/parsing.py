"""A downloaded page as its parsers take it: its text as UTF-8 bytes, whatever its encoding.

Scrapy finds a page's encoding (the HTTP header, a byte-order mark, a ``<meta charset>``) and
names it its own way: a UTF-16 page is ``utf-16-le`` or ``utf-16``, which libxml2 may not know by
that name, and whose bytes an ASCII search for ``</html>`` never matches. Every parser of a page
(``parse_article_page`` for articles, ``parse_listing_page`` for listings) starts from
``utf8_body``: a UTF-8 page's own bytes, which cost nothing, and any other page decoded once in
the encoding Scrapy found and written again as UTF-8.

Articles are parsed as a browser parses them: lexbor (through selectolax) implements the HTML
standard's tokenizer and tree construction, so an unclosed ``<form>``, ``<button>``, ``<object>``,
``<svg>`` or ``<math>`` holds what it holds in Chromium, and ``<svg><style>`` is no raw text to the
end of the page, as libxml2's HTML parser would make them. Scripting is on, as in a browser that
runs scripts (``<noscript>`` holds text). Listings keep lxml's parser and its XPath.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

from lxml import etree
from scrapy.http import TextResponse
from selectolax.lexbor import LexborHTMLParser

# A download whose last bytes hold no end of document is cut off; some servers append trackers
# after </html>, hence a window rather than the very end.
TRUNCATION_WINDOW = 65536
_LISTING_PARSER_OPTIONS = {"remove_comments": True, "collect_ids": False, "huge_tree": True}


@lru_cache(maxsize=32)
def _codec_name(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


@lru_cache(maxsize=32)
def _ascii_compatible(encoding: str) -> bool:
    """Whether the encoding writes ``</html`` as its ASCII bytes (not UTF-16 or UTF-32)."""
    try:
        return "</html".encode(encoding) == b"</html"
    except (LookupError, UnicodeError):
        return False


def utf8_body(response: TextResponse) -> bytes:
    """The page's text as UTF-8 bytes, without a byte-order mark: the body itself when Scrapy
    read it as UTF-8, else the body decoded in its encoding and encoded again."""
    body = response.body
    if _codec_name(response.encoding) == "utf-8":
        return body[3:] if body.startswith(codecs.BOM_UTF8) else body
    return response.text.encode("utf-8", "replace")


def is_truncated(response: TextResponse) -> bool:
    """A page cut off in transfer: no ``</html>`` near its end, read in the page's encoding."""
    body = response.body
    if _ascii_compatible(response.encoding):
        start = max(0, len(body) - TRUNCATION_WINDOW)
        return body.rfind(b"</html", start) < 0 and body.rfind(b"</HTML", start) < 0
    return "</html" not in response.text[-TRUNCATION_WINDOW:].lower()


def parse_article_page(response: TextResponse) -> LexborHTMLParser:
    """The page's document tree, built as the HTML standard (and so Chromium) builds it."""
    return LexborHTMLParser(utf8_body(response) or b"<html></html>", scripting=True)


def parse_listing_page(response: TextResponse) -> etree._Element | None:
    """The page's lxml tree (None for an empty page): the listing's XPaths read it."""
    body = utf8_body(response)
    if not body:
        return None
    parser = etree.HTMLParser(encoding="utf-8", **_LISTING_PARSER_OPTIONS)
    return etree.fromstring(body, parser)
