"""`rficrawl store init` gives articles stored under the UTC day rule their Paris published_day."""

from __future__ import annotations

import datetime as dt

from rficrawl.store.connection import ensure_indexes
from rficrawl.store.documents import to_document
from rficrawl.store.upgrade import upgrade_published_days
from rficrawl.store.writer import ArticleWriter
from tests.store.conftest import make_item, rficrawl

# 23:30 UTC on 30 November is 00:30 on 1 December in Paris: the two rules disagree.
LATE_EVENING = dt.datetime(2025, 11, 30, 23, 30, tzinfo=dt.UTC)
# 12:00 UTC: the same day under both rules.
NOON = dt.datetime(2025, 11, 30, 12, 0, tzinfo=dt.UTC)


def stored_before_the_paris_rule(db, count: int) -> list[str]:
    """Articles written by the writer, then given the UTC day as the old rule stored it; every
    other one was published late in the evening (UTC day != Paris day). Returns their ids."""
    ensure_indexes(db)
    items = [make_item(n, published_at=LATE_EVENING if n % 2 else NOON) for n in range(count)]
    docs = [to_document(item) for item in items]
    ArticleWriter(db).write(docs)
    for doc in docs:
        utc_day = doc["published_at"].astimezone(dt.UTC).date().isoformat()
        db.articles.update_one({"_id": doc["_id"]}, {"$set": {"published_day": utc_day}})
    return [doc["_id"] for doc in docs]


def days(db) -> dict[str, str]:
    query = {"published_day": {"$exists": True}}
    return {d["_id"]: d["published_day"] for d in db.articles.find(query, {"published_day": 1})}


def test_upgrade_sets_the_paris_day_in_batches_and_is_idempotent(db):
    ids = stored_before_the_paris_rule(db, 25)
    db.articles.insert_one({"_id": "no-date", "url": "https://www.rfi.fr/cn/x", "title": "x"})
    assert sorted(set(days(db).values())) == ["2025-11-30"]
    seen = []

    result = upgrade_published_days(db, batch_size=4, progress=seen.append)

    assert result.checked == 26 and sum(seen) == 26 and len(seen) == 7  # batches of 4
    assert result.updated == 12  # the late-evening ones, n odd
    after = days(db)
    for n, article in enumerate(ids):
        assert after[article] == ("2025-12-01" if n % 2 else "2025-11-30")
    assert "published_day" not in db.articles.find_one({"_id": "no-date"})
    again = upgrade_published_days(db, batch_size=4)
    assert (again.checked, again.updated) == (26, 0)
    assert days(db) == after


def test_an_article_rewritten_meanwhile_keeps_its_own_day(db):
    (article,) = stored_before_the_paris_rule(db, 2)[1:]
    # A crawl replaced the article (new published_at) after the upgrade read it: the condition
    # on published_at leaves the writer's day alone.
    stale_read = {"_id": article, "published_at": LATE_EVENING}
    db.articles.update_one(
        {"_id": article}, {"$set": {"published_at": NOON, "published_day": "2025-11-30"}}
    )
    assert not db.articles.update_one(stale_read, {"$set": {"published_day": "x"}}).matched_count
    assert upgrade_published_days(db).updated == 0
    assert days(db)[article] == "2025-11-30"


def test_store_init_command_upgrades_and_reports(db, mongo_db):
    stored_before_the_paris_rule(db, 6)
    first = rficrawl("store", "init", "--mongo-uri", mongo_db.uri, "--db", mongo_db.db,
                     "--batch-size", "2")
    assert first.returncode == 0, first.stderr
    assert "6 articles checked, 3 given their Paris published_day" in first.stdout
    assert sorted(days(db).values()).count("2025-12-01") == 3
    second = rficrawl("store", "init", "--mongo-uri", mongo_db.uri, "--db", mongo_db.db)
    assert "6 articles checked, 0 given their Paris published_day" in second.stdout
    bad = rficrawl("store", "init", "--mongo-uri", mongo_db.uri, "--batch-size", "0")
    assert bad.returncode == 2 and "--batch-size 0: must be 1 or more" in bad.stderr
