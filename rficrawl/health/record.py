"""Reading a crawl's record (``crawls``): its verdict, duration and errors, as the listing, the
report and their tests show them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from rficrawl.store.connection import CRAWLS


def last_crawls(db: Database, limit: int, spider: str | None = None) -> list[dict[str, Any]]:
    """The last ``limit`` crawl records, newest first: a find sorted on the indexed
    ``started_at``, limited."""
    query = {"spider": spider} if spider else {}
    return list(db[CRAWLS].find(query).sort("started_at", DESCENDING).limit(limit))


def verdict(record: Mapping[str, Any]) -> str:
    """``passed``, ``failed``, ``running (or crashed)``, or ``not checked`` (no monitors ran)."""
    if record.get("status") == "running":
        return "running (or crashed)"
    health = record.get("health") or {}
    return health.get("verdict") or "not checked"


def duration(record: Mapping[str, Any]) -> float | None:
    started, finished = record.get("started_at"), record.get("finished_at")
    if isinstance(started, dt.datetime) and isinstance(finished, dt.datetime):
        return (finished - started).total_seconds()
    return None


def errors(record: Mapping[str, Any]) -> int:
    """Download errors and 4xx/5xx responses of a crawl (its record's ``errors``)."""
    return sum(value for key, value in (record.get("errors") or {}).items()
               if key.startswith(("downloader/exception_type_count/",
                                  "downloader/response_status_count/"))
               and not key.endswith("IgnoreRequest"))
