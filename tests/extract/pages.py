"""Pages for extraction tests, all derived at test time from the real capture's bytes.

Each variant names what it changes in ``cn-article-2025-11-30.html`` (RFI's 2025 article markup);
nothing is copied into the project.
"""

from __future__ import annotations

import html
import json
import re

from scrapy.http import HtmlResponse

from testbed.captures import capture_bytes

ARTICLE = "cn-article-2025-11-30.html"
FRONT = "cn-home-2025-11-30.html"
ARTICLE_PATH = (
    "/cn/%E6%94%BF%E6%B2%BB/20251130-%E5%8F%B0%E6%B9%BE%E5%A2%9E%E5%8A%A0400%E4%BA%BF%E7%BE%8E"
    "%E5%85%83%E5%9B%BD%E9%98%B2%E5%BC%80%E6%94%AF-%E5%8A%A0%E9%80%9F%E9%83%A8%E7%BD%B2t-dome"
    "%E9%98%B2%E7%A9%BA%E7%B3%BB%E7%BB%9F"
)
ARTICLE_URL = "https://www.rfi.fr" + ARTICLE_PATH
TW_PATH = (
    "/tw/%E6%94%BF%E6%B2%BB/20251130-%E5%8F%B0%E7%81%A3%E5%A2%9E%E5%8A%A0400%E5%84%84%E7%BE%8E"
    "%E5%85%83%E5%9C%8B%E9%98%B2%E9%96%8B%E6%94%AF-%E5%8A%A0%E9%80%9F%E9%83%A8%E7%BD%B2t-dome"
    "%E9%98%B2%E7%A9%BA%E7%B3%BB%E7%B5%B1"
)
TW_URL = "https://www.rfi.fr" + TW_PATH
_JSONLD = re.compile(rb'<script type="application/ld\+json">.*?</script>', re.DOTALL)


def article_bytes() -> bytes:
    return capture_bytes(ARTICLE)


def response(body: bytes, url: str = ARTICLE_URL) -> HtmlResponse:
    return HtmlResponse(url=url, body=body)


def replace_once(body: bytes, old: bytes, new: bytes) -> bytes:
    """Replace exactly one occurrence; fails loudly if the capture no longer has it."""
    assert body.count(old) >= 1, f"{old[:60]!r} not in the page"
    return body.replace(old, new, 1)


def without_jsonld(body: bytes) -> bytes:
    """Pages older than RFI's JSON-LD: the head's ld+json script removed."""
    stripped, count = _JSONLD.subn(b"", body)
    assert count == 1
    return stripped


def broken_jsonld(body: bytes) -> bytes:
    """A JSON-LD script that does not parse: its closing bracket and a quote removed."""
    match = _JSONLD.search(body)
    assert match
    script = match.group(0)
    broken = script.replace(b'"headline":', b'"headline:', 1).replace(b"]</script>", b"</script>")
    return body.replace(script, broken, 1)


def keywords_as_string(body: bytes, keywords: str) -> bytes:
    """Older JSON-LD: ``keywords`` as a comma string instead of a list."""
    pattern = re.compile(rb'"keywords": \[.*?\]', re.DOTALL)
    assert pattern.search(body)
    return pattern.sub(b'"keywords": ' + f'"{keywords}"'.encode(), body, count=1)


def without_canonical_urls(body: bytes) -> bytes:
    """No source states the page's URL (JSON-LD, og:url, link canonical, datalayer removed)."""
    body = without_jsonld(body)
    body = re.sub(rb'<meta property="og:url"[^>]*>', b"", body)
    body = re.sub(rb'<link rel="canonical"[^>]*>', b"", body)
    return re.sub(rb'"canonical": "[^"]*",', b"", body)


def cut_in_body(body: bytes) -> bytes:
    """A download cut off in the middle of the article body (after its fourth paragraph)."""
    start = body.index(b't-content__body')
    position = start
    for _ in range(4):
        position = body.index(b"</p>", position + 1)
    return body[:position]


def empty_body(body: bytes) -> bytes:
    """An article whose body holds only RFI's widgets (interstitial ad, self-promotion)."""
    start = body.index(b"<h2>", body.index(b't-content__body'))
    end = body.index(b'<div class="o-self-promo', start)
    return body[:start] + body[end:]


def video_page(body: bytes) -> bytes:
    """The article turned into a video page: RFI's ``t-content--video`` template (its class is in
    the real page's stylesheet) and the datalayer's content type."""
    body = replace_once(body, b'class="t-content t-content--article"',
                        b'class="t-content t-content--video"')
    return replace_once(body, b'"content_type": "article"', b'"content_type": "video"')


def tw_edition(body: bytes) -> bytes:
    """The same page as the /tw/ edition serves it: /tw/ canonical URLs, zh-Hant language and
    an hreflang alternate back to the /cn/ page."""
    cn_path, tw_path = ARTICLE_PATH.encode(), TW_PATH.encode()
    alternate = b'<link rel="alternate" hreflang="zh-Hant" href="' + TW_URL.encode() + b'">'
    body = body.replace(cn_path, tw_path)
    body = body.replace(cn_path.replace(b"/", b"\\/"), tw_path.replace(b"/", b"\\/"))
    body = replace_once(body, alternate,
                        b'<link rel="alternate" hreflang="zh-Hans" href="'
                        + ARTICLE_URL.encode() + b'">')
    body = replace_once(body, b'<html dir="ltr" lang="zh-Hans">',
                        b'<html dir="ltr" lang="zh-Hant">')
    body = replace_once(body, b'"inLanguage": "zh-Hans"', b'"inLanguage": "zh-Hant"')
    return replace_once(body, b'"site_locale": "cn"', b'"site_locale": "tw"')


AUDIO_URL = "https://aod-rfi.akamaized.net/rfi/chinois/audio/modules/actu/202511/tdome.mp3"


def with_player(body: bytes, duration: object = 150) -> bytes:
    """An audio embed at the top of the body, its player JSON shaped like the radio player's
    ``script[data-media-id]`` in the capture's navigation (mediaId, type, sources[{name, url}])."""
    embed = (
        '<div class="m-em-audio"><script data-media-id="tdome" type="application/json">'
        f'{{"mediaId": "tdome", "type": "audio", "duration": {json.dumps(duration)}, '
        f'"sources": [{{"name": "tdome", "url": "{AUDIO_URL.replace("/", chr(92) + "/")}"}}]}}'
        '</script><p class="m-em-audio__title">收听节目</p></div>'
    ).encode()
    start = body.index(b"<h2>", body.index(b"t-content__body"))
    return body[:start] + embed + body[start:]


def with_jsonld_audio(body: bytes, duration: str = "PT2M30S") -> bytes:
    """JSON-LD of an audio article: ``audio{contentUrl, duration}`` (see RFI-SITE.md)."""
    audio = (f'"audio": {{"@type": "AudioObject", "contentUrl": "{AUDIO_URL}", '
             f'"duration": "{duration}"}},')
    anchor = b'"isAccessibleForFree": true'
    return replace_once(body, anchor, audio.encode() + anchor)


def odd_jsonld(body: bytes) -> bytes:
    """A JSON-LD that parses but holds values of unexpected shapes (number headline, object
    date, author names as lists, image as a number)."""
    body = replace_once(body, b'"headline": "', b'"headline": 42, "x": "')
    body = replace_once(body, b'"datePublished": "2025-11-30T09:13:47+00:00"',
                        b'"datePublished": {"value": "2025-11-30"}')
    body = replace_once(body, '"name": "左依"'.encode(), '"name": ["左依"]'.encode())
    return re.sub(rb'"image": \[.*?\]', b'"image": 7', body, count=1, flags=re.DOTALL)


def layout_2021(body: bytes) -> bytes:
    """The 2021 article layout, as the XPaths of linkgraph-fr-2021-12-09.tsv show it
    (``article/div[@class='t-content__tags']``, ``article/div[@class='t-content__authors-tts']/
    div/div[@class='m-author-n-reading-time__authors']/div/a[@class='m-from-author__name']``):
    tags inside the article, authors in other wrappers. JSON-LD and the article:tag meta are
    removed so that the DOM has to answer."""
    body = without_jsonld(body)
    body = re.sub(rb'<meta property="article:tag"[^>]*>', b"", body)
    start = body.index(b'<div class="t-content__tags">')
    end = body.index(b"</div>", body.index(b"</ul>", start)) + len(b"</div>")
    tags = body[start:end]
    body = body[:start] + body[end:]
    body = replace_once(body, b'<div class="t-content__authors">',
                        b'<div class="t-content__authors-tts">')
    body = replace_once(body, b'<div class="m-authors">',
                        b'<div class="m-author-n-reading-time__authors">')
    body = replace_once(body, b"</article>", tags + b"</article>")
    return body


SECTION_LINK = 'href="/cn/政治/" class="m-breadcrumb__list__item__link">政治'.encode()
_JSONLD_SECTION = re.compile(
    rb'"@id": "https://www.rfi.fr/cn/%E6%94%BF%E6%B2%BB/",(\s*)"name": "\xe6\x94\xbf\xe6\xb2\xbb"')


def filed_under(body: bytes, section_url: str, name: str) -> bytes:
    """The article filed under another section: the breadcrumb's section link (DOM and JSON-LD)
    goes to ``section_url`` (encoded as RFI writes hrefs) and every source names the section
    ``name`` (breadcrumb text, JSON-LD, article:section, datalayer cat1)."""
    path = section_url.removeprefix("https://www.rfi.fr")
    body = replace_once(body, SECTION_LINK, f'href="{path}" class="m-breadcrumb__list__item__'
                        f'link">{html.escape(name)}'.encode())
    assert _JSONLD_SECTION.search(body), "the capture's JSON-LD breadcrumb changed"
    body = _JSONLD_SECTION.sub(
        lambda m: f'"@id": "https://www.rfi.fr{path}",'.encode() + m[1]
        + f'"name": {json.dumps(name)}'.encode(), body, count=1)
    body = replace_once(body, '"articleSection": "政治"'.encode(),
                        f'"articleSection": {json.dumps(name)}'.encode())
    body = replace_once(body, 'article:section" content="政治"'.encode(),
                        f'article:section" content="{html.escape(name)}"'.encode())
    return replace_once(body, b'"cat1": "\\u653f\\u6cbb"', f'"cat1": {json.dumps(name)}'.encode())


def without_breadcrumbs(body: bytes) -> bytes:
    """No breadcrumb: the DOM's nav.m-breadcrumb and the JSON-LD (with its BreadcrumbList)
    removed, as on pages older than RFI's JSON-LD."""
    start = body.index(b'<nav class="m-breadcrumb"')
    end = body.index(b"</nav>", start) + len(b"</nav>")
    return without_jsonld(body[:start] + body[end:])


# --- Poisoned pages: the capture with characters or sizes that no later stage can take ---------
# Each keeps RFI's real markup around the poison; tests/store/test_poisoned_crawl.py serves them.

FIRST_BODY_PARAGRAPH = "<p>与以色列的“铁穹”防御系统相比".encode()


def lone_surrogate_headline(body: bytes) -> bytes:
    """The JSON-LD headline starts with a lone high surrogate, as a JSON escape can write it
    (half of an emoji's UTF-16 pair): json.loads gives a str that UTF-8 cannot encode."""
    return replace_once(body, b'"headline": "', b'"headline": "\\ud83d ')


def control_characters(body: bytes) -> bytes:
    """A link in the first body paragraph whose href and title hold control characters, raw
    (ESC) and as character references (NUL, SOH, BEL), and whose text holds more (STX raw, ESC
    and a form feed as references): lxml refuses to set such an href ("All strings must be XML
    compatible")."""
    link = ('<a href="/cn/&#0;政治/&#1;链接\x1b" title="标&#x7;题">链接\x02文字&#x1b;与&#12;段落</a>'
            .encode())
    return replace_once(body, FIRST_BODY_PARAGRAPH,
                        FIRST_BODY_PARAGRAPH[:3] + link + FIRST_BODY_PARAGRAPH[3:])


POISONED_LINK_TEXT = "链接文字与 段落"  # the link's text once repaired


def odd_hreflang_twins(body: bytes) -> bytes:
    """Two more hreflang alternates in the head, whose hreflang is no language tag but a "$"
    name and a dotted one: as ``twin_urls`` keys, FerretDB refuses both ("invalid key")."""
    anchor = b'<link rel="alternate" hreflang="zh-Hant"'
    odd = (b'<link rel="alternate" hreflang="$where" href="https://www.rfi.fr/fr/x-20251130-a">\n'
           b'        <link rel="alternate" hreflang="zh.Hans" href="https://www.rfi.fr/cn/x-20251130-b">'
           b"\n        ")
    return replace_once(body, anchor, odd + anchor)


def oversized(body: bytes, at_least: int = 9_000_000) -> bytes:
    """A body of ``at_least`` bytes of real paragraphs (the capture's own, repeated): stored
    twice (``body_html`` and ``body_text``), the document passes MongoDB's 16 MiB limit."""
    start = body.index(FIRST_BODY_PARAGRAPH)
    paragraph = body[start: body.index(b"</p>", start) + len(b"</p>")]
    copies = at_least // len(paragraph) + 1
    return body[:start] + paragraph * copies + body[start:]
