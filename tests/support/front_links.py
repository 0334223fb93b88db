"""A second reading of a front's article links, to check rficrawl.extract.listing against.

It shares no code with the extractor (no lxml, no XPath, no rficrawl.urls): the standard library's
``html.parser`` walks the tags and applies the rule docs/extraction.md states, written out again
from the documentation:

- a *dated article link* is an ``<a href>`` on rfi.fr (or on the page's own host, a mirror) whose
  path has a segment starting ``YYYYMMDD-``;
- links in the site's header, navigation or footer (``header``, ``nav``, ``footer`` outside
  ``main``, ``aside``, ``article`` and ``section``) are not the front's;
- links inside advertising or sponsored content are skipped: ad-server slots
  (``data-tms-ad-type``, ``data-tms-ad-container``), the ad and widget classes below,
  ``--sponsor``/``--partner`` modifiers in a class or a ``data-org-type``, Taboola's ``taboola-``
  ids, and links with ``rel="sponsored"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

AD_CLASSES = {"m-block-ad", "o-ad-container", "o-ad-sponsoring",
              "o-block-ad-n-layout-list__block-ad", "OUTBRAIN", "ob-widget",
              "trc_related_container"}
SPONSORED = ("--sponsor", "--partner")
CONTENT = {"main", "aside", "article", "section"}
CHROME = {"header", "nav", "footer"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
RFI_HOSTS = {"www.rfi.fr", "rfi.fr"}
DATED_SEGMENT = re.compile(r"/\d{8}-[^/]")


@dataclass
class FrontLinks:
    """Decoded paths of the dated article links a front shows, and of those it must skip."""

    found: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)  # in ad or sponsored content
    in_chrome: set[str] = field(default_factory=set)


@dataclass
class _Open:
    tag: str
    ad: bool
    chrome: bool
    content: bool


class _Reader(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.page_host = urlsplit(page_url).netloc
        self.stack: list[_Open] = []
        self.links = FrontLinks()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        parent = self.stack[-1] if self.stack else _Open("", False, False, False)
        classes = values.get("class", "").split()
        ad = parent.ad or _is_ad_or_sponsored(tag, values, classes)
        chrome = parent.chrome or (tag in CHROME and not parent.content)
        content = parent.content or tag in CONTENT
        if tag == "a" and values.get("href"):
            self._link(values["href"], ad, chrome)
        if tag not in VOID:
            self.stack.append(_Open(tag, ad, chrome, content))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag (browsers close unclosed <p>, <li> the same way).
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def _link(self, href: str, ad: bool, chrome: bool) -> None:
        absolute = urlsplit(urljoin(self.page_url, href.strip()))
        if absolute.scheme not in ("http", "https"):
            return
        if absolute.hostname not in RFI_HOSTS and absolute.netloc != self.page_host:
            return
        path = unquote(absolute.path)
        if not DATED_SEGMENT.search(path):
            return
        bucket = (self.links.skipped if ad else self.links.in_chrome if chrome
                  else self.links.found)
        bucket.add(path)


def _is_ad_or_sponsored(tag: str, values: dict[str, str], classes: list[str]) -> bool:
    if "data-tms-ad-type" in values or "data-tms-ad-container" in values:
        return True
    if AD_CLASSES.intersection(classes):
        return True
    marked = classes + [values.get("data-org-type", "")]
    if any(modifier in value for value in marked for modifier in SPONSORED):
        return True
    if values.get("id", "").startswith("taboola-"):
        return True
    return tag == "a" and "sponsored" in values.get("rel", "").split()


def front_links(html: str, page_url: str) -> FrontLinks:
    """The dated article links of ``html`` (served at ``page_url``), as decoded paths."""
    reader = _Reader(page_url)
    reader.feed(html)
    reader.close()
    return reader.links


def decoded_paths(urls: list[str]) -> set[str]:
    """The decoded paths of URLs, to compare with :func:`front_links`."""
    return {unquote(urlsplit(url).path) for url in urls}
