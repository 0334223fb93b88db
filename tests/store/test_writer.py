"""The write logic against the real server: new, unchanged, changed, races, idempotence."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time

import bson
import pytest

from rficrawl.store.connection import connect, ensure_indexes
from rficrawl.store.documents import to_document
from rficrawl.store.validation import (
    MAX_DOCUMENT_BYTES,
    WRITER_HEADROOM_BYTES,
    InvalidItem,
    check_document,
)
from rficrawl.store.writer import ArticleWriter
from tests.store.conftest import make_item


def edited(item, **changes):
    doc = dict(item)
    doc.update(changes)
    text = f"{doc['title']}\n{doc['lead']}\n{doc['body_text']}"
    doc["content_hash"] = hashlib.sha256(text.encode()).hexdigest()
    doc["fetched_at"] = dt.datetime.now(dt.UTC)
    return doc


def strip_times(doc):
    return {k: v for k, v in doc.items() if k not in ("last_seen_at", "fetched_at")}


def test_first_seen_then_unchanged_then_changed(db):
    ensure_indexes(db)
    writer = ArticleWriter(db)
    items = [make_item(n) for n in range(5)]
    first = writer.write([to_document(i) for i in items])
    assert (first.new, first.updated, first.unchanged) == (5, 0, 0)
    stored = db.articles.find_one({"_id": items[0]["content_id"]})
    assert stored["revision"] == 1
    assert stored["first_seen_at"] == stored["last_seen_at"]
    assert stored["published_at"].tzinfo is not None
    assert isinstance(stored["published_at"], dt.datetime)

    before = {d["_id"]: d for d in db.articles.find()}
    time.sleep(0.01)
    second = writer.write([to_document(i) for i in items])
    assert (second.new, second.updated, second.unchanged) == (0, 0, 5)
    after = {d["_id"]: d for d in db.articles.find()}
    assert {k: strip_times(v) for k, v in after.items()} == {
        k: strip_times(v) for k, v in before.items()
    }
    assert all(d["last_seen_at"] > d["first_seen_at"] for d in after.values())
    assert db.revisions.count_documents({}) == 0

    new_title = edited(items[1], title="台湾增加国防开支（更新）")
    third = writer.write([to_document(new_title)])
    assert (third.new, third.updated, third.unchanged) == (0, 1, 0)
    article = db.articles.find_one({"_id": items[1]["content_id"]})
    assert article["revision"] == 2
    assert article["title"] == "台湾增加国防开支（更新）"
    assert article["first_seen_at"] == before[items[1]["content_id"]]["first_seen_at"]
    revision = db.revisions.find_one({"article_id": items[1]["content_id"]})
    assert revision["revision"] == 1
    assert revision["changed"] == ["title"]
    assert revision["document"]["title"] == items[1]["title"]
    assert db.articles.count_documents({}) == 5


def test_replay_of_a_changed_batch_is_idempotent(db):
    ensure_indexes(db)
    writer = ArticleWriter(db)
    item = make_item(1)
    writer.write([to_document(item)])
    change = to_document(edited(item, body_text="新的正文"))
    writer.write([change])
    again = writer.write([change])
    assert (again.updated, again.unchanged) == (0, 1)
    assert db.revisions.count_documents({}) == 1
    assert db.articles.find_one()["revision"] == 2


def test_same_article_twice_in_a_batch_keeps_both_versions(db):
    ensure_indexes(db)
    item = make_item(1)
    result = ArticleWriter(db).write([to_document(item), to_document(edited(item, lead="新导语"))])
    assert (result.new, result.updated) == (1, 1)
    assert db.articles.count_documents({}) == 1
    assert db.revisions.count_documents({}) == 1


def test_url_stored_under_another_key_is_not_duplicated(db):
    ensure_indexes(db)
    writer = ArticleWriter(db)
    item = make_item(1, content_id=None)
    writer.write([to_document(item)])
    assert db.articles.find_one()["_id"] == item["url"]
    with_id = make_item(1)
    result = writer.write([to_document(with_id)])
    assert result.unchanged == 1
    assert db.articles.count_documents({}) == 1


def test_late_older_version_does_not_replace_a_newer_one_but_is_kept_before_it(db):
    ensure_indexes(db)
    writer = ArticleWriter(db)
    item = make_item(1)
    old = edited(item, title="旧标题")
    old["fetched_at"] = item["fetched_at"] - dt.timedelta(days=1)
    writer.write([to_document(item)])
    result = writer.write([to_document(old)])
    assert result.stale == 1
    article = db.articles.find_one()
    assert article["title"] == item["title"]
    assert article["revision"] == 2
    revision = db.revisions.find_one()
    assert (revision["revision"], revision["document"]["title"]) == (1, "旧标题")
    assert revision["changed"] == ["title"]
    again = writer.write([to_document(old)])  # a replay keeps it once
    assert again.stale == 1
    assert db.revisions.count_documents({}) == 1 and db.articles.find_one()["revision"] == 2


def test_concurrent_writers_make_one_document_per_article(db, mongo_db):
    ensure_indexes(db)
    items = [make_item(n) for n in range(60)]
    docs = [to_document(i) for i in items]
    results = []
    barrier = threading.Barrier(3)

    def work():
        # Each writer has its own client, as separate crawl processes do.
        with connect(mongo_db.uri) as client:
            writer = ArticleWriter(client[mongo_db.db])
            barrier.wait()
            results.append(writer.write(docs))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.articles.count_documents({}) == 60
    assert sum(r.new for r in results) == 60
    assert sum(r.new + r.unchanged for r in results) == 180
    assert not any(r.failed for r in results)


def test_a_document_at_the_size_limit_goes_through_every_path(db):
    """The largest document the check lets through still fits MongoDB's 16 MiB once the writer
    adds its own fields: on insert, on replace, and in the revision that wraps the old version."""
    ensure_indexes(db)
    writer = ArticleWriter(db)

    def at_limit(item) -> dict:
        doc = to_document({**item, "body_html": ""})
        room = MAX_DOCUMENT_BYTES - WRITER_HEADROOM_BYTES - 2 * len(doc["_id"].encode())
        doc["body_html"] = "x" * (room - len(bson.encode(doc)))
        assert len(bson.encode(doc)) == room
        check_document(doc)
        with pytest.raises(InvalidItem, match="too_large"):
            check_document({**doc, "body_html": doc["body_html"] + "x"})
        return doc

    first = at_limit(make_item(1))
    assert writer.write([first]).new == 1
    second = at_limit(edited(make_item(1), title="台湾增加国防开支（更新）"))
    result = writer.write([second])
    assert (result.updated, result.failed) == (1, [])
    article = db.articles.find_one({"_id": first["_id"]})
    revision = db.revisions.find_one({"article_id": first["_id"]})
    assert article["title"] == "台湾增加国防开支（更新）" and article["revision"] == 2
    assert revision["document"]["body_html"] == first["body_html"]
    assert len(bson.encode(article)) <= MAX_DOCUMENT_BYTES
    assert len(bson.encode(revision)) <= MAX_DOCUMENT_BYTES
