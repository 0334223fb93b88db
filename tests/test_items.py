"""The article's schema (rficrawl.items): what is text and what is HTML, what validation derives
from it, and the field table of docs/extraction.md kept true to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rficrawl.extract.sources import DATALAYER, DOM, JSONLD, META
from rficrawl.items import ARTICLE_FIELDS, Kind, value_kinds
from rficrawl.store.validation import InvalidItem, validate_item
from tests.store.conftest import make_item

DOCS = Path(__file__).resolve().parents[1] / "docs" / "extraction.md"
SOURCE_NAMES = {"JSON-LD": JSONLD, "meta": META, "DOM": DOM, "datalayer": DATALAYER}
# A value of the wrong type for each kind.
WRONG = {Kind.TEXT: 5, Kind.HTML: 5, Kind.URL: 5, Kind.TEXT_LIST: "x", Kind.OBJECT_LIST: ["x"],
         Kind.OBJECT: "x", Kind.COUNT: -1, Kind.DATE: "2025-11-30"}


def test_body_html_is_the_only_html_and_every_name_or_caption_is_text():
    kinds = value_kinds()
    assert [path for path, kind in kinds.items() if kind is Kind.HTML] == ["body_html"]
    for path in ("title", "lead", "body_text", "authors[].name", "image.caption", "image.credit",
                 "tags[]", "keywords[]", "live_posts[].title", "live_posts[].text"):
        assert kinds[path] is Kind.TEXT, path
    for path in ("url", "authors[].url", "image.url", "media[].url", "twin_urls.<language tag>"):
        assert kinds[path] is Kind.URL, path


def item_with(name: str, value: object):
    item = make_item(1)
    item[name] = value
    return item


@pytest.mark.parametrize("name", list(ARTICLE_FIELDS))
def test_validation_refuses_a_value_of_the_wrong_kind_in_each_field(name):
    spec = ARTICLE_FIELDS[name]
    with pytest.raises(InvalidItem) as refused:
        validate_item(item_with(name, WRONG[spec.kind]))
    assert refused.value.reason == f"bad_type_{name}"
    if spec.required:
        with pytest.raises(InvalidItem) as missing:
            validate_item(item_with(name, None))
        assert missing.value.reason == f"missing_{name}"
    else:
        validate_item(item_with(name, None))  # an optional field may be absent


def field_table() -> dict[str, list[str]]:
    """The rows of the field table of docs/extraction.md, by field name."""
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| field | kind |"):]
    table = table[:table.index("\n\n")]
    return {row[0].strip("`"): row[1:] for row in
            ([cell.strip() for cell in line.strip("|").split("|")]
             for line in table.splitlines()[2:])}


def test_the_documented_field_table_is_the_schema():
    rows = field_table()
    assert list(rows) == list(ARTICLE_FIELDS)
    for name, (kind, required, sources, column, markdown) in rows.items():
        spec = ARTICLE_FIELDS[name]
        assert kind.split(":")[0] == spec.kind.value, name
        for part, part_kind in spec.parts.items():
            assert (f"`{part}` {part_kind.value}" in kind
                    or f"{part.strip('<>')} → {part_kind.value}" in kind), (name, part)
        assert (required == "yes") == spec.required, name
        named = re.findall(r"JSON-LD|meta|DOM|datalayer", sources)
        assert tuple(SOURCE_NAMES[source] for source in named) == spec.sources, name
        assert ("merged" in sources) == spec.merge, name
        assert column == str(spec.column or ""), name
        assert markdown == (spec.markdown or ""), name
