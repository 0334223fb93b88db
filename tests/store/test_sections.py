"""``rficrawl articles --section`` finds a section by the slug of its URL or by the name the
site shows, on the real MongoDB-wire server, with the store's indexes (docs/extraction.md)."""

from __future__ import annotations

import datetime as dt
import json

from rficrawl.store.connection import ARTICLES, ensure_indexes
from tests.store.conftest import rficrawl


def stored(url: str, section: str, section_name: str | None) -> dict:
    """An article document as the store holds it, reduced to what ``articles`` reads."""
    document = {"_id": url, "url": url, "edition": "fr", "section": section, "title": url,
                "published_at": dt.datetime(2021, 12, 9, 10, tzinfo=dt.UTC)}
    if section_name is not None:
        document["section_name"] = section_name
    return document


def test_a_section_is_found_by_its_slug_or_its_name(mongo_db):
    base = "https://www.rfi.fr/fr"
    ensure_indexes(mongo_db.database)
    mongo_db.database[ARTICLES].insert_many([
        stored(f"{base}/asie-pacifique/20211209-a", "asie-pacifique", "Asie-Pacifique"),
        stored(f"{base}/tech/20211209-b", "tech", "Technologies"),
        # Stored before section_name: the section field holds the name the page gave.
        stored(f"{base}/asie-pacifique/20211208-c", "Asie-Pacifique", None),
        # A section whose name is another section's slug matches as the name only.
        stored(f"{base}/culture-médias/20211209-d", "culture-médias", "tech"),
    ])

    def found(section: str) -> set[str]:
        result = rficrawl("articles", "--json", "--section", section,
                          "--mongo-uri", mongo_db.uri, "--db", mongo_db.db)
        assert result.returncode == 0, result.stderr
        return {json.loads(line)["url"] for line in result.stdout.splitlines()}

    assert found("asie-pacifique") == {f"{base}/asie-pacifique/20211209-a"}
    assert found("Asie-Pacifique") == {f"{base}/asie-pacifique/20211209-a",
                                       f"{base}/asie-pacifique/20211208-c"}
    assert found("Technologies") == {f"{base}/tech/20211209-b"}
    assert found("tech") == {f"{base}/tech/20211209-b", f"{base}/culture-médias/20211209-d"}
    assert found("asie") == set()  # exact, not a prefix
    # Each step has an index that starts with its field.
    first_keys = {next(iter(index["key"])) for index in mongo_db.database[ARTICLES].list_indexes()}
    assert {"section", "section_name"} <= first_keys
