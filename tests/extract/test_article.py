"""extract_article on the real /cn/ article capture: the exact expectations of issue 2, item 4."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lxml import etree, html

from rficrawl.extract.article import NotAnArticle, content_hash, count_words, extract_article
from rficrawl.items import ArticleItem
from tests.extract import pages

WIDGET_TEXTS = ["继续浏览后续", "广告", "订阅", "下载法广应用程序跟踪国际时事", "分享"]


@pytest.fixture(scope="module")
def item() -> ArticleItem:
    return extract_article(pages.response(pages.article_bytes()))


def capture_body_blocks() -> list[tuple[str, str]]:
    """(tag, text) of the headings and paragraphs that are direct children of the capture's
    body div: the article's own blocks, read independently of the extractor."""
    root = html.fromstring(pages.article_bytes())
    body = root.xpath("//div[contains(@class, 't-content__body')]")[0]
    return [(child.tag, " ".join(child.text_content().split()))
            for child in body if child.tag in ("h2", "p")]


def blocks(body_html: str) -> list[tuple[str, str]]:
    fragments = html.fragments_fromstring(body_html)
    return [(el.tag, " ".join(el.text_content().split())) for el in fragments
            if isinstance(el, etree._Element)]


def test_identity_fields(item):
    assert item["title"] == "台湾增加400亿美元国防开支 加速部署T-Dome防空系统"
    assert item["content_id"] == "WBMZ146377-RFI-CN-20251130"
    assert item["section"] == "政治"
    assert item["kicker"] == "台海局势"
    assert item["edition"] == "cn"
    assert item["language"] == "zh-Hans"
    assert item["content_type"] == "article"
    assert item["url"] == pages.ARTICLE_URL


def test_authors_with_profile_urls(item):
    assert item["authors"] == [
        {"name": "左依", "url": "https://www.rfi.fr/cn/%E4%BD%9C%E8%80%85/%E5%B7%A6%E4%BE%9D/"}
    ]


def test_dates_are_aware_utc(item):
    assert item["published_at"] == datetime(2025, 11, 30, 9, 13, 47, tzinfo=UTC)
    assert item["modified_at"] == datetime(2025, 11, 30, 9, 14, 2, tzinfo=UTC)
    for field in ("published_at", "modified_at", "fetched_at"):
        assert item[field].utcoffset() == timedelta(0), field


def test_tags_keywords_image_twin(item):
    assert item["tags"] == ["中国", "台海"]
    assert item["keywords"] == ["政治", "中国", "台海"]
    assert item["image"] == {
        "url": "https://s.rfi.fr/media/display/064ecb9c-caf9-11f0-9b38-005056bfb2b6/w:1280/p:16x9/"
        "000-867R2EZ.jpg",
        "caption": "台湾总统赖清德承诺加速部署“T-Dome”，并称其为岛屿的“安全网”。",
        "credit": "AFP - I-HWA CHENG",
    }
    assert item["twin_urls"] == {"zh-Hant": pages.TW_URL}
    assert item["media"] == []
    assert item["live_posts"] == []


def test_lead_is_the_chapo_without_padding(item):
    assert item["lead"].startswith("法新社消息称，台湾政府计划在未来八年内增加400亿美元的国防开支")
    assert item["lead"].endswith("并称其为岛屿的“安全网”。")


def test_body_keeps_every_heading_and_paragraph_in_order(item):
    got = blocks(item["body_html"])
    assert got == capture_body_blocks()
    assert [tag for tag, _ in got].count("p") == 12
    assert [tag for tag, _ in got].count("h2") == 3
    assert got[0] == ("h2", "“T-Dome”是什么？")
    assert got[-1][1].endswith("汤普森补充道。")
    assert item["body_text"].startswith("“T-Dome”是什么？\n\n与以色列的")
    assert item["body_text"].endswith("汤普森补充道。")
    assert item["body_text"].count("\n\n") == 14


@pytest.mark.parametrize("text", WIDGET_TEXTS)
def test_body_has_no_widget_text(item, text):
    assert text in pages.article_bytes().decode("utf-8")  # the widget is on the page...
    assert text not in item["body_html"]  # ...and not in the article
    assert text not in item["body_text"]


def test_derived_fields(item):
    assert item["word_count"] == count_words(item["body_text"])
    assert 700 < item["word_count"] < 1300  # RFI's JSON-LD says 1193 for title+lead+body
    expected = hashlib.sha256(
        "\n\n".join([item["title"], item["lead"], item["body_text"]]).encode("utf-8")
    ).hexdigest()
    assert item["content_hash"] == expected == content_hash(item["title"], item["lead"],
                                                            item["body_text"])


def test_content_hash_is_stable_across_runs_and_fetch_times():
    first = extract_article(pages.response(pages.article_bytes()),
                            fetched_at=datetime(2025, 11, 30, tzinfo=UTC))
    second = extract_article(pages.response(pages.article_bytes()))
    assert first["fetched_at"] != second["fetched_at"]
    assert first["content_hash"] == second["content_hash"]
    assert dict(first, fetched_at=None) == dict(second, fetched_at=None)


def test_fetched_at_given_is_kept_in_utc():
    paris = datetime(2025, 11, 30, 11, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    item = extract_article(pages.response(pages.article_bytes()), fetched_at=paris)
    assert item["fetched_at"] == datetime(2025, 11, 30, 11, 0, tzinfo=UTC)
    assert item["fetched_at"].tzinfo == UTC


def test_fields_follow_the_item_declaration_order(item):
    assert list(item) == [name for name in ArticleItem.fields if name in item]


def test_page_from_a_mirror_gives_public_urls():
    """Fetched from a local mirror, with no page source stating the URL: the item still holds
    the public www.rfi.fr URL, and the relative author link becomes public too."""
    base = "http://127.0.0.1:8765"
    body = pages.without_canonical_urls(pages.article_bytes())
    item = extract_article(pages.response(body, base + pages.ARTICLE_PATH), base_url=base)
    assert item["url"] == pages.ARTICLE_URL
    assert item["authors"][0]["url"].startswith("https://www.rfi.fr/cn/")


def test_a_saved_file_without_any_url_is_refused():
    body = pages.without_canonical_urls(pages.article_bytes())
    with pytest.raises(NotAnArticle) as caught:
        extract_article(pages.response(body, "file:///tmp/page.html"))
    assert caught.value.reason == "no-url"


def test_live_posts_are_part_of_the_content_hash():
    """A live blog's new posts make a new revision; an article without posts keeps its hash."""
    plain = content_hash("title", "lead", "body")
    assert content_hash("title", "lead", "body", []) == plain
    one = content_hash("title", "lead", "body", [{"title": "10:00", "text": "first post"}])
    two = content_hash("title", "lead", "body", [{"title": "10:00", "text": "first post"},
                                                {"title": "10:05", "text": "second post"}])
    assert len({plain, one, two}) == 3
