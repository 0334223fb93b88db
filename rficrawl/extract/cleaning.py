"""Cleaning of an article body: RFI's widgets out, safe HTML and plain text in.

Two steps, each done by the tool made for it. lxml removes what is RFI's page furniture rather
than the article (the list in ../shared/RFI-SITE.md, "What a body cleaner drops") and makes links
absolute; nh3 (Rust's ammonia) then applies an allow-list, so whatever RFI or an attacker puts in a
page, stored HTML holds no script, style, iframe, event handler or ``javascript:`` URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import nh3
from lxml import etree

# RFI's widgets inside div.t-content__body. Embedded players (m-em-video, m-em-audio) are
# recorded in the item's ``media`` before cleaning and dropped here; the live-blog widget is read
# by rficrawl.extract.liveblog. Quotes, text boxes and tweets stay: they are the article's words.
DROPPED_CLASSES = (
    "m-interstitial",  # ad + "continue reading" button; the text after it is already in the HTML
    "m-block-ad",
    "o-ad-container",
    "o-ad-sponsoring",
    "o-self-promo",  # newsletter and app promotions
    "t-content__shares",
    "m-share-bar",
    "o-em-consent",  # consent placeholders of embeds
    "o-em-adblock",
    "m-em-video",
    "m-em-audio",
    "m-em-liveblog",
)
DROPPED_ATTRIBUTES = ("data-tms-ad-type", "data-selfpromo-newsletter", "data-selfpromo-app",
                      "data-root-share")
DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "frame", "object", "embed",
                "svg", "math", "form", "input", "button", "select", "textarea", "aside", "nav",
                "share-button", "share-modal")

_DROPPED_CLASS_SET = frozenset(DROPPED_CLASSES)
_DROPPED_TAG_SET = frozenset(DROPPED_TAGS)

# "Read also" paragraphs: a paragraph whose only content is a bold link to another RFI page.
_READ_ALSO = etree.XPath(
    ".//p[count(*) = 1 and strong[count(*) = 1 and a[@href]]"
    " and normalize-space(.) = normalize-space(strong)]"
)

# What stored HTML may contain. Everything else is unwrapped (its text kept) or, for the
# CLEAN_CONTENT_TAGS, removed with its content.
ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "q", "cite", "pre", "code",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption", "strong", "b", "em",
    "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "time", "span",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "noscript", "template", "object", "svg", "math",
                      "textarea", "select"}
URL_SCHEMES = {"http", "https", "mailto"}

BLOCK_TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "figcaption", "dt", "dd",
    "tr", "caption", "div", "figure", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot",
    "section", "article",
})
_SPACES = re.compile(r"\s+")
_AROUND_BLOCK_TAG = re.compile(
    r" ?(</?(?:" + "|".join(sorted(BLOCK_TAGS | {"br", "hr"}, key=len, reverse=True))
    + r")\b[^>]*>) ?"
)


@dataclass(frozen=True)
class CleanBody:
    html: str  # safe HTML of the body's content (no wrapping element)
    text: str  # the body's blocks (headings, paragraphs, list items...), blank-line separated


def is_rfi_link(href: str, base_url: str) -> bool:
    """Whether a link points into RFI (relative, www.rfi.fr or the mirror the page came from)."""
    host = urlsplit(urljoin(base_url, href)).netloc.lower()
    return host in {"www.rfi.fr", "rfi.fr", urlsplit(base_url).netloc.lower()}


def clean_body(body: etree._Element, base_url: str) -> CleanBody:
    """Clean an article body element in place and return its safe HTML and text.

    ``base_url`` is the public URL of the article: relative links and images become absolute on
    it, so stored HTML works wherever it is shown.
    """
    _drop_widgets(body)
    for paragraph in _READ_ALSO(body):
        if is_rfi_link(paragraph[0][0].get("href", ""), base_url):
            _remove(paragraph)
    _absolutize(body, base_url)
    text = _prune_and_read_blocks(body)
    raw = (body.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in body
    )
    html = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return CleanBody(html=tidy_whitespace(html), text=text)


def normalize_text(text: str | None) -> str:
    """Collapse runs of whitespace (spaces, newlines, tabs) into one space and strip the ends."""
    return _SPACES.sub(" ", text).strip() if text else ""


def _is_widget(element: etree._Element) -> bool:
    tag = element.tag
    if not isinstance(tag, str):  # a comment or processing instruction
        return True
    if tag in _DROPPED_TAG_SET:
        return True
    classes = element.get("class")
    if classes and any(name in _DROPPED_CLASS_SET or name.startswith("m-em-video__cmp")
                       for name in classes.split()):
        return True
    attributes = element.attrib
    return any(name in attributes for name in DROPPED_ATTRIBUTES)


def _drop_widgets(element: etree._Element) -> None:
    """Remove RFI's widgets, walking the tree once and never into a removed subtree."""
    for child in list(element):
        if _is_widget(child):
            _remove(child)
        else:
            _drop_widgets(child)


def _remove(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _absolutize(body: etree._Element, base_url: str) -> None:
    """Make links and images absolute, taking a lazy image's real address when it has one."""
    for element in body.iter("a", "img"):
        if element.tag == "a":
            href = element.get("href")
            if href is not None:
                element.set("href", urljoin(base_url, href.strip()))
            continue
        src = element.get("src") or ""
        if not src or src.startswith("data:"):
            src = element.get("data-src") or src
        if src:
            element.set("src", urljoin(base_url, src.strip()))


def tidy_whitespace(html: str) -> str:
    """Collapse runs of whitespace and drop it around block tags: RFI indents its HTML, which
    would otherwise show as stray spaces (the body holds no ``<pre>`` whose spacing matters)."""
    return _AROUND_BLOCK_TAG.sub(r"\1", _SPACES.sub(" ", html)).strip()


def _prune_and_read_blocks(body: etree._Element) -> str:
    """Remove blocks left without text or image once the widgets are gone, and return the text
    of the body, a paragraph per block (headings, paragraphs, list items...) separated by blank
    lines; text lying directly in a container block (``<div>text<p>...</p></div>``) is kept too."""
    chunks: list[str] = []
    empty: list[etree._Element] = []
    _walk_text(body, chunks, empty)
    for element in empty:
        _remove(element)
    paragraphs = (normalize_text(text) for text in "".join(chunks).split(_BREAK))
    return "\n\n".join(text for text in paragraphs if text)


_BREAK = "\x00"


def _walk_text(element: etree._Element, chunks: list[str], empty: list) -> bool:
    """Append the element's text to ``chunks`` with a break around each block; note the blocks
    with neither text nor image in ``empty``. Returns whether the element has content."""
    block = element.tag in BLOCK_TAGS
    start = len(chunks)
    if block:
        chunks.append(_BREAK)
    has_content = element.tag == "img"
    if element.tag == "br":
        chunks.append("\n")
    if element.text:
        chunks.append(element.text)
        has_content = has_content or not element.text.isspace()
    for child in element:
        has_content = _walk_text(child, chunks, empty) or has_content
        if child.tail:
            chunks.append(child.tail)
            has_content = has_content or not child.tail.isspace()
    if block:
        if not has_content:
            empty.append(element)
            del chunks[start:]
        else:
            chunks.append(_BREAK)
    return has_content
