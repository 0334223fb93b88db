"""What the report shows, read from the store in shapes an index answers.

- articles per day per edition: one ``$match`` on ``edition`` and the period's ``published_at``
  range (Paris days' bounds), then ``$group`` by ``published_day`` with ``$sum: 1``, per edition
  (index ``edition_published``: it reads the period's articles of the edition only);
- revisions per day: one ``count_documents`` per day on a ``superseded_at`` range (index
  ``superseded`` of ``revisions``);
- crawls: a find on a ``started_at`` range, sorted and limited, and the last crawls, sorted and
  limited (index ``crawls.started_at``);
  field fill rates come from those crawls' records (what each crawl counted as it scraped), not
  from a scan of the articles;
- top tags: ``$match`` on the ``published_at`` range (index ``published``), ``$unwind`` and
  ``$group`` by tag: it reads the tags of the period's articles only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from rficrawl.dates import day_start
from rficrawl.health.record import last_crawls
from rficrawl.health.tally import WATCHED_FIELDS
from rficrawl.store.connection import ARTICLES, CRAWLS, REVISIONS

MAX_CRAWLS = 500
TOP_TAGS = 20
LAST_CRAWLS = 20


@dataclass
class ReportData:
    since: dt.date
    until: dt.date
    editions: list[str]
    per_day: dict[str, dict[str, int]] = field(default_factory=dict)
    revisions_per_day: dict[str, int] = field(default_factory=dict)
    crawls: list[dict[str, Any]] = field(default_factory=list)
    fill_rates: dict[str, dict[str, float]] = field(default_factory=dict)
    top_tags: list[tuple[str, int]] = field(default_factory=list)
    last_crawls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def days(self) -> list[str]:
        count = (self.until - self.since).days + 1
        return [(self.since + dt.timedelta(days=n)).isoformat() for n in range(count)]

    def articles(self, edition: str) -> int:
        return sum(self.per_day.get(edition, {}).values())


def articles_per_day(db: Database, edition: str, since: dt.date, until: dt.date) -> dict[str, int]:
    """Articles of one edition per Paris day (``published_day``) from ``since`` to ``until``.
    The window is on ``published_at`` (the Paris days' bounds, the same articles as a
    ``published_day`` range), which the ``edition_published`` index serves."""
    window = {"$gte": day_start(since), "$lt": day_start(until + dt.timedelta(days=1))}
    pipeline = [
        {"$match": {"edition": edition, "published_at": window}},
        {"$group": {"_id": "$published_day", "n": {"$sum": 1}}},
    ]
    return {row["_id"]: row["n"] for row in db[ARTICLES].aggregate(pipeline)}


def revisions_per_day(db: Database, since: dt.date, until: dt.date) -> dict[str, int]:
    """Earlier versions kept per Paris day (when the new version replaced them)."""
    counts = {}
    day = since
    while day <= until:
        window = {"$gte": day_start(day), "$lt": day_start(day + dt.timedelta(days=1))}
        counts[day.isoformat()] = db[REVISIONS].count_documents({"superseded_at": window})
        day += dt.timedelta(days=1)
    return counts


def crawls_between(db: Database, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """The crawls started in the period, oldest first (at most the last ``MAX_CRAWLS``)."""
    window = {"$gte": day_start(since), "$lt": day_start(until + dt.timedelta(days=1))}
    newest = db[CRAWLS].find({"started_at": window}).sort("started_at", DESCENDING)
    return sorted(newest.limit(MAX_CRAWLS), key=lambda record: record["started_at"])


def fill_rates(crawls: list[dict[str, Any]], editions: list[str]) -> dict[str, dict[str, float]]:
    """Per edition, the share of the articles the crawls scraped that had each watched field."""
    filled: defaultdict[str, Counter[str]] = defaultdict(Counter)
    articles: Counter[str] = Counter()
    for record in crawls:
        for edition, figures in ((record.get("health") or {}).get("editions") or {}).items():
            if edition in editions and figures.get("articles"):
                articles[edition] += figures["articles"]
                filled[edition].update(figures.get("fields") or {})
    return {edition: {name: filled[edition][name] / articles[edition] for name in WATCHED_FIELDS}
            for edition in editions if articles[edition]}


def top_tags(db: Database, editions: list[str], since: dt.date, until: dt.date,
             limit: int = TOP_TAGS) -> list[tuple[str, int]]:
    """The most used tags of the period's articles, with their counts."""
    match: dict[str, Any] = {"published_at": {"$gte": day_start(since),
                                              "$lt": day_start(until + dt.timedelta(days=1))}}
    if editions:
        match["edition"] = {"$in": editions}
    pipeline = [
        {"$match": match},
        {"$project": {"tags": 1}},
        {"$unwind": "$tags"},
        {"$group": {"_id": "$tags", "n": {"$sum": 1}}},
        {"$sort": {"n": DESCENDING, "_id": ASCENDING}},
        {"$limit": limit},
    ]
    return [(row["_id"], row["n"]) for row in db[ARTICLES].aggregate(pipeline)]


def read_report(db: Database, editions: list[str], since: dt.date, until: dt.date,
                chosen: bool) -> ReportData:
    """Everything the page shows. ``chosen``: the editions were picked (``--edition``), so tags
    are limited to them; otherwise editions without any article in the period are left out."""
    data = ReportData(since, until, list(editions))
    for edition in editions:
        data.per_day[edition] = articles_per_day(db, edition, since, until)
    if not chosen:
        data.editions = [e for e in editions if data.per_day[e]] or data.editions
    data.revisions_per_day = revisions_per_day(db, since, until)
    data.crawls = crawls_between(db, since, until)
    data.fill_rates = fill_rates(data.crawls, data.editions)
    data.top_tags = top_tags(db, editions if chosen else [], since, until)
    data.last_crawls = last_crawls(db, LAST_CRAWLS)
    return data
