"""Whether a plain response has an element, without parsing the page when that can be avoided.

The browser middlewares look at every plain response; parsing each ~500 KB page for that would add
a parse to every page of the crawl (the extractor parses it again on its own). For the simple
selectors they use, a class token in a ``class`` attribute (``.m-em-liveblog``,
``div.t-content__body``) or an attribute name in a tag (``[data-load-more]``), a search of the raw
bytes answers. RFI's pages name these classes in their stylesheets and scripts too, which the
search does not mistake for elements: it looks inside ``class="..."`` attributes and tags only.
Other selectors are answered by a real CSS query.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scrapy.http import TextResponse

_CLASS = re.compile(r"^[a-zA-Z0-9]*\.([\w-]+)$")
_ATTRIBUTE = re.compile(r"^[a-zA-Z0-9]*\[([\w-]+)\]$")


@lru_cache(maxsize=64)
def _split(css: str) -> tuple[re.Pattern[bytes] | None, tuple[bytes, ...]] | None:
    """(class pattern, attribute names) of a simple selector list; None for any other selector."""
    classes, attributes = [], []
    for part in (p.strip() for p in css.split(",")):
        if match := _CLASS.match(part):
            classes.append(re.escape(match[1]))
        elif match := _ATTRIBUTE.match(part):
            attributes.append(match[1].encode())
        else:
            return None
    pattern = None
    if classes:
        alternatives = "|".join(classes)
        pattern = re.compile(
            (r"""class\s*=\s*["']?[^"'>]*(?<![\w-])(?:""" + alternatives + r")(?![\w-])").encode()
        )
    return pattern, tuple(attributes)


def _has_attribute(body: bytes, name: bytes) -> bool:
    """An attribute ``name`` inside a tag: preceded by whitespace, followed by =, space or end of
    tag, and the nearest ``<`` before it is not closed by a ``>``."""
    start = body.find(name)
    while start != -1:
        end = start + len(name)
        if (start and body[start - 1 : start].isspace() and body[end : end + 1] in
                (b"=", b" ", b">", b"/", b"\n", b"\t")
                and body.rfind(b"<", 0, start) > body.rfind(b">", 0, start)):
            return True
        start = body.find(name, end)
    return False


def has_element(response: TextResponse, css: str) -> bool:
    """Whether the page has an element matching ``css`` (a comma-separated selector list)."""
    simple = _split(css)
    if simple is None:
        return bool(response.css(css))
    pattern, attributes = simple
    body = response.body
    if pattern is not None and pattern.search(body):
        return True
    return any(_has_attribute(body, name) for name in attributes)
