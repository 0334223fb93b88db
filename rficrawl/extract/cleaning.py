"""Cleaning of an article body: RFI's widgets out, safe HTML and plain text in.

Three steps, each done by the tool made for it. On the page's tree, as a browser built it
(``rficrawl.extract.parsing``), RFI's page furniture rather than the article is removed (the list
in ../shared/RFI-SITE.md, "What a body cleaner drops") and links are made absolute as a browser
reads them; nh3 (Rust's ammonia) then applies an allow-list, so whatever RFI or an attacker puts in
a page, stored HTML holds no script, style, iframe, event handler or ``javascript:`` URL; last,
the text is read from that safe HTML, so ``body_text`` (and the word count and content hash made
from it) holds exactly the words ``body_html`` shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import nh3
from selectolax.lexbor import LexborHTMLParser, LexborNode

from rficrawl.extract.repair import repair_text

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
# Dropped tags that a browser shows with what they hold, and that never hold the article's
# paragraphs in a page as RFI writes it: one that does is an unclosed tag (``<form>``,
# ``<button>``, ``<object>``, ``<select>``, MathML's ``<mtext>``...) that took in the paragraphs
# after it, as the HTML standard says it does. It is unwrapped: its paragraphs kept, its
# controls dropped.
UNWRAPPED_WHEN_HOLDING_BLOCKS = frozenset({"form", "button", "object", "select", "svg", "math"})
_WIDGETS = ", ".join([
    *DROPPED_TAGS,
    *(f".{name}" for name in DROPPED_CLASSES),
    *(f"[{name}]" for name in DROPPED_ATTRIBUTES),
    "[class^='m-em-video__cmp']", "[class*=' m-em-video__cmp']",
])
_ARTICLE_BLOCKS = "p, h1, h2, h3, h4, h5, h6, blockquote, ul, ol, table, figure"

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
# Blocks that separate paragraphs of the text but are not stored: the allow-list keeps them
# until the text is read, then they are unwrapped.
CONTAINER_TAGS = ("div", "section", "article")
_UNKNOWN = f"*:not({', '.join(sorted(ALLOWED_TAGS | set(CONTAINER_TAGS)))})"
_SPACES = re.compile(r"\s+")
_AROUND_BLOCK_TAG = re.compile(
    r" ?(</?(?:" + "|".join(sorted(BLOCK_TAGS | {"br", "hr"}, key=len, reverse=True))
    + r")\b[^>]*>) ?"
)
# What the URL standard removes from an address before reading it: every ASCII tab and newline,
# and C0 controls and spaces at either end. A browser follows "jav&#x09;ascript:" as javascript:.
_URL_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_URL_ENDS = "".join(map(chr, range(0x21)))
_NOT_PRINTABLE_ASCII = re.compile("[^\x21-\x7e]+")


@dataclass(frozen=True)
class CleanBody:
    html: str  # safe HTML of the body's content (no wrapping element)
    text: str  # the body's blocks (headings, paragraphs, list items...), blank-line separated


def is_rfi_link(href: str, base_url: str) -> bool:
    """Whether a link points into RFI (relative, www.rfi.fr or the mirror the page came from)."""
    host = urlsplit(urljoin(base_url, href)).netloc.lower()
    return host in {"www.rfi.fr", "rfi.fr", urlsplit(base_url).netloc.lower()}


def browser_url(value: str, base_url: str) -> str:
    """The absolute address a browser reads in an ``href`` or ``src``: tabs and newlines removed,
    control characters and spaces stripped at the ends, then resolved on ``base_url``; control
    characters inside are removed, as the extractor repairs all text. Raises ValueError for an
    address Python cannot read (``http://[``)."""
    address = repair_text(_URL_TAB_OR_NEWLINE.sub("", value).strip(_URL_ENDS))
    return urljoin(base_url, address)


def is_web_url(url: str, schemes: frozenset[str] | set[str] = frozenset({"http", "https"})) -> bool:
    """Whether an absolute URL is one of ``schemes`` (a page on the web, by default)."""
    try:
        return urlsplit(url).scheme.lower() in schemes
    except ValueError:
        return False


def clean_body(body: LexborNode, base_url: str) -> CleanBody:
    """Clean an article body element in place and return its safe HTML and text.

    ``base_url`` is the public URL of the article: relative links and images become absolute on
    it, so stored HTML works wherever it is shown.
    """
    _drop_widgets(body)
    _unwrap_unknown(body)
    _drop_read_also(body, base_url)
    _absolutize(body, base_url)
    safe = nh3.clean(
        body.inner_html or "",
        tags=ALLOWED_TAGS | set(CONTAINER_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    tree = LexborHTMLParser(safe, scripting=True)
    text = _prune_and_read_blocks(tree.body)
    tree.body.unwrap_tags(list(CONTAINER_TAGS))
    return CleanBody(html=tidy_whitespace(tree.body.inner_html or ""), text=text)


def normalize_text(text: str | None) -> str:
    """Collapse runs of whitespace (spaces, newlines, tabs) into one space and strip the ends."""
    return _SPACES.sub(" ", text).strip() if text else ""


def _drop_widgets(body: LexborNode) -> None:
    """Remove RFI's widgets; unwrap a dropped tag that holds the article's paragraphs.

    Matches come in document order, an element before what it holds: walked backwards, what an
    element holds is done before the element, and nothing is touched once removed.
    """
    for element in reversed(body.css(_WIDGETS)):
        if (element.tag in UNWRAPPED_WHEN_HOLDING_BLOCKS
                and element.css_first(_ARTICLE_BLOCKS) is not None):
            element.unwrap()
        else:
            element.decompose()


def _unwrap_unknown(body: LexborNode) -> None:
    """Unwrap every element the allow-list does not keep, its content kept, as nh3 would: done
    here, on the tree as the browser built it, because nh3 parses the HTML again and drops the
    text of some (MathML's ``<mtext>`` or ``<mglyph>``, outside ``<math>``)."""
    for element in reversed(body.css(_UNKNOWN)):
        element.unwrap()


def _element_children(node: LexborNode) -> list[LexborNode]:
    return [child for child in node.iter() if child.is_element_node]


def _drop_read_also(body: LexborNode, base_url: str) -> None:
    """Remove "read also" paragraphs: a paragraph whose only content is a bold link to another
    RFI page."""
    for link in body.css("p > strong > a[href]"):
        strong = link.parent
        paragraph = strong.parent
        if (len(_element_children(strong)) == 1 and len(_element_children(paragraph)) == 1
                and normalize_text(paragraph.text()) == normalize_text(strong.text())
                and _is_rfi_href(link.attrs.get("href") or "", base_url)):
            paragraph.decompose()


def _is_rfi_href(href: str, base_url: str) -> bool:
    try:
        return is_rfi_link(href, base_url)
    except ValueError:
        return False


def _absolutize(body: LexborNode, base_url: str) -> None:
    """Make links and images absolute, taking a lazy image's real address when it has one; an
    address no browser could follow to a page (``javascript:``, ``data:``) is removed."""
    for element in body.css("a[href], img"):
        attributes = element.attrs
        if element.tag == "a":
            name, value = "href", attributes.get("href") or ""
        else:
            name, value = "src", attributes.get("src") or ""
            if not value or value.startswith("data:"):
                value = attributes.get("data-src") or value
            if not value:
                continue
        try:
            url = browser_url(value, base_url)
        except ValueError:
            url = ""
        if is_web_url(url, URL_SCHEMES):
            # As a browser sends it: anything but printable ASCII percent-encoded as UTF-8.
            attributes[name] = _NOT_PRINTABLE_ASCII.sub(lambda found: quote(found[0], safe=""), url)
        elif name in attributes:
            del attributes[name]


def tidy_whitespace(html: str) -> str:
    """Collapse runs of whitespace and drop it around block tags: RFI indents its HTML, which
    would otherwise show as stray spaces (the body holds no ``<pre>`` whose spacing matters)."""
    return _AROUND_BLOCK_TAG.sub(r"\1", _SPACES.sub(" ", html)).strip()


_BREAK = "\x00"


def _prune_and_read_blocks(root: LexborNode) -> str:
    """Remove blocks left without text or image, and return the text under ``root``, a
    paragraph per block (headings, paragraphs, list items...) separated by blank lines; text
    lying directly in a container block (``<div>text<p>...</p></div>``) is kept too.

    The walk keeps its own stack, so that no nesting depth can exhaust Python's.
    """
    chunks: list[str] = []
    empty: list[LexborNode] = []
    # Open elements: [node, is a block, where its chunks start, has content].
    open_elements: list[list] = [[root, False, 0, False]]
    stack: list[tuple[LexborNode, bool]] = [(child, True) for child in
                                              reversed(list(root.iter(include_text=True)))]
    while stack:
        node, entering = stack.pop()
        if not entering:
            element, block, start, has_content = open_elements.pop()
            if block and not has_content:
                empty.append(element)
                del chunks[start:]
            elif block:
                chunks.append(_BREAK)
            if has_content:
                open_elements[-1][3] = True
        elif node.is_text_node:
            text = node.text_content or ""
            chunks.append(text)
            if text and not text.isspace():
                open_elements[-1][3] = True
        elif node.is_element_node:
            tag = node.tag
            block = tag in BLOCK_TAGS
            open_elements.append([node, block, len(chunks), tag == "img"])
            if block:
                chunks.append(_BREAK)
            elif tag == "br":
                chunks.append("\n")
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(list(node.iter(include_text=True))))
    for element in empty:  # inner blocks before the blocks that hold them
        element.decompose()
    paragraphs = (normalize_text(text) for text in "".join(chunks).split(_BREAK))
    return "\n\n".join(text for text in paragraphs if text)
