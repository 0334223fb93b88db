"""What the store (rficrawl.store) needs from the server, checked on the real one in use.

CI runs this on FerretDB 1.24 (SQLite); it must pass on a real mongod too, so it uses only what
MongoDB itself supports. If a server lacks one of these, the store cannot work on it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pymongo
import pytest
from pymongo import ASCENDING, DESCENDING, InsertOne, ReplaceOne, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

pytestmark = pytest.mark.slow


def _article(n: int, edition: str = "cn", title: str | None = None) -> dict:
    return {
        "_id": f"id-{n}",
        "url": f"https://www.rfi.fr/{edition}/article-{n}",
        "edition": edition,
        "title": title or f"标题 {n}",
        "published_at": datetime(2026, 11, 1 + n % 20, 8, tzinfo=UTC),
        "content_hash": f"h{n}",
        "tags": ["法国", "中国"] if n % 2 else ["欧洲"],
    }


def test_unordered_bulk_upserts_with_update_and_replace(mongo_db):
    articles = mongo_db.database.articles
    ops = [UpdateOne({"_id": f"id-{n}"}, {"$set": _article(n), "$setOnInsert": {"revision": 1}},
                     upsert=True) for n in range(50)]
    ops += [ReplaceOne({"_id": "id-50"}, _article(50), upsert=True)]
    result = articles.bulk_write(ops, ordered=False)
    assert result.upserted_count == 51
    assert articles.count_documents({}) == 51

    again = [UpdateOne({"_id": "id-1", "content_hash": "h1"}, {"$set": {"last_seen_at": datetime.now(UTC)}}),
             ReplaceOne({"_id": "id-2"}, {**_article(2, title="改过的标题"), "revision": 2}, upsert=True)]
    result = articles.bulk_write(again, ordered=False)
    assert (result.matched_count, result.modified_count, result.upserted_count) == (2, 2, 0)
    assert articles.find_one({"_id": "id-2"})["revision"] == 2
    assert articles.count_documents({}) == 51


def test_unique_url_index_rejects_a_second_document(mongo_db):
    articles = mongo_db.database.articles
    articles.create_index("url", unique=True)
    articles.create_index("url", unique=True)  # idempotent, as the pipeline does on every open
    articles.insert_one(_article(1))
    with pytest.raises(DuplicateKeyError):
        articles.insert_one({**_article(1), "_id": "other-id"})
    with pytest.raises(BulkWriteError) as excinfo:
        articles.bulk_write([InsertOne({**_article(1), "_id": "third"}), InsertOne(_article(9))], ordered=False)
    assert [e["code"] for e in excinfo.value.details["writeErrors"]] == [11000]
    assert articles.count_documents({}) == 2  # the unordered batch still wrote the good one


def test_duplicate_url_in_an_unordered_upsert_batch(mongo_db):
    """A BulkWriteError for the failing update, and the rest of the batch written (FerretDB 1.24
    failed the whole command without nModified: tools/ferretdb/patches/0002)."""
    articles = mongo_db.database.articles
    articles.create_index("url", unique=True)
    articles.insert_one(_article(1))
    batch = [UpdateOne({"_id": "third"}, {"$set": {"url": _article(1)["url"]}}, upsert=True),
             UpdateOne({"_id": "id-9"}, {"$set": _article(9)}, upsert=True),
             UpdateOne({"_id": "id-1"}, {"$set": {"title": "新标题"}})]
    with pytest.raises(BulkWriteError) as excinfo:
        articles.bulk_write(batch, ordered=False)
    details = excinfo.value.details
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(0, 11000)]
    assert (details["nUpserted"], details["nModified"]) == (1, 1)
    assert [u["index"] for u in details["upserted"]] == [1]
    assert articles.find_one({"_id": "id-9"})["url"] == _article(9)["url"]
    assert articles.find_one({"_id": "id-1"})["title"] == "新标题"


def test_ordered_batch_stops_at_the_duplicate(mongo_db):
    articles = mongo_db.database.articles
    articles.create_index("url", unique=True)
    articles.insert_one(_article(1))
    batch = [UpdateOne({"_id": "id-5"}, {"$set": _article(5)}, upsert=True),
             UpdateOne({"_id": "third"}, {"$set": {"url": _article(1)["url"]}}, upsert=True),
             UpdateOne({"_id": "id-9"}, {"$set": _article(9)}, upsert=True)]
    with pytest.raises(BulkWriteError) as excinfo:
        articles.bulk_write(batch, ordered=True)
    assert [e["index"] for e in excinfo.value.details["writeErrors"]] == [1]
    assert articles.find_one({"_id": "id-5"}) is not None
    assert articles.find_one({"_id": "id-9"}) is None


def test_large_batches_of_updates_to_existing_articles(mongo_db):
    """500 updates of stored articles in one command, as the pipeline flushes them (FerretDB 1.24
    hung from 100 on: tools/ferretdb/patches/0002). A short socket timeout turns a hang into a
    failure."""
    with pymongo.MongoClient(mongo_db.uri, socketTimeoutMS=60_000) as client:
        articles = client[mongo_db.db].articles
        articles.insert_many([_article(n) for n in range(500)])
        result = articles.bulk_write([UpdateOne({"_id": f"id-{n}"}, {"$set": {"content_hash": "new"}})
                                      for n in range(500)], ordered=False)
        assert (result.matched_count, result.modified_count) == (500, 500)
        result = articles.bulk_write([ReplaceOne({"_id": f"id-{n}"}, {**_article(n), "revision": 2}, upsert=True)
                                      for n in range(500)], ordered=False)
        assert (result.matched_count, result.upserted_count) == (500, 0)
        assert articles.count_documents({"revision": 2}) == 500


def test_concurrent_upserts_of_the_same_articles_make_one_document_each(mongo_db):
    """Two workers storing the same new articles at once (MongoDB retries the upsert that lost the
    insert race; FerretDB 1.24 reported a duplicate key error: tools/ferretdb/patches/0002)."""
    def worker(n: int) -> int:
        with pymongo.MongoClient(mongo_db.uri, socketTimeoutMS=60_000) as client:
            articles = client[mongo_db.db].articles
            for start in range(0, 300, 50):
                articles.bulk_write([UpdateOne({"_id": f"id-{i}"}, {"$set": {**_article(i), "worker": n}}, upsert=True)
                                     for i in range(start, start + 50)], ordered=False)
        return n

    with ThreadPoolExecutor(3) as pool:
        assert sorted(pool.map(worker, range(3))) == [0, 1, 2]
    articles = mongo_db.database.articles
    assert articles.count_documents({}) == 300
    assert len(articles.distinct("url")) == 300


def test_compound_and_multikey_indexes(mongo_db, mongo_server):
    articles = mongo_db.database.articles
    articles.create_index([("edition", ASCENDING), ("published_at", DESCENDING)])
    articles.create_index("tags")
    keys = [list(ix["key"].items()) for ix in articles.list_indexes()]
    assert [["edition", "published_at"], ["tags"]] == [[f for f, _ in k] for k in keys if k[0][0] != "_id"]
    if mongo_server.kind != "nx-27017":  # nx-27017 reports every key as ascending
        assert [("edition", 1), ("published_at", -1)] in keys
    articles.insert_many([_article(n, "cn" if n % 3 else "fr") for n in range(30)])
    newest = articles.find({"edition": "cn"}).sort([("published_at", DESCENDING)]).limit(3)
    dates = [doc["published_at"] for doc in newest]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    assert articles.count_documents({"tags": "法国"}) == 15


def test_regex_on_cjk_text(mongo_db):
    articles = mongo_db.database.articles
    articles.insert_many([_article(1, title="马克龙访问北京"), _article(2, title="巴黎奥运会"),
                          _article(3, title="Macron à Pékin")])
    found = {d["_id"] for d in articles.find({"title": {"$regex": "北京|Pékin"}})}
    assert found == {"id-1", "id-3"}
    assert articles.count_documents({"title": {"$regex": "macron", "$options": "i"}}) == 1
    assert articles.count_documents({"$or": [{"title": {"$regex": "奥运"}}, {"body": {"$regex": "奥运"}}]}) == 1


def test_group_aggregation_per_edition_and_day(mongo_db):
    articles = mongo_db.database.articles
    articles.insert_many([_article(n, ["cn", "fr", "en"][n % 3]) for n in range(30)])
    rows = list(articles.aggregate([
        {"$match": {"published_at": {"$gte": datetime(2026, 11, 1, tzinfo=UTC)}}},
        # FerretDB 1.24 has only the $sum and $count accumulators ($max, $first ... are missing).
        {"$group": {"_id": "$edition", "count": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
    ]))
    assert [(r["_id"], r["count"]) for r in rows] == [("cn", 10), ("en", 10), ("fr", 10)]


def test_find_one_and_update_counts_revisions(mongo_db):
    articles = mongo_db.database.articles
    articles.insert_one({**_article(1), "revision": 1})
    doc = articles.find_one_and_update({"_id": "id-1"}, {"$inc": {"revision": 1}, "$set": {"content_hash": "h2"}},
                                       return_document=ReturnDocument.AFTER)
    assert (doc["revision"], doc["content_hash"]) == (2, "h2")
    before = articles.find_one_and_update({"_id": "id-1"}, {"$inc": {"revision": 1}},
                                          return_document=ReturnDocument.BEFORE)
    assert before["revision"] == 2
    assert articles.find_one_and_update({"_id": "missing"}, {"$set": {"x": 1}}) is None


def test_timezone_aware_dates_round_trip_as_utc(mongo_db):
    articles = mongo_db.database.with_options(
        codec_options=mongo_db.database.codec_options.with_options(tz_aware=True, tzinfo=UTC)).articles
    when = datetime(2026, 11, 26, 9, 30, 15, 123000, tzinfo=UTC)
    articles.insert_one({"_id": "d", "published_at": when})
    assert articles.find_one({"_id": "d"})["published_at"] == when


def test_large_batches_stay_within_the_message_size(mongo_db):
    """A cursor over 50 MB of articles, as `rficrawl export --limit` reads: each batch must fit in
    a reply drivers accept (48 MB). FerretDB 1.24 put every asked document in one batch:
    tools/ferretdb/patches/0004."""
    articles = mongo_db.database.articles
    body = "文" * (700 * 1024)  # about 2 MB of UTF-8 per article
    articles.insert_many([{**_article(n), "body_text": body} for n in range(26)])
    found = [d["_id"] for d in articles.find({}, {"body_text": 1}).sort("_id", ASCENDING).limit(26)]
    assert found == sorted(f"id-{n}" for n in range(26))
    assert len(list(articles.find().batch_size(26))) == 26
