"""Bad input (issue 2): each case gives a complete item from the remaining sources, or
NotAnArticle with its reason; never another exception. Pages derived from the real capture."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rficrawl.extract.article import NotAnArticle, extract_article
from testbed.captures import capture_bytes
from tests.extract import pages


@pytest.fixture(scope="module")
def reference():
    return extract_article(pages.response(pages.article_bytes()))


def assert_complete_like(item, reference, *, except_fields=()):
    """Every field the reference gives, the variant gives the same (fetched_at aside)."""
    for field in reference:
        if field in ("fetched_at", *except_fields):
            continue
        assert item.get(field) == reference[field], field


@pytest.mark.parametrize("variant", [pages.without_jsonld, pages.broken_jsonld, pages.odd_jsonld],
                         ids=["missing-jsonld", "broken-jsonld", "odd-jsonld"])
def test_without_usable_jsonld_the_other_sources_give_the_same_item(variant, reference):
    body = variant(pages.article_bytes())
    assert body != pages.article_bytes()
    item = extract_article(pages.response(body))
    assert_complete_like(item, reference)
    assert item["published_at"] == datetime(2025, 11, 30, 9, 13, 47, tzinfo=UTC)
    assert item["authors"][0]["url"] == reference["authors"][0]["url"]


def test_keywords_as_a_comma_string():
    body = pages.keywords_as_string(pages.article_bytes(), "政治, 中国,台海 ,T-Dome")
    item = extract_article(pages.response(body))
    assert item["keywords"] == ["政治", "中国", "台海", "T-Dome"]


def test_page_cut_in_the_middle_of_the_body_is_dropped_as_truncated():
    body = pages.cut_in_body(pages.article_bytes())
    assert b"t-content__body" in body and b"</html>" not in body
    with pytest.raises(NotAnArticle) as caught:
        extract_article(pages.response(body))
    assert caught.value.reason == "truncated"
    assert pages.ARTICLE_URL in str(caught.value)


def test_empty_body_is_dropped():
    body = pages.empty_body(pages.article_bytes())
    assert "台湾从乌克兰战争中汲取了经验".encode() not in body
    with pytest.raises(NotAnArticle) as caught:
        extract_article(pages.response(body))
    assert caught.value.reason == "no-body"


def test_front_is_not_an_article():
    with pytest.raises(NotAnArticle) as caught:
        extract_article(pages.response(capture_bytes(pages.FRONT), "https://www.rfi.fr/cn/"))
    assert caught.value.reason == "not-an-article:front"


def test_video_page_is_archived_as_an_article(reference):
    """Video pages are articles too (issue 4): the item keeps the page's fields and type."""
    item = extract_article(pages.response(pages.video_page(pages.article_bytes())))
    assert item["content_type"] == "video"
    assert item["title"] == reference["title"]
    assert item["content_id"] == reference["content_id"]


def test_page_of_another_edition(reference):
    """The /tw/ edition's page (fetched at a /cn/ address, e.g. after a redirect): the item
    follows what the page states."""
    item = extract_article(pages.response(pages.tw_edition(pages.article_bytes())))
    assert item["url"] == pages.TW_URL
    assert item["edition"] == "tw"
    assert item["language"] == "zh-Hant"
    assert item["twin_urls"] == {"zh-Hans": pages.ARTICLE_URL}
    assert_complete_like(item, reference, except_fields=("url", "edition", "language",
                                                         "twin_urls"))


def test_page_of_an_unknown_edition_is_dropped_with_its_reason():
    body = pages.without_canonical_urls(pages.article_bytes())
    body = pages.replace_once(body, b'"site_locale": "cn"', b'"site_locale": "xx"')
    with pytest.raises(NotAnArticle) as caught:
        extract_article(pages.response(body, "https://www.rfi.fr/xx/politique/20251130-x"))
    assert caught.value.reason == "unknown-edition"


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\xff\xfe garbage", b"<html></html>",
                                  b"<html><body><main></main></body></html>",
                                  (b'<html><head><script type="application/ld+json">{"@type": '
                                  b'"NewsArticle", "headline": "x"}</script></head></html>')])
def test_garbage_gives_not_an_article_never_another_exception(body):
    with pytest.raises(NotAnArticle):
        extract_article(pages.response(body))


def test_every_cut_of_the_page_gives_an_item_or_a_reason():
    """Cut the capture at many points: never an exception other than NotAnArticle."""
    whole = pages.article_bytes()
    reasons = set()
    for size in range(0, len(whole), len(whole) // 40):
        try:
            extract_article(pages.response(whole[:size]))
        except NotAnArticle as exc:
            reasons.add(exc.reason)
    assert reasons == {"truncated"}


def test_2021_layout_without_jsonld_or_tag_meta(reference):
    body = pages.layout_2021(pages.article_bytes())
    assert b"t-content__authors-tts" in body and b'property="article:tag"' not in body
    item = extract_article(pages.response(body))
    assert item["tags"] == ["中国", "台海"]
    assert item["authors"] == reference["authors"]
    assert item["body_text"] == reference["body_text"]
