"""The Markdown archive format (issue 2, item 7), compared with the seed archive example."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path, PurePosixPath

import pytest
from lxml import html
from markdown_it import MarkdownIt

from rficrawl.dates import jsonable
from rficrawl.export.markdown import (
    MarkdownArchiveExporter,
    archive_path,
    main_image_url,
    render_markdown,
)
from rficrawl.extract.article import extract_article
from tests.extract import pages

SEED_EXAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "seed-archive-example.md"
DOCUMENT = re.compile(
    r"\A<!--(?P<stamp>\d+)-->\n\[(?P<title>.+)\]\((?P<url>https://www\.rfi\.fr/[^)\s]+)\)\n------\n\n"
    r"(?P<html><div>.*)\n\Z",
    re.DOTALL,
)


def seed_example() -> str:
    if not SEED_EXAMPLE.exists():
        pytest.skip(f"{SEED_EXAMPLE} not found (../shared is absent here)")
    return SEED_EXAMPLE.read_text(encoding="utf-8")


def top_level(html_line: str) -> list[html.HtmlElement]:
    return [el for el in html.fragments_fromstring(html_line) if not isinstance(el, str)]


@pytest.fixture(scope="module")
def item():
    return extract_article(pages.response(pages.article_bytes()))


@pytest.fixture(scope="module")
def document(item):
    return render_markdown(item)


def test_same_structure_as_the_seed_example(document):
    ours, seed = DOCUMENT.match(document), DOCUMENT.match(seed_example())
    assert seed, "the seed example no longer has the expected shape"
    assert ours, document[:300]
    seed_parts = top_level(seed["html"])
    our_parts = top_level(ours["html"])
    # The seed ends with RFI's share widgets, which the clean body leaves out.
    assert [el.tag for el in seed_parts] == ["div", "img", "p", "div", "div"]
    assert [el.tag for el in our_parts] == ["div", "img", "p", "div"]
    for seed_el, our_el in zip(seed_parts[:3], our_parts[:3], strict=True):
        assert [child.tag for child in seed_el] == [child.tag for child in our_el]
    assert re.fullmatch(r"\d\d/\d\d/\d{4} - \d\d:\d\d", seed_parts[0].text)
    assert re.fullmatch(r"\d\d/\d\d/\d{4} - \d\d:\d\d", our_parts[0].text)
    assert "/w:1280/p:16x9/" in seed_parts[1].get("src")
    assert "/w:1280/p:16x9/" in our_parts[1].get("src")


def test_values_of_the_header(item, document):
    match = DOCUMENT.match(document)
    modified = datetime(2025, 11, 30, 9, 14, 2, tzinfo=UTC)
    assert int(match["stamp"]) == int(modified.timestamp()) * 1000
    assert match["title"] == item["title"]
    assert match["url"] == pages.ARTICLE_URL


def test_date_line_is_the_date_rfi_displays(document):
    """RFI prints the Paris time of publication under the title: the same text here."""
    displayed = html.fromstring(pages.article_bytes()).xpath(
        "//div[contains(@class, 't-content__dates')]//time/text()")[0].strip()
    assert displayed == "30/11/2025 - 10:13"
    assert top_level(DOCUMENT.match(document)["html"])[0].text == displayed


def test_lead_image_and_clean_body(item, document):
    parts = top_level(DOCUMENT.match(document)["html"])
    assert parts[1].get("src") == item["image"]["url"]
    assert parts[2].text_content() == item["lead"]
    body = parts[3]
    assert [child.tag for child in body].count("p") == 12
    assert "分享" not in document and "share-button" not in document


def test_modified_else_published_else_fetched_in_the_stamp(item):
    doc = dict(item, modified_at=None)
    assert render_markdown(doc).startswith(
        f"<!--{int(item['published_at'].timestamp()) * 1000}-->")
    doc = dict(item, modified_at=None, published_at=None)
    stamp = int(item["fetched_at"].timestamp() * 1000)
    assert render_markdown(doc).startswith(f"<!--{stamp}-->")


def test_mongo_documents_and_json_documents_render_the_same(item, document):
    naive = {key: (value.replace(tzinfo=None) if isinstance(value, datetime) else value)
             for key, value in dict(item).items()}
    assert render_markdown(naive) == document
    assert render_markdown(jsonable(dict(item))) == document
    assert archive_path(naive) == archive_path(jsonable(dict(item))) == archive_path(item)


def test_archive_path(item):
    assert archive_path(item) == PurePosixPath("cn/2025-11-30/WBMZ146377-RFI-CN-20251130.md")


def test_archive_path_date_is_the_paris_day():
    doc = {"edition": "fr", "content_id": "X1", "published_at": "2025-11-29T23:30:00Z"}
    assert archive_path(doc) == PurePosixPath("fr/2025-11-30/X1.md")


def test_archive_path_fallbacks():
    doc = {"edition": "fr", "url": "https://www.rfi.fr/fr/depeche", "content_id": None}
    path = archive_path(doc)
    assert path.parent == PurePosixPath("fr/undated")
    assert re.fullmatch(r"url-[0-9a-f]{16}\.md", path.name)
    assert archive_path(dict(doc, url="https://www.rfi.fr/fr/autre")) != path
    hostile = {"edition": "../..", "content_id": "../etc/passwd",
               "published_at": "2025-01-01T12:00Z"}
    assert ".." not in archive_path(hostile).parts


def test_main_image_url_asks_for_1280_16x9():
    url = "https://s.rfi.fr/media/display/abc/w:640/p:4x3/photo.jpg"
    assert main_image_url({"url": url}) == "https://s.rfi.fr/media/display/abc/w:1280/p:16x9/photo.jpg"
    assert main_image_url(None) is None


def test_title_brackets_are_escaped():
    """As character references: the link's text reads the same rendered and shown raw."""
    doc = {"title": "Le [vrai] titre", "url": "https://www.rfi.fr/fr/x", "body_html": "<p>x</p>"}
    document = render_markdown(doc)
    assert "[Le &#91;vrai&#93; titre](https://www.rfi.fr/fr/x)" in document
    rendered = MarkdownIt("commonmark").render(document)
    assert '<h2><a href="https://www.rfi.fr/fr/x">Le [vrai] titre</a></h2>' in rendered


def test_exporter_needs_a_directory_when_the_feed_is_not_a_local_file(item):
    with pytest.raises(ValueError, match="MARKDOWN_ARCHIVE_DIR"):
        MarkdownArchiveExporter(BytesIO())


def test_exporter_with_a_directory_option(item, tmp_path):
    index = BytesIO()
    exporter = MarkdownArchiveExporter(index, directory=tmp_path / "files")
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    written = tmp_path / "files" / "cn" / "2025-11-30" / "WBMZ146377-RFI-CN-20251130.md"
    assert written.read_text(encoding="utf-8") == render_markdown(item)
    assert index.getvalue().decode("utf-8").endswith("WBMZ146377-RFI-CN-20251130.md)\n")
