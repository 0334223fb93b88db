"""Every vector in every place, through every output (tests/support/xss.py builds the pages).

The public corpora's vectors (../shared/xss) and ours, each put into the real article capture in
seven places, go through ``extract_article``; each item then goes through every output: the
stored document, JSON lines, both CSV exports, the Markdown archive (read raw as HTML and rendered
by markdown-it, both parsed as Chromium parses HTML) and what ``rficrawl show`` prints. Real
Chromium judges a sample of the pages and documents here (test_injection_browser.py) and all of
them in bench/xss.py.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from markdown_it import MarkdownIt
from rich.console import Console
from selectolax.lexbor import LexborHTMLParser

from rficrawl.cli.main import main as rficrawl
from rficrawl.cli.query import CSV_COLUMNS, print_article
from rficrawl.dates import jsonable, to_json
from rficrawl.export.escaping import CSV_FORMULA_STARTS, csv_value
from rficrawl.export.jsonfeed import CsvExporter
from rficrawl.export.markdown import MarkdownArchiveExporter, render_markdown
from rficrawl.extract.cleaning import ALLOWED_TAGS
from rficrawl.items import ArticleItem
from rficrawl.store.documents import to_document
from tests.support import xss

RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def outcomes(attack_outcomes):
    return attack_outcomes


@pytest.fixture(scope="module")
def items(outcomes) -> list[tuple[xss.AttackPage, ArticleItem]]:
    return [(outcome.page, outcome.item) for outcome in outcomes if outcome.item is not None]


@pytest.fixture(scope="module")
def sample(items) -> list[tuple[xss.AttackPage, ArticleItem]]:
    """For the slower outputs (rich's rendering, a real store, one file per article): our
    vectors in every place, and every public vector where it reaches the title and the lead."""
    return [(page, item) for page, item in items
            if page.vector.id.startswith("own-") or page.place == "jsonld"]


def shown(text: str) -> str:
    """Text as a terminal shows it: without control characters (C0 and C1) and spaces."""
    return "".join(TERMINAL_CONTROLS.sub("", text).split())


def text_of(markup: str) -> str:
    """The text a browser shows of an HTML fragment, spaces aside."""
    return "".join(LexborHTMLParser(markup, scripting=True).body.text().split())


def test_the_matrix_is_whole(outcomes):
    assert len(outcomes) == len(xss.all_vectors()) * len(xss.PLACES) >= 7 * 400


def test_no_exception_leaves_the_extractor(outcomes):
    assert [(o.page.id, o.error) for o in outcomes if o.error] == []


def test_drops_are_only_pages_without_body_text(outcomes):
    """No vector in a title, lead or caption source drops the article as no-title; a drop is a
    page whose body div holds no real paragraph once parsed (which test_injection_browser.py and
    bench/xss.py compare with Chromium)."""
    reasons = {o.dropped for o in outcomes if o.dropped}
    assert reasons <= {"no-body"}
    assert not [o.page.id for o in outcomes if o.dropped and o.page.place in (
        "jsonld", "meta")]


def test_stored_body_html_is_safe_and_allow_listed(items):
    unsafe = {}
    for page, item in items:
        tree = LexborHTMLParser(item["body_html"], scripting=True)
        tags = {node.tag for node in tree.body.traverse() if node.is_element_node} - {"body"}
        found = xss.unsafe_markup(item["body_html"]) + sorted(tags - ALLOWED_TAGS)
        if found:
            unsafe[page.id] = found
    assert unsafe == {}


def test_body_text_holds_exactly_the_words_of_body_html(items):
    """The word count and content hash come from body_text: it must be the words shown."""
    differ = [page.id for page, item in items
              if text_of(item["body_html"]) != "".join(item["body_text"].split())]
    assert differ == []


def test_the_stored_document_and_json_lines_read_back(items):
    for page, item in items:
        doc = to_document(item)
        line = to_json(doc)
        assert "\n" not in line, page.id
        assert json.loads(line) == jsonable(doc), page.id


def csv_rows(items, exporter_class) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)  # a body a vector turned into the page's raw text is long
    stream = io.BytesIO()
    exporter = exporter_class(stream)
    exporter.start_exporting()
    for _, item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return list(csv.DictReader(io.StringIO(stream.getvalue().decode("utf-8"))))


def test_the_csv_feed_has_no_formula_and_reads_back(items):
    rows = csv_rows(items, CsvExporter)
    assert len(rows) == len(items)
    formulas = [(page.id, name) for (page, _), row in zip(items, rows, strict=True)
                for name, cell in row.items() if cell.startswith(CSV_FORMULA_STARTS)]
    assert formulas == []
    guarded = 0
    for (page, item), row in zip(items, rows, strict=True):
        for name in ("title", "lead", "content_hash", "body_text"):
            guarded += row[name] != (item.get(name) or "")
            assert csv_value(row[name]) == (item.get(name) or ""), (page.id, name)
    assert guarded > 0  # the formula vectors were guarded, not absent


def test_formula_vectors_do_reach_the_start_of_a_cell(items):
    """Else the CSV tests above would prove nothing."""
    starts = {item["title"][:1] for _, item in items if item.get("title")}
    assert starts & set(CSV_FORMULA_STARTS)


def test_markdown_documents_are_safe_raw_and_rendered(items):
    unsafe = {}
    for page, item in items:
        document = render_markdown(item)
        for view, markup in (("raw", document), ("rendered", RENDERER.render(document))):
            found = xss.unsafe_markup(markup)
            if found:
                unsafe[f"{page.id} {view}"] = found
    assert unsafe == {}


def test_markdown_documents_read_as_the_item_says(items):
    """The title and the lead read as the same text raw and rendered: escaped, not lost."""
    wrong = []
    for page, item in items:
        document = render_markdown(item)
        raw = LexborHTMLParser(document, scripting=True)
        rendered = LexborHTMLParser(RENDERER.render(document), scripting=True)
        title = "".join(item["title"].split())
        heading = rendered.css_first("h2")
        if heading is None or "".join(heading.text().split()) != title:
            wrong.append((page.id, "rendered title"))
        if title not in "".join(raw.body.text().split()):
            wrong.append((page.id, "raw title"))
        lead = "".join((item.get("lead") or "").split())
        for view, tree in (("raw", raw), ("rendered", rendered)):
            strong = tree.css_first("p > strong")
            if lead and (strong is None or "".join(strong.text().split()) != lead):
                wrong.append((page.id, f"{view} lead"))
    assert wrong == []


def test_the_markdown_index_links_every_document(sample, tmp_path):
    index = tmp_path / "archive.md"
    with index.open("wb") as stream:
        exporter = MarkdownArchiveExporter(stream, directory=tmp_path / "archive")
        for page, item in sample:
            exporter.export_item(dict(item, content_id=page.id.replace("@", "-")))
    listing = index.read_text(encoding="utf-8")
    rendered = LexborHTMLParser(RENDERER.render(listing), scripting=True)
    assert xss.unsafe_markup(listing) == [] and xss.unsafe_markup(RENDERER.render(listing)) == []
    links = rendered.css("li > a")
    assert len(links) == len(sample)
    assert ["".join(link.text().split()) for link in links] == [
        "".join(item["title"].split()) for _, item in sample]


def test_show_prints_every_value_as_text(sample):
    """What ``rficrawl show`` prints: never console markup (``[/x]`` used to stop it with a
    MarkupError), never a terminal's control sequence."""
    for page, item in sample:
        doc = to_document(item)
        output = io.StringIO()
        print_article(Console(file=output, width=200, color_system=None), doc, [])
        assert shown(item["title"]) in "".join(output.getvalue().split()), page.id
        assert TERMINAL_CONTROLS.sub("", output.getvalue().replace("\n", "")) == (
            output.getvalue().replace("\n", "")), page.id


def test_the_commands_on_a_real_store(sample, mongo_db, tmp_path, capsys):
    """The sample stored in the suite's real server, then ``rficrawl articles``, ``show`` and
    ``export`` (csv, jsonl, md) as a user runs them."""
    docs = []
    for number, (page, item) in enumerate(sample):
        doc = to_document(dict(item, content_id=f"X{number:05d}"))
        docs.append((page, doc))
    mongo_db.database.articles.insert_many([doc for _, doc in docs])
    store = ["--mongo-uri", mongo_db.uri, "--db", mongo_db.db]
    assert rficrawl(["articles", "--limit", "0", *store]) == 0
    listed = capsys.readouterr().out
    assert f"{len(docs)} of {len(docs)} matching articles" in listed
    rich_docs = [doc for page, doc in docs if page.vector.id.startswith("own-rich")]
    assert rich_docs
    for doc in rich_docs:
        assert rficrawl(["show", doc["_id"], *store]) == 0
        assert shown(doc["title"]) in "".join(capsys.readouterr().out.split())
    assert rficrawl(["export", "--format", "csv", "--out", str(tmp_path / "a.csv"), *store]) == 0
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == len(docs) and list(rows[0]) == list(CSV_COLUMNS)
    assert [cell for row in rows for cell in row.values()
            if cell.startswith(CSV_FORMULA_STARTS)] == []
    titles = {doc["_id"]: doc["title"] for _, doc in docs}
    assert all(csv_value(row["title"]) == titles[row["_id"]] for row in rows)
    assert rficrawl(["export", "--format", "jsonl", "--out", str(tmp_path / "a.jsonl"),
                     *store]) == 0
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["title"] for line in lines} == set(titles.values())
    assert rficrawl(["export", "--format", "md", "--out", str(tmp_path / "md"), *store]) == 0
    written = list((tmp_path / "md").rglob("*.md"))
    assert len(written) == len(docs)
    assert [path for path in written
            if xss.unsafe_markup(RENDERER.render(path.read_text(encoding="utf-8")))] == []
