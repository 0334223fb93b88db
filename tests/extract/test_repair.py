"""Text repair where it enters the extractor: the function itself, then poisoned pages (derived
from the real capture, see tests/extract/pages.py) and the public XSS corpora through
``extract_article``. Nothing but an item or NotAnArticle may come out."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import etree

from rficrawl.extract.article import NotAnArticle, content_hash, extract_article
from rficrawl.extract.repair import TextRepair, may_need_repair, repair_text
from rficrawl.store.validation import storable_document
from testbed.captures import CAPTURES, capture_bytes
from tests.extract import pages

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strings(value) -> Iterator[str]:
    """Every string of an item: values, keys, inside lists and objects."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_clean(item) -> None:
    """The item's text is all valid (XML, UTF-8), and the store takes its document."""
    bad = [text for text in strings(dict(item)) if NOT_XML.search(text)]
    assert bad == []
    storable_document(item)


# --- repair_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, repaired", [
    ("\ud83d 台湾", "\ufffd 台湾"),  # a lone high surrogate
    ("a\ude00b", "a\ufffdb"),  # a lone low surrogate
    ("NUL\x00SOH\x01ESC\x1bDEL\x7f", "NULSOHESCDEL\x7f"),  # DEL is valid XML text: kept
    ("tab\tnew\nline\rend", "tab\tnew\nline\rend"),
    ("form\x0cfeed vertical\x0btab unit\x1fsep", "form feed vertical tab unit sep"),
    ("non\ufffecharacters\uffff", "noncharacters"),
    ("C1 \x85\x9f kept", "C1 \x85\x9f kept"),
])
def test_repair_text(text, repaired):
    assert repair_text(text) == repaired
    repaired.encode("utf-8")  # never raises
    assert repair_text(repaired) == repaired


def test_clean_text_is_returned_as_it_is():
    text = "台湾增加400亿美元国防开支 😀"
    assert repair_text(text) is text


def test_content_hash_never_raises():
    """Any caller's lone surrogate is hashed rather than refused; valid text hashes as before."""
    assert content_hash("\ud83d", "", "") != content_hash("\ufffd", "", "")
    assert content_hash("台湾", "导语", "正文") == content_hash("台湾", "导语", "正文", [])


# --- which pages are walked ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [pages.ARTICLE, pages.FRONT])
def test_real_pages_are_not_walked(name):
    """The real captures hold no such character: the cheap check spares them the walk."""
    assert not may_need_repair(capture_bytes(name), "utf-8")


@pytest.mark.parametrize("snippet, walked", [
    (b"\x01", True),
    (b"\x00", True),
    (b"&#1;", True),
    (b"&#x1B", True),  # the tokenizer needs no ";"
    (b"&#0000031;", True),
    (b"&#xFFFE;", True),
    (b"&#55357;", True),  # a surrogate
    (b"&#1114112;", True),  # beyond Unicode
    (b"&#" + b"9" * 5000 + b";", True),  # more digits than int() reads
    (b"&#x00000000041;", False),  # "A", with leading zeros
    (b"&#9;&#10;&#x0D;", False),
    (b"&#x1F600;&#039;&#x4E2D;", False),
    (b"#1 &amp;#1;", False),  # not a reference
])
def test_which_bytes_make_a_page_walked(snippet, walked):
    assert may_need_repair(b"<p>" + snippet + b"</p>", "utf-8") is walked


def test_pages_in_wider_encodings_are_always_walked():
    assert may_need_repair("<p>ok</p>".encode("utf-16"), "utf-16")
    assert not may_need_repair("<p>ok</p>".encode("gb18030"), "gb18030")


def test_tree_repair_fixes_text_tails_and_attributes():
    parser = etree.HTMLParser(encoding="utf-8")
    root = etree.fromstring(
        b'<p><a x\x01y="1" href="/a&#1;b" title="t\x0ct">one\x02</a>two&#x1b;<b>\x7f</b></p>',
        parser,
    )
    repair = TextRepair()
    repair.tree(root)
    link = root.find(".//a")
    assert link.items() == [("href", "/ab"), ("title", "t t")]  # the dirty name is dropped
    assert (link.text, link.tail, root.find(".//b").text) == ("one", "two", "\x7f")
    assert repair.changed == {"page": 5}
    assert repair.summary() == "5 values of the page"


def test_json_escapes_are_repaired_in_keys_and_values():
    repair = TextRepair()
    value = repair.load_json(r'{"a\u0000": ["\ud83d", {"b": "c\u0001"}], "n": 1, "中": "\u4e2d"}',
                             "JSON-LD")
    assert value == {"a": ["\ufffd", {"b": "c"}], "n": 1, "中": "中"}
    assert repair.changed == {"JSON-LD": 3}


# --- poisoned pages through extract_article ------------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    return extract_article(pages.response(pages.article_bytes()))


def test_lone_surrogate_in_the_jsonld_headline(reference, caplog):
    """The case that made ``rficrawl extract`` print a traceback (UnicodeEncodeError)."""
    with caplog.at_level(logging.WARNING):
        item = extract_article(pages.response(pages.lone_surrogate_headline(pages.article_bytes())))
    assert item["title"] == "\ufffd " + reference["title"]
    assert item["content_hash"] != reference["content_hash"]
    assert_clean(item)
    assert f"Repaired the text of {pages.ARTICLE_URL}" in caplog.text
    assert "1 value of the JSON-LD" in caplog.text


def test_control_characters_in_a_body_link_and_its_text(reference, caplog):
    """The case that raised lxml's "All strings must be XML compatible" from the cleaner."""
    with caplog.at_level(logging.WARNING):
        item = extract_article(pages.response(pages.control_characters(pages.article_bytes())))
    assert_clean(item)
    assert pages.POISONED_LINK_TEXT + "与以色列" in item["body_text"]
    # NUL as a reference is U+FFFD already (the HTML tokenizer's own repair); nh3 encodes it.
    href = "https://www.rfi.fr/cn/" + quote("\ufffd政治/链接")
    assert f'<a href="{href}" title="标题"' in item["body_html"]
    assert item["title"] == reference["title"]
    assert "values of the page" in caplog.text


def test_odd_hreflang_twins_are_dropped_with_a_warning(reference, caplog):
    with caplog.at_level(logging.WARNING):
        item = extract_article(pages.response(pages.odd_hreflang_twins(pages.article_bytes())))
    assert item["twin_urls"] == reference["twin_urls"]
    assert "hreflang '$where' is not a language tag" in caplog.text
    assert "hreflang 'zh.Hans' is not a language tag" in caplog.text
    assert_clean(item)


def test_a_title_of_control_characters_only_falls_back_to_the_next_source(reference):
    body = pages.replace_once(pages.article_bytes(), b'"headline": "', b'"headline": "\\u0001\\u0002",'
                              b' "x": "')
    assert extract_article(pages.response(body))["title"] == reference["title"]


def test_json_ld_nested_deeper_than_python_goes_is_broken_json(reference):
    """Both json.loads and the repair walk recurse: too deep a JSON-LD is one that does not
    parse, and the other sources answer."""
    body = pages.replace_once(pages.article_bytes(), b'"headline": "',
                              b'"deep": ' + b"[" * 100_000 + b"]" * 100_000 + b', "headline": "')
    item = extract_article(pages.response(body))
    assert item["title"] == reference["title"]


def test_every_string_of_a_poisoned_datalayer_and_meta_is_repaired(reference):
    body = pages.replace_once(pages.article_bytes(), b'"content_id": "', b'"content_id": "\\u0000')
    body = pages.replace_once(body, b'<meta property="og:title" content="',
                              b'<meta property="og:title" content="&#2;')
    item = extract_article(pages.response(body))
    assert item["content_id"] == reference["content_id"]
    assert_clean(item)


# --- the public XSS corpora ----------------------------------------------------------------------

VECTORS = CAPTURES.parent.parent / "xss" / "vectors.json"


def vectors() -> list[dict]:
    if not Path(VECTORS).exists():
        pytest.skip(f"the public XSS vectors are not at {VECTORS} (../shared is absent here)")
    return json.loads(Path(VECTORS).read_text(encoding="utf-8"))


def test_every_public_xss_vector_gives_an_item_or_a_reason():
    """DOMPurify's and H5SC's vectors (see ../shared/xss/README.md) in a body paragraph, in the
    title attribute of a body link and in the JSON-LD headline: each page gives a storable item
    or NotAnArticle, never another exception."""
    page = pages.article_bytes()
    paragraph = pages.FIRST_BODY_PARAGRAPH
    outcomes = {"item": 0, "not an article": 0}
    for vector in vectors():
        text = vector["vector"]
        attribute = text.replace("&", "&amp;").replace('"', "&quot;")
        for body in (
            pages.replace_once(page, paragraph, paragraph[:3] + text.encode() + paragraph[3:]),
            pages.replace_once(page, paragraph, b'<p><a href="/cn/x" title="' + attribute.encode()
                               + b'">x</a>' + paragraph[3:]),
            pages.replace_once(page, b'"headline": "',
                               b'"headline": "' + json.dumps(text)[1:-1].encode()),
        ):
            try:
                item = extract_article(pages.response(body))
            except NotAnArticle:
                outcomes["not an article"] += 1
                continue
            assert_clean(item)
            outcomes["item"] += 1
    assert outcomes["item"] >= 3 * len(vectors()) * 0.9, outcomes
