"""Each query the project makes is served by an index of rficrawl.store.connection.INDEXES.

On the embedded FerretDB (tools/ferretdb/patches/0003), explain names the index that serves a
query and holds SQLite's plan of the SQL that reads it: the tests check the index, that the
collection's table is only reached through its _id index (never scanned), and that a sorted
listing comes in index order (no sort after the read). They fail on a build without the planner
(no index is named), and the _id lookups fail without patch 0001 (SQLite scans the table).
No timing is asserted: bench/ferretdb_planner.py measures.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from rficrawl.store.connection import ARTICLES, CRAWLS, REVISIONS, ensure_indexes
from rficrawl.store.queries import article_filter, section_slugs

pytestmark = pytest.mark.slow

DAY = dt.datetime(2025, 11, 30, tzinfo=dt.UTC)


@pytest.fixture
def archive(mongo_db, mongo_server):
    if mongo_server.kind != "ferretdb":
        pytest.skip(f"explain's plan here is the embedded FerretDB's; the server is {mongo_server.kind}")
    db = mongo_db.database
    ensure_indexes(db)
    db[ARTICLES].insert_many([
        {"_id": f"WBMZ{n}-RFI-CN", "url": f"https://www.rfi.fr/cn/x/{n}", "edition": ["cn", "fr"][n % 2],
         "section": ["monde", "asie-pacifique"][n % 2], "section_name": ["Monde", "Asie-Pacifique"][n % 2],
         "tags": ["法国", f"t{n % 3}"], "published_at": DAY - dt.timedelta(hours=n),
         "published_day": (DAY - dt.timedelta(hours=n)).strftime("%Y-%m-%d"), "content_hash": f"h{n}"}
        for n in range(40)
    ])  # fmt: skip
    db[REVISIONS].insert_many([{"_id": f"WBMZ1-RFI-CN@{r}", "article_id": "WBMZ1-RFI-CN", "revision": r,
                                "superseded_at": DAY + dt.timedelta(days=r)}
                               for r in (1, 2)])  # fmt: skip
    db[CRAWLS].insert_many([{"_id": f"c{n}", "started_at": DAY + dt.timedelta(hours=n)} for n in range(5)])
    return db


def explain(db, command: dict) -> dict:
    return db.command("explain", command)


def served_by(result: dict, index: str, *, sorted_: bool = False) -> None:
    """The plan names index, reaches documents only through the _id index, and (sorted_) gives
    the order without sorting."""
    planner = result["queryPlanner"]
    assert planner.get("indexName") == index, planner
    steps = planner["Plan"]
    collection_scans = [s for s in steps if re.search(r"detail=SCAN t\b", s)]
    assert not collection_scans, steps
    if sorted_:
        assert result["sortPushdown"] is True, result
        assert not [s for s in steps if "TEMP B-TREE" in s], steps


def test_known_article_check_and_lookups(archive):
    urls = [f"https://www.rfi.fr/cn/x/{n}" for n in range(0, 80, 2)]
    served_by(explain(archive, {"find": ARTICLES, "filter": {"url": {"$in": urls}}}), "url_unique")
    served_by(explain(archive, {"find": ARTICLES, "filter": {"url": urls[0]}}), "url_unique")
    assert len(list(archive[ARTICLES].find({"url": {"$in": urls}}))) == 20


def test_id_lookups_use_the_id_index(archive):
    """find by _id, $in of _id and the store's conditional replace {_id, content_hash} (the update
    reads through the same query) go through the collection's _id index: without patch 0001 the
    SQL named the _id otherwise than the index and SQLite scanned the table."""
    for filt in ({"_id": "WBMZ3-RFI-CN"}, {"_id": {"$in": ["WBMZ3-RFI-CN", "WBMZ4-RFI-CN"]}},
                 {"_id": "WBMZ3-RFI-CN", "content_hash": "h3"}):  # fmt: skip
        result = explain(archive, {"find": ARTICLES, "filter": filt})
        served_by(result, "_id_")
        assert any(re.search(r"SEARCH t USING INDEX \S+__id_ ", s) for s in result["queryPlanner"]["Plan"])
    replaced = archive[ARTICLES].replace_one({"_id": "WBMZ3-RFI-CN", "content_hash": "h3"},
                                             {"url": "https://www.rfi.fr/cn/x/3", "content_hash": "h3b"})  # fmt: skip
    assert replaced.modified_count == 1


def test_listings_come_in_index_order(archive):
    newest = {"find": ARTICLES, "filter": {"edition": "cn"}, "sort": {"published_at": -1}, "limit": 20}
    served_by(explain(archive, newest), "edition_published", sorted_=True)
    docs = list(archive[ARTICLES].find({"edition": "cn"}).sort("published_at", -1).limit(20))
    assert [d["published_at"] for d in docs] == sorted((d["published_at"] for d in docs), reverse=True)

    # several editions: the runs of each, in date order, are merged
    editions = {"find": ARTICLES, "filter": {"edition": {"$in": ["cn", "fr", "en", "vi"]}},
                "sort": {"published_at": -1}, "limit": 20}  # fmt: skip
    served_by(explain(archive, editions), "edition_published", sorted_=True)
    docs = list(archive[ARTICLES].find(editions["filter"]).sort("published_at", -1).limit(20))
    assert [d["published_at"] for d in docs] == sorted((d["published_at"] for d in docs), reverse=True)
    assert len(docs) == 20

    day = {"edition": "cn", "published_at": {"$gte": DAY - dt.timedelta(days=1), "$lt": DAY}}
    served_by(explain(archive, {"find": ARTICLES, "filter": day, "sort": {"published_at": -1}}),
              "edition_published", sorted_=True)  # fmt: skip

    by_tag = {"find": ARTICLES, "filter": {"tags": "法国"}, "sort": {"published_at": -1}, "limit": 20}
    served_by(explain(archive, by_tag), "tags_published", sorted_=True)

    section = {"find": ARTICLES, "filter": {"section": "monde"}, "sort": {"published_at": -1}, "limit": 20}
    served_by(explain(archive, section), "section_published", sorted_=True)

    window = {"published_at": {"$gte": DAY - dt.timedelta(days=1), "$lt": DAY}}
    served_by(explain(archive, {"find": ARTICLES, "filter": window}), "published")
    served_by(explain(archive, {"find": ARTICLES, "filter": {}, "sort": {"published_at": -1}}),
              "published", sorted_=True)  # fmt: skip  (rficrawl export without filters)

    # --section given the shown name: its slugs, one index read each (a loose index scan)
    first = {"find": ARTICLES, "filter": {"section_name": "Asie-Pacifique"}, "projection": {"section": 1},
             "sort": {"section": 1}, "limit": 1}  # fmt: skip
    served_by(explain(archive, first), "section_name_section", sorted_=True)
    after = {**first, "filter": {"section_name": "Asie-Pacifique", "section": {"$gt": "asie-pacifique"}}}
    served_by(explain(archive, after), "section_name_section", sorted_=True)
    assert section_slugs(archive, "Asie-Pacifique") == ["Asie-Pacifique", "asie-pacifique"]

    # rficrawl articles --edition cn --section monde --since ... --until ...: listed and counted
    # from the edition's section in date order (either two-field index would read the edition's,
    # or the section's, articles of the window to test the other field)
    window_of = article_filter(["fr"], "asie-pacifique", (), DAY - dt.timedelta(hours=30), DAY)
    listing = {"find": ARTICLES, "filter": window_of, "sort": {"published_at": -1}, "limit": 20}
    served_by(explain(archive, listing), "edition_section_published", sorted_=True)
    counted = explain(archive, {"count": ARTICLES, "query": window_of})
    assert counted["countPushdown"] is True, counted
    served_by(counted, "edition_section_published")
    docs = list(archive[ARTICLES].find(window_of).sort("published_at", -1))
    assert [d["_id"] for d in docs] == [f"WBMZ{n}-RFI-CN" for n in range(1, 30, 2)]
    assert archive[ARTICLES].count_documents(window_of) == 15

    # rficrawl articles --edition cn --tag 法国 --since ... (the CLI's own filter)
    cli = article_filter(["cn"], None, ["法国"], DAY - dt.timedelta(days=2), None, None)
    assert explain(archive, {"find": ARTICLES, "filter": cli, "sort": {"published_at": -1}})["queryPlanner"]["indexName"]


def test_revisions_and_crawls(archive):
    revisions = {"find": REVISIONS, "filter": {"article_id": "WBMZ1-RFI-CN"}, "sort": {"revision": 1}}
    served_by(explain(archive, revisions), "article_revision", sorted_=True)
    crawls = {"find": CRAWLS, "filter": {}, "sort": {"started_at": -1}, "limit": 10}
    served_by(explain(archive, crawls), "started", sorted_=True)
    # rficrawl report: the versions replaced in a day
    replaced = {"superseded_at": {"$gte": DAY + dt.timedelta(days=2), "$lt": DAY + dt.timedelta(days=3)}}
    served_by(explain(archive, {"find": REVISIONS, "filter": replaced}), "superseded")
    assert archive[REVISIONS].count_documents(replaced) == 1
    assert [c["_id"] for c in archive[CRAWLS].find().sort("started_at", -1).limit(2)] == ["c4", "c3"]


def test_counts_and_groups_are_answered_from_indexes(archive):
    count = explain(archive, {"count": ARTICLES, "query": {"edition": "cn"}})
    assert count["countPushdown"] is True
    served_by(count, "edition_published")
    assert archive[ARTICLES].count_documents({"edition": "cn"}) == 20

    # the whole collection (rficrawl articles without filters): from the _id key table, one narrow
    # row per document, not through the url index SQLite picks when counting the table
    for command in ({"count": ARTICLES}, {"count": ARTICLES, "query": {}}):
        everything = explain(archive, command)
        assert everything["countPushdown"] is True, everything
        steps = everything["queryPlanner"]["Plan"]
        assert [s for s in steps if re.search(r"detail=SCAN \S+~\d+$", s)], steps
        assert not [s for s in steps if "url_unique" in s], steps
    assert archive[ARTICLES].count_documents({}) == 40
    assert archive[ARTICLES].estimated_document_count() == 40

    per_edition = [{"$group": {"_id": "$edition", "n": {"$sum": 1}}}]
    result = explain(archive, {"aggregate": ARTICLES, "pipeline": per_edition, "cursor": {}})
    assert result["countPushdown"] is True
    served_by(result, "edition_published")
    assert sorted((g["_id"], g["n"]) for g in archive[ARTICLES].aggregate(per_edition)) == [("cn", 20), ("fr", 20)]

    per_day = [{"$match": {"published_day": {"$gte": "2025-11-29"}}},
               {"$group": {"_id": "$published_day", "n": {"$sum": 1}}}]  # fmt: skip
    result = explain(archive, {"aggregate": ARTICLES, "pipeline": per_day, "cursor": {}})
    assert result["countPushdown"] is True
    served_by(result, "published_day")
    assert sorted((g["_id"], g["n"]) for g in archive[ARTICLES].aggregate(per_day)) == [
        ("2025-11-29", 24), ("2025-11-30", 1)]  # fmt: skip
