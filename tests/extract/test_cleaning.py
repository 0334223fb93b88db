"""Body cleaning and HTML safety (issue 2, item 6)."""

from __future__ import annotations

import re

import pytest
from lxml import html
from selectolax.lexbor import LexborHTMLParser

from rficrawl.extract.article import extract_article
from rficrawl.extract.cleaning import clean_body
from tests.extract import pages

PAGE_URL = "https://www.rfi.fr/fr/afrique/20251130-exemple"

# Modelled on the body of RFI's article template (div.t-content__body, see
# cn-article-2025-11-30.html and ../shared/RFI-SITE.md), with what an unsafe page could add.
HOSTILE_BODY = """
<div class="t-content__body u-clearfix">
  <div class="m-interstitial"><div class="m-block-ad" data-tms-ad-type="box">Publicité</div>
    <button class="m-interstitial__unlock-btn">Lire la suite</button></div>
  <h2 onclick="steal()">Un intertitre</h2>
  <p style="color:red" onmouseover="x()">Premier
     <a href="/fr/france/20251129-autre">lien relatif</a>
     et <a href="javascript:alert(1)">piège</a>, <a href="JaVaScRiPt:alert(2)">piège 2</a>.</p>
  <script>alert("xss")</script><style>p{display:none}</style>
  <iframe src="https://evil.example/frame">cadre</iframe>
  <p><strong>À lire aussi :
     <a href="https://www.rfi.fr/fr/monde/20251128-lire">Autre article</a></strong></p>
  <p><strong><a href="/fr/monde/20251128-lire-aussi">Lire aussi</a></strong></p>
  <figure><img src="/media/photo.jpg" onerror="evil()" alt="Photo">
    <figcaption>Légende</figcaption></figure>
  <ul><li>Un</li><li>Deux</li></ul>
  <blockquote><p>Une citation</p></blockquote>
  <div class="m-em-video"><div class="m-em-video__cmp-placeholder">Accepter les cookies</div></div>
  <div class="o-em-consent">Consentement</div>
  <div class="o-self-promo" data-selfpromo-newsletter><p>Newsletter</p></div>
  <div class="t-content__shares"><div>Partager :</div></div>
  <p><svg><script>alert(3)</script></svg>Dernier <b>paragraphe</b>.</p>
  <p>   </p>
</div>
"""


def body_element(markup: str):
    """The body div as the extractor has it: parsed as a browser parses it."""
    return LexborHTMLParser(markup, scripting=True).css_first("div.t-content__body")


@pytest.fixture
def cleaned():
    return clean_body(body_element(HOSTILE_BODY), PAGE_URL)


def test_no_script_style_iframe_handler_or_javascript_url(cleaned):
    lowered = cleaned.html.lower()
    for bad in ("<script", "<style", "<iframe", "<svg", "javascript:", "onclick", "onmouseover",
                "onerror", "style=", "alert"):
        assert bad not in lowered, bad


def test_widgets_dropped(cleaned):
    for text in ("Publicité", "Lire la suite", "Accepter les cookies", "Consentement",
                 "Newsletter", "Partager", "cadre"):
        assert text not in cleaned.html and text not in cleaned.text, text


def test_read_also_paragraphs_dropped_but_inline_links_kept(cleaned):
    assert "Lire aussi" not in cleaned.html
    assert 'href="https://www.rfi.fr/fr/france/20251129-autre"' in cleaned.html


def test_content_kept_in_order_with_absolute_links_and_images(cleaned):
    tags = [el.tag for el in html.fragments_fromstring(cleaned.html) if not isinstance(el, str)]
    assert tags == ["h2", "p", "figure", "ul", "blockquote", "p"]
    assert '<img src="https://www.rfi.fr/media/photo.jpg" alt="Photo">' in cleaned.html
    assert "<figcaption>Légende</figcaption>" in cleaned.html
    assert "piège" in cleaned.html  # the words of a neutralised link stay
    assert cleaned.text.split("\n\n") == [
        "Un intertitre", "Premier lien relatif et piège, piège 2.", "Légende", "Un", "Deux",
        "Une citation", "Dernier paragraphe.",
    ]


def test_links_get_noopener(cleaned):
    for anchor in re.findall(r"<a [^>]*>", cleaned.html):
        assert 'rel="noopener noreferrer"' in anchor


def test_real_capture_body_is_safe_and_absolute():
    item = extract_article(pages.response(pages.article_bytes()))
    fragments = [el for el in html.fragments_fromstring(item["body_html"])
                 if not isinstance(el, str)]
    for element in fragments:
        for node in element.iter():
            assert node.tag not in {"script", "style", "iframe", "svg", "button", "div"}
            assert not [name for name in node.attrib if name.startswith("on") or name == "class"]
            for attr in ("href", "src"):
                if node.get(attr):
                    assert node.get(attr).startswith(("https://", "http://", "mailto:"))


def test_text_lying_in_container_blocks_is_kept_as_paragraphs():
    body = body_element(
        '<div class="t-content__body"><div>Intro <em>en ligne</em><p>Un paragraphe</p>suite'
        "</div><div><p> </p></div><p>Fin<br>de ligne</p></div>"
    )
    cleaned = clean_body(body, PAGE_URL)
    assert cleaned.text.split("\n\n") == ["Intro en ligne", "Un paragraphe", "suite",
                                          "Fin de ligne"]
    assert "<p> </p>" not in cleaned.html and "<p></p>" not in cleaned.html
