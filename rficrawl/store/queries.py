"""The article filters of the query and export commands, as MongoDB queries.

Kept apart from the CLI so the same filter serves ``articles``, ``export`` and the examples of
docs/storage.md. Only operators that mongod and FerretDB 1.x both implement are used: text search
is a case-insensitive ``$regex`` over title, lead and body (FerretDB has no ``$text``), which also
matches Chinese and other scripts without word boundaries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

SEARCH_FIELDS = ("title", "lead", "body_text")
# Characters with a meaning in regular expressions (PCRE and Go's RE2 alike), escaped one by one:
# re.escape also escapes spaces and letters RE2 refuses to see escaped.
_REGEX_SPECIAL = set("\\.^$|?*+()[]{}-/")


def regex_literal(text: str) -> str:
    """``text`` as a regular expression matching exactly it."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def article_filter(
    editions: Sequence[str] = (),
    section: str | None = None,
    tags: Sequence[str] = (),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    search: str | None = None,
) -> dict[str, Any]:
    """The ``find`` filter for these criteria (all of them must hold). ``since`` and ``until``
    bound ``published_at`` (``until`` exclusive), as ``rficrawl.dates.parse_bound`` gives them."""
    clauses: list[dict[str, Any]] = []
    if editions:
        clauses.append({"edition": {"$in": list(editions)}})
    if section:
        clauses.append({"section": section})
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
