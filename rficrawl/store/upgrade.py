"""Bring stored articles up to the current rules of their derived fields, in place.

``published_day`` is the Paris day of ``published_at`` (rficrawl.dates); articles stored when it
was the UTC day keep that day until a crawl rewrites them, so an article published at 00:30 in
Paris sits under the day before in ``rficrawl stats``. :func:`upgrade_published_days` sets the day
of every article whose stored day differs.

It walks the articles by ``_id`` in batches (a range on the ``_id`` index, which every server's
planner serves without reading the collection twice), reads only ``published_at`` and
``published_day``, and writes one unordered bulk of conditional ``$set`` per batch: only what
differs, and only if ``published_at`` is still the value read (an article a crawl replaced
meanwhile already carries its Paris day). No aggregation-pipeline update: FerretDB has none. So
it is idempotent, can be stopped and run again, and costs reads only once the archive is up to
date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pymongo import UpdateOne
from pymongo.database import Database

from rficrawl.dates import paris_day
from rficrawl.store.connection import ARTICLES

BATCH_SIZE = 2000


@dataclass
class UpgradeResult:
    checked: int = 0
    updated: int = 0


def upgrade_published_days(
    db: Database,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> UpgradeResult:
    """Set ``published_day`` to the Paris day of ``published_at`` wherever it differs.

    ``progress(n)`` is called after each batch with the number of articles it checked.
    """
    articles = db[ARTICLES]
    result = UpgradeResult()
    projection = {"published_at": 1, "published_day": 1}
    after: object = None
    while True:
        query = {} if after is None else {"_id": {"$gt": after}}
        batch = list(articles.find(query, projection).sort("_id", 1).limit(batch_size))
        if not batch:
            return result
        after = batch[-1]["_id"]
        updates = []
        for doc in batch:
            published = doc.get("published_at")
            if not isinstance(published, dt.datetime):
                continue
            day = paris_day(published).isoformat()
            if doc.get("published_day") != day:
                updates.append(
                    UpdateOne(
                        {"_id": doc["_id"], "published_at": published},
                        {"$set": {"published_day": day}},
                    )
                )
        if updates:
            result.updated += articles.bulk_write(updates, ordered=False).modified_count
        result.checked += len(batch)
        if progress is not None:
            progress(len(batch))
