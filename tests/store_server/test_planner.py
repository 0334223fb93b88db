"""The query planner of the embedded FerretDB (tools/ferretdb/patches/0003): answers from indexes
equal to those of the same build reading every document (``-planner=false``).

The same random documents (mixed types per field, arrays, missing fields, nulls, dates before 1970
and after 2286, int64 beyond 2^53, unicode with ``< > &`` and control characters) go into both
servers; random filters, sorts, limits, counts and groups must give the same answers, in the same
order where the sort is total. Then random writes (updates, replacements, upserts, deletes,
unordered bulks with duplicate keys) go to both and the answers must still agree: the planner reads
key tables that the writes maintain. NaN and infinities are not tested: FerretDB refuses them.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterator

import pymongo
import pytest
from bson import Int64, ObjectId
from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tests.support.mongo import MongoTarget

pytestmark = pytest.mark.slow

UTC = dt.UTC
STRINGS = ["", "a", "ab", "b", "é", "中国", "<&>", "a\x01", "\u2028", "Z", "a&b<c>", "tab\tx"]
TAGS = ["法国", "中国", "europe", "<b>", "sport", "a\x00b", "ÉTÉ", "z"]
# Indexes of the tested collection: single, compound, multikey; every sort the tests check as a
# total order ends with the unique field u.
INDEXES = [
    ([("a", 1)], "a"),
    ([("a", 1), ("u", 1)], "a_u"),
    ([("b", 1), ("d", -1)], "b_d"),
    ([("tags", 1)], "tags"),
    ([("tags", 1), ("u", 1)], "tags_u"),
    ([("d", -1)], "d"),
    ([("u", 1)], "u"),
    ([("n", 1)], "n"),
]


def date(rng: random.Random) -> dt.datetime:
    """A date from 1900 to 2400 (before 1970 and after 2286 included), to the millisecond."""
    ms = rng.randint(-2_208_988_800_000, 13_569_465_600_000)
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


def scalar(rng: random.Random) -> object:
    """A value of a random type, from small domains so that filters match."""
    kind = rng.randrange(12)
    if kind == 0:
        return rng.randint(-3, 3)
    if kind == 1:
        return Int64(2**53 + rng.randint(-2, 2)) if rng.random() < 0.5 else Int64(-(2**62) + rng.randint(0, 2))
    if kind == 2:
        return rng.choice([0.5, 1.0, -2.25, 2.0**53, 3.0, -0.5, 1e300, -1e-300])
    if kind in (3, 4, 5):
        return rng.choice(STRINGS)
    if kind == 6:
        return rng.random() < 0.5
    if kind == 7:
        return None
    if kind == 8:
        return rng.choice([date(rng), dt.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)])
    if kind == 9:
        return rng.choice(OIDS)
    if kind == 10:
        return {"x": rng.randint(0, 2)} if rng.random() < 0.7 else {"x": rng.choice(STRINGS), "y": 1}
    return rng.randint(0, 3) + 0.25


OIDS = [ObjectId(f"{n:024x}") for n in range(1, 5)]


def field_value(rng: random.Random) -> object:
    """A scalar, sometimes an array of them (never nested arrays: FerretDB refuses them)."""
    if rng.random() < 0.15:
        return [scalar(rng) for _ in range(rng.randint(0, 3))]
    return scalar(rng)


def tags_value(rng: random.Random) -> object:
    roll = rng.random()
    if roll < 0.7:
        return rng.sample(TAGS, rng.randint(0, 4))
    if roll < 0.8:
        return rng.choice(TAGS)
    if roll < 0.9:
        return [rng.choice(TAGS), rng.choice([None, 3, 1.5, rng.choice(TAGS)])]
    return None


def unique(n: int) -> object:
    """The unique field u: distinct values of several types (no two equal)."""
    return [n, n + 0.5, f"u{n:05}", dt.datetime(2000, 1, 1, tzinfo=UTC) + dt.timedelta(days=n)][n % 4]


def document(n: int, rng: random.Random) -> dict:
    ids = [f"id-{n}", n, f"<&>{n}\x01", ObjectId(f"{n + 100:024x}"), f"é-{n}-中"]
    doc: dict = {"_id": ids[n % len(ids)], "u": unique(n)}
    for name, make, missing in (("a", field_value, 0.15), ("b", lambda r: r.choice(STRINGS[:6] + [None]), 0.1),
                                ("d", lambda r: date(r) if r.random() < 0.85 else field_value(r), 0.1),
                                ("tags", tags_value, 0.1), ("n", lambda r: r.randint(0, 5), 0.05),
                                ("c", field_value, 0.3)):  # fmt: skip
        if rng.random() >= missing:
            doc[name] = make(rng)
    return doc


def predicate(field: str, rng: random.Random, sample: list[dict]) -> dict:
    """A condition on field, with values taken from the documents so that some match."""

    def value() -> object:
        doc = rng.choice(sample)
        v = doc.get(field, None)
        if isinstance(v, list):
            v = rng.choice(v) if v else scalar(rng)
        if field == "tags" and rng.random() < 0.5:
            v = rng.choice(TAGS)
        return v if v is not None and not isinstance(v, dict) else scalar(rng)

    kind = rng.randrange(10)
    if kind == 0:
        return {field: value()}
    if kind == 1:
        return {field: {"$eq": value()}}
    if kind == 2:
        return {field: {"$in": [value() for _ in range(rng.randint(1, 5))]}}
    if kind in (3, 4):
        op = rng.choice(["$gt", "$gte", "$lt", "$lte"])
        return {field: {op: value()}}
    if kind in (5, 6):
        low, high = sorted([value(), value()], key=repr)
        return {field: {rng.choice(["$gt", "$gte"]): low, rng.choice(["$lt", "$lte"]): high}}
    if kind == 7:
        # conditions the planner leaves to the handler, beside pushed ones
        return rng.choice([
            {field: {"$ne": value()}}, {field: {"$exists": rng.random() < 0.5}}, {field: None},
            {field: {"$nin": [value()]}}, {"$or": [{field: value()}, {field: value()}]},
            {field: {"$gte": value(), "$exists": True}},
        ])  # fmt: skip
    if kind == 8:
        return {"$and": [predicate(field, rng, sample), predicate(rng.choice(FIELDS), rng, sample)]}
    return {field: {"$gte": value()}, **predicate(rng.choice(FIELDS), rng, sample)}


FIELDS = ["a", "b", "d", "tags", "u", "n", "_id", "c"]


def random_filter(rng: random.Random, sample: list[dict]) -> dict:
    filt: dict = {}
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
        for k, v in predicate(rng.choice(FIELDS), rng, sample).items():
            if k in filt:
                filt.setdefault("$and", []).append({k: v})
            else:
                filt[k] = v
    return filt


# sorts whose order is total (they end with the unique field u), and others
TOTAL_SORTS = [[("u", 1)], [("u", -1)], [("a", 1), ("u", 1)], [("a", -1), ("u", -1)],
               [("tags", 1), ("u", 1)], [("tags", -1), ("u", -1)], [("a", 1), ("u", -1)]]  # fmt: skip
PARTIAL_SORTS = [[("d", -1)], [("d", 1)], [("b", 1), ("d", -1)], [("b", -1), ("d", 1)], [("tags", 1)],
                 [("n", 1)], [("a", -1)]]  # fmt: skip


def ids_of(docs: list[dict]) -> list:
    return [repr(d["_id"]) for d in docs]


def canonical(value: object) -> object:
    """A group key comparable across servers (1 and 1.0 are one group, shown as either)."""
    if isinstance(value, bool) or value is None:
        return (0, repr(value))
    if isinstance(value, (int, float)):
        return (1, float(value))
    return (2, repr(value))


@pytest.fixture
def pair(mongo_db: MongoTarget, reference_server) -> Iterator[tuple]:
    """The tested collection on the planner's server and on the reference server."""
    with pymongo.MongoClient(reference_server.uri, tz_aware=True) as ref_client:
        planner = pymongo.MongoClient(mongo_db.uri, tz_aware=True)[mongo_db.db].items
        reference = ref_client[mongo_db.db].items
        for coll in (planner, reference):
            for keys, name in INDEXES:
                coll.create_index(keys, name=name)
        yield planner, reference
        ref_client.drop_database(mongo_db.db)
        planner.database.client.close()


def load(pair: tuple, docs: list[dict]) -> None:
    for coll in pair:
        coll.insert_many(docs, ordered=False)


def check_queries(pair: tuple, rng: random.Random, sample: list[dict], rounds: int) -> int:
    """Random finds, counts and groups on both servers; returns how many the planner served."""
    planner, reference = pair
    served = 0
    for round_ in range(rounds):
        filt = random_filter(rng, sample)
        roll = rng.random()
        where = f"round {round_}: filter {filt!r}"
        if roll < 0.45:
            sort = rng.choice(TOTAL_SORTS)
            limit = rng.choice([0, 0, 1, 3, 10])
            got = list(planner.find(filt).sort(sort).limit(limit))
            want = list(reference.find(filt).sort(sort).limit(limit))
            assert ids_of(got) == ids_of(want), f"{where}, sort {sort}, limit {limit}"
            explain = planner.find(filt).sort(sort).limit(limit).explain()
            served += bool(explain.get("sortPushdown"))
        elif roll < 0.6:
            sort = rng.choice(PARTIAL_SORTS)
            got = list(planner.find(filt).sort(sort))
            want = list(reference.find(filt).sort(sort))
            assert sorted(ids_of(got)) == sorted(ids_of(want)), f"{where}, sort {sort}"
        elif roll < 0.75:
            got, want = list(planner.find(filt)), list(reference.find(filt))
            assert sorted(ids_of(got)) == sorted(ids_of(want)), where
            served += bool(planner.find(filt).explain()["queryPlanner"].get("indexName"))
        elif roll < 0.9:
            assert planner.count_documents(filt) == reference.count_documents(filt), where
            command = {"count": planner.name, "query": filt}
            assert planner.database.command(command)["n"] == reference.database.command(command)["n"], where
            served += planner.database.command("explain", command)["countPushdown"]
        else:
            by = rng.choice(["a", "b", "n", "tags", "d"])
            pipeline = [{"$match": filt}, {"$group": {"_id": f"${by}", "n": {"$sum": 1}}}]
            got = sorted((canonical(g["_id"]), g["n"]) for g in planner.aggregate(pipeline))
            want = sorted((canonical(g["_id"]), g["n"]) for g in reference.aggregate(pipeline))
            assert got == want, f"{where}, group by {by}"
    return served


def test_random_queries_agree_with_the_reference(pair):
    rng = random.Random(9)
    docs = [document(n, rng) for n in range(400)]
    load(pair, docs)
    served = check_queries(pair, rng, docs, 700)
    # the planner answered a good share by itself (else this test would prove little)
    assert served > 150


def test_answers_still_agree_after_random_writes(pair):
    rng = random.Random(11)
    docs = [document(n, rng) for n in range(250)]
    load(pair, docs)
    planner, reference = pair
    for coll in pair:
        coll.drop_index("u")
        coll.create_index("u", name="u_unique", unique=True)
    next_n = 1000
    for step in range(120):
        target = rng.choice(docs)["_id"]
        roll = rng.random()
        if roll < 0.3:
            change = {"$set": {f: v for f, v in document(rng.randrange(10**6), rng).items()
                               if f in ("a", "b", "d", "tags") and rng.random() < 0.6}}  # fmt: skip
            if rng.random() < 0.3:
                change["$unset"] = {rng.choice(["a", "tags", "d"]): ""}
                change["$set"].pop(next(iter(change["$unset"])), None)
            change = {k: v for k, v in change.items() if v}
            op = [UpdateOne({"_id": target}, change)] if change else []
        elif roll < 0.45:
            new = document(rng.randrange(10**6), rng)
            new["_id"], new["u"] = target, unique(next_n)
            op = [ReplaceOne({"_id": target}, new)]
        elif roll < 0.55:
            # only where tags is an array: FerretDB's reply to a failed $push lacks nModified
            op = [UpdateOne({"_id": target, "tags": {"$type": "array"}}, {"$push": {"tags": rng.choice(TAGS)}})]
        elif roll < 0.65:
            op = [DeleteOne({"_id": target})]
        elif roll < 0.8:
            fresh = document(next_n, rng)
            fresh["_id"] = f"new-{next_n}"
            op = [UpdateOne({"_id": fresh.pop("_id")}, {"$set": fresh}, upsert=True)]
            docs.append({**fresh, "_id": f"new-{next_n}"})
        else:
            # an unordered bulk where one insert repeats a unique u and one an existing _id
            batch = [document(next_n + k, rng) for k in range(3)]
            for k, d in enumerate(batch):
                d["_id"] = f"bulk-{next_n + k}"
            dup_u = {**document(next_n + 5, rng), "_id": f"dupu-{next_n}", "u": docs[0]["u"]}
            op = [InsertOne(batch[0]), InsertOne(dup_u), InsertOne({"_id": docs[1]["_id"]}),
                  InsertOne(batch[1]), UpdateOne({"_id": batch[2]["_id"]}, {"$set": {"a": 1, "u": unique(next_n + 7)}}, upsert=True)]  # fmt: skip
            docs.extend(batch[:2])
        next_n += 10
        if not op:
            continue
        outcomes = []
        for coll in pair:
            try:
                result = coll.bulk_write(op, ordered=False)
                outcomes.append(("ok", result.inserted_count, result.modified_count, result.deleted_count))
            except BulkWriteError as exc:
                outcomes.append(("error", sorted(e["index"] for e in exc.details["writeErrors"])))
        assert outcomes[0] == outcomes[1], f"step {step}: {op}"
        if step % 20 == 19:
            check_queries(pair, rng, docs, 60)
    assert sorted(ids_of(planner.find())) == sorted(ids_of(reference.find()))
    check_queries(pair, rng, docs, 200)


def test_index_lifecycle_keeps_answers_right(pair):
    """Keys of an index made over existing documents, an index dropped and made again with other
    fields under the same name, a collection renamed and one dropped then made again."""
    rng = random.Random(5)
    docs = [document(n, rng) for n in range(150)]
    load(pair, docs)
    planner = pair[0]
    for coll in pair:
        coll.drop_index("a_u")
        coll.create_index([("c", 1), ("u", -1)], name="a_u")  # same name, other fields
        coll.create_index([("a", -1), ("u", -1)], name="a_desc")
    check_queries(pair, rng, docs, 80)
    for coll in pair:
        coll.rename("renamed")
    pair = tuple(coll.database.renamed for coll in pair)
    check_queries(pair, rng, docs, 80)
    more = [document(n, rng) for n in range(150, 220)]
    load(pair, more)
    check_queries(pair, rng, docs + more, 80)
    for coll in pair:
        coll.drop()
        for keys, name in INDEXES:
            coll.create_index(keys, name=name)
    load(pair, more)
    assert planner.database.renamed.count_documents({}) == 70
    check_queries(pair, rng, more, 80)


def test_duplicate_keys_are_refused_as_before(mongo_db):
    """Unique indexes keep their SQLite index: the same duplicate key errors as without the
    planner (an index on a field made over documents that repeat it fails, nothing is left)."""
    items = mongo_db.database.items
    items.insert_many([{"_id": 1, "k": "x"}, {"_id": 2, "k": "x"}, {"_id": 3, "k": "y"}])
    with pytest.raises(pymongo.errors.OperationFailure):
        items.create_index("k", unique=True, name="k_unique")
    assert [ix["name"] for ix in items.list_indexes()] == ["_id_"]
    items.create_index("k", name="k")
    assert items.count_documents({"k": "x"}) == 2
    items.delete_one({"_id": 2})
    items.drop_index("k")
    items.create_index("k", unique=True, name="k_unique")
    with pytest.raises(DuplicateKeyError):
        items.insert_one({"_id": 4, "k": "y"})
    assert sorted(d["_id"] for d in items.find({"k": {"$in": ["x", "y"]}})) == [1, 3]


def test_index_made_while_documents_are_written_holds_them_all(pair):
    """An index filled while other clients insert and update: every document written before,
    during or after the fill is in its key table (writers read the index list in their write
    transaction, the fill runs in one)."""
    planner, reference = pair
    rng = random.Random(3)
    load((planner,), [document(n, rng) for n in range(300)])
    stop = threading.Event()
    errors: list[Exception] = []

    def write(worker: int) -> None:
        local = random.Random(worker)
        host, port = planner.database.client.address
        with pymongo.MongoClient(f"mongodb://{host}:{port}", tz_aware=True) as client:
            coll = client[planner.database.name][planner.name]
            n = 0
            while not stop.is_set() or n < 20:
                doc = document(10_000 * worker + n, local)
                doc["_id"] = f"w{worker}-{n}"
                try:
                    coll.insert_one(doc)
                    coll.update_one({"_id": f"w{worker}-{n // 2}"},
                                    {"$set": {"c": local.randint(0, 3), "tags": ["z", "法国"]}})
                except pymongo.errors.PyMongoError as exc:  # e.g. the write lock held by the fill
                    errors.append(exc)
                n += 1

    threads = [threading.Thread(target=write, args=(w,)) for w in (1, 2)]
    for t in threads:
        t.start()
    planner.create_index([("c", 1), ("u", 1)], name="c_u")
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    docs = list(planner.find())  # no filter, no sort: read from the collection, not an index
    reference.insert_many(docs)
    reference.create_index([("c", 1), ("u", 1)], name="c_u")
    for filt in ({"c": 1}, {"c": {"$in": [0, 2]}}, {"c": {"$gte": 2}}, {"tags": "z"}, {}):
        got = [d["_id"] for d in planner.find(filt).sort([("c", 1), ("u", 1)])]
        want = [d["_id"] for d in reference.find(filt).sort([("c", 1), ("u", 1)])]
        assert got == want, filt
        assert planner.count_documents(filt) == reference.count_documents(filt) == len(want)


def test_large_in_lists(pair):
    """A $in of more values than SQLite takes parameters (32,766) still answers (the planner
    leaves it to the handler), and so does a delete of many documents."""
    planner, reference = pair
    load(pair, [{"_id": n, "u": n, "a": n % 7} for n in range(2000)])
    wanted = list(range(0, 40_000, 1))
    for coll in pair:
        assert coll.count_documents({"_id": {"$in": wanted}}) == 2000
        assert sorted(d["_id"] for d in coll.find({"a": {"$in": wanted}, "u": {"$lt": 50}})) == list(range(50))
        assert coll.delete_many({"a": {"$in": [1, 2, 3]}}).deleted_count == 858
    assert planner.count_documents({"a": 1}) == reference.count_documents({"a": 1}) == 0
