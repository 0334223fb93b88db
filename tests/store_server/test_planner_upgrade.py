"""A database made by the build before the query planner is upgraded when this build opens it.

previous_build/rfi.sqlite was written by that build (previous_build/make_database.py says how):
no key tables, a SQLite index on the stored JSON for every index. This build must make and fill
the key tables before it serves, drop the JSON indexes that only unique indexes keep, and then
answer as the reference (the same build with -planner=false on another copy of the file).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pymongo
import pytest

from tests.support.mongo import start_ferretdb

pytestmark = pytest.mark.slow

PREVIOUS = Path(__file__).parent / "previous_build" / "rfi.sqlite"
QUERIES = [
    ({"tags": "法国"}, [("published_at", -1)]),
    ({"tags": {"$in": ["单个", "z"]}}, [("published_at", 1)]),
    ({"edition": "cn"}, [("published_at", -1)]),
    ({"section": None}, None),
    ({"published_at": {"$lt": dt.datetime(1996, 1, 1, tzinfo=dt.UTC)}}, None),
    ({"url": {"$in": ["https://www.rfi.fr/cn/x/0", "https://www.rfi.fr/fr/x/1", "nope"]}}, None),
    ({}, [("modified_at", -1), ("_id", 1)]),
]


def answers(db) -> list:
    out = []
    for filt, sort in QUERIES:
        cursor = db.articles.find(filt)
        if sort:
            cursor = cursor.sort(sort)
        ids = [d["_id"] for d in cursor]
        out.append(ids if sort else sorted(ids))
        out.append(db.articles.count_documents(filt))
    out.append(sorted((g["_id"], g["n"]) for g in db.articles.aggregate(
        [{"$group": {"_id": "$edition", "n": {"$sum": 1}}}])))  # fmt: skip
    out.append([r["_id"] for r in db.revisions.find({"article_id": "WBMZ1-RFI-FR"}).sort("revision", 1)])
    return out


def sqlite_schema(path: Path) -> tuple[dict, set[str]]:
    """The articles collection's settings and the names of SQLite's indexes and tables."""
    with sqlite3.connect(path) as conn:
        settings = json.loads(conn.execute(
            "SELECT settings FROM _ferretdb_collections WHERE name = 'articles'").fetchone()[0])  # fmt: skip
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    return settings, names


def test_previous_database_is_upgraded_on_start(tmp_path, mongo_server):
    if mongo_server.kind != "ferretdb":
        pytest.skip(f"the database file is the embedded FerretDB's; the server is {mongo_server.kind}")
    for name in ("new", "ref"):
        (tmp_path / name).mkdir()
        shutil.copy(PREVIOUS, tmp_path / name / "rfi.sqlite")
    settings, names = sqlite_schema(tmp_path / "new" / "rfi.sqlite")
    assert not any(ix.get("keyTable") for ix in settings["indexes"])

    upgraded = start_ferretdb(tmp_path / "new")
    reference = start_ferretdb(tmp_path / "ref", "-planner=false")
    try:
        with pymongo.MongoClient(upgraded.uri) as new, pymongo.MongoClient(reference.uri) as ref:
            assert answers(new.rfi) == answers(ref.rfi)
            plan = new.rfi.command("explain", {"find": "articles", "filter": {"tags": "法国"}})
            assert plan["queryPlanner"]["indexName"] == "tags"
            # writes after the upgrade keep the keys
            for db in (new.rfi, ref.rfi):
                db.articles.update_many({"edition": "fa"}, {"$set": {"tags": ["法国", "new"]}})
                db.articles.delete_many({"edition": "vi"})
                db.articles.insert_one({"_id": "added", "url": "u-added", "edition": "cn", "tags": "法国"})
            assert answers(new.rfi) == answers(ref.rfi)
            indexes = sorted(ix["name"] for ix in new.rfi.articles.list_indexes())
            assert indexes == sorted(ix["name"] for ix in ref.rfi.articles.list_indexes())
    finally:
        upgraded.stop()
        reference.stop()

    settings, names = sqlite_schema(tmp_path / "new" / "rfi.sqlite")
    table = next(n for n in names if n.startswith("articles_") and "~" not in n and n.count("_") == 1)
    for index in settings["indexes"]:
        assert index["keyTable"] in names, index
        has_json_index = f"{table}_{index['name']}" in names
        assert has_json_index == index["unique"], index
    assert next(ix for ix in settings["indexes"] if ix["name"] == "tags")["multikey"] == ["tags"]

    # opened again: nothing left to build
    again = start_ferretdb(tmp_path / "new")
    again.stop()
    assert sqlite_schema(tmp_path / "new" / "rfi.sqlite")[0] == settings
