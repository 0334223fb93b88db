"""The queries of the query and export commands: article filters, lookups, listings, counts.

Kept apart from the CLI so the same query serves ``articles``, ``export``, ``show``,
``revisions``, the examples of docs/storage.md and bench/archive.py (which times these very
functions, so a change of query shape shows in its figures). Only operators that mongod and FerretDB 1.x both implement are used: text search
is a case-insensitive ``$regex`` over title, lead and body (FerretDB has no ``$text``), which also
matches Chinese and other scripts without word boundaries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.cursor import Cursor
from pymongo.database import Database

from rficrawl.store.connection import ARTICLES, REVISIONS

SEARCH_FIELDS = ("title", "lead", "body_text")
# Characters with a meaning in regular expressions (PCRE and Go's RE2 alike), escaped one by one:
# re.escape also escapes spaces and letters RE2 refuses to see escaped.
_REGEX_SPECIAL = set("\\.^$|?*+()[]{}-/")


def regex_literal(text: str) -> str:
    """``text`` as a regular expression matching exactly it."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def article_filter(
    editions: Sequence[str] = (),
    section: str | Sequence[str] | None = None,
    tags: Sequence[str] = (),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    search: str | None = None,
) -> dict[str, Any]:
    """The ``find`` filter for these criteria (all of them must hold). ``since`` and ``until``
    bound ``published_at`` (``until`` exclusive), as ``rficrawl.dates.parse_bound`` gives them.
    ``section`` is one value of the ``section`` field (a slug) or several
    (:func:`section_slugs` gives them for what a user typed)."""
    clauses: list[dict[str, Any]] = []
    if editions:
        clauses.append({"edition": {"$in": list(editions)}})
    sections = [section] if isinstance(section, str) else list(section or ())
    if len(sections) == 1:
        clauses.append({"section": sections[0]})
    elif sections:
        clauses.append({"section": {"$in": sections}})
    for tag in tags:
        clauses.append({"tags": tag})
    if since or until:
        window: dict[str, Any] = {}
        if since:
            window["$gte"] = since
        if until:
            window["$lt"] = until
        clauses.append({"published_at": window})
    if search:
        pattern = {"$regex": regex_literal(search), "$options": "i"}
        clauses.append({"$or": [{name: pattern} for name in SEARCH_FIELDS]})
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def section_slugs(db: Database, typed: str) -> list[str]:
    """What ``--section`` matches: ``typed`` as a slug (``asie-pacifique``; also the name that
    articles stored before ``section_name`` hold in ``section``), and the slug of every section
    the site shows under that name (``Asie-Pacifique``). The query then filters on ``section``
    alone, which its index serves.

    The slugs of a name are read one at a time from the ``section_name_section`` index, each the
    first one after the last (a loose index scan): a handful of index reads, where ``distinct``
    would read every article of the section on a server that answers it from documents."""
    named: list[str] = []
    condition: dict[str, Any] = {"section_name": typed}
    while True:
        first = (
            db[ARTICLES]
            .find(condition, {"section": 1, "_id": 0})
            .sort("section", ASCENDING)
            .limit(1)
        )
        slug = next((doc.get("section") for doc in first), None)
        if not isinstance(slug, str):
            break
        named.append(slug)
        condition = {"section_name": typed, "section": {"$gt": slug}}
    return [typed, *(slug for slug in named if slug != typed)]


def find_article(db: Database, key: str) -> dict[str, Any] | None:
    """The article stored under ``key``: its ``_id`` (RFI's content_id), else its URL."""
    return db[ARTICLES].find_one({"_id": key}) or db[ARTICLES].find_one({"url": key})


def newest_first(
    db: Database, query: dict[str, Any], limit: int = 0, fields: Sequence[str] | None = None
) -> Cursor:
    """The articles matching ``query``, newest publication first; ``limit`` 0 means all.

    ``fields`` (with ``_id``) are all that come back when given: a listing that shows a few
    fields of each article then does not have whole articles (~11 KB each) encoded, sent and
    decoded."""
    cursor = db[ARTICLES].find(query, fields).sort("published_at", DESCENDING)
    return cursor.limit(limit) if limit else cursor


def count_articles(db: Database, query: dict[str, Any]) -> int:
    """How many articles match ``query``."""
    return db[ARTICLES].count_documents(query)


def earlier_versions(
    db: Database, article_id: Any, fields: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The stored earlier versions of an article, oldest first; only ``fields`` (with ``_id``) of
    each when given (a version holds the whole earlier article)."""
    cursor = db[REVISIONS].find({"article_id": article_id}, fields)
    return list(cursor.sort("revision", ASCENDING))
