"""Validation of an article item before it is stored.

A bad item must never reach the archive silently: it is dropped with a short machine-readable
reason (``missing_title``, ``bad_type_tags``, ``date_out_of_range_published_at``...), counted in
the crawl stats as ``rficrawl/dropped/<reason>`` and in the ``crawls`` record, and logged with the
URL that produced it so the extractor can be fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from itemadapter import ItemAdapter

from rficrawl.editions import editions

REQUIRED_TEXT = ("url", "edition", "title", "content_hash")
OPTIONAL_TEXT = (
    "content_id",
    "language",
    "section",
    "kicker",
    "content_type",
    "lead",
    "body_html",
    "body_text",
)
LISTS_OF_TEXT = ("tags", "keywords")
LISTS_OF_OBJECTS = ("authors", "media", "live_posts")
OBJECTS = ("image", "twin_urls")
DATES = ("published_at", "modified_at", "fetched_at")
# RFI's site archive starts in the late 1990s; a date before that, or days in the future, is a
# parsing error (a wrong format or time zone), not news.
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(days=2)


class InvalidItem(ValueError):
    """An item that cannot be stored; ``reason`` is the stats key suffix."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def validate_item(item: Any, now: dt.datetime | None = None) -> None:
    """Raise ``InvalidItem`` for the first problem found in ``item``; return None if it is storable."""
    fields: Mapping[str, Any] = ItemAdapter(item)
    now = now or dt.datetime.now(dt.UTC)
    for name in REQUIRED_TEXT:
        value = fields.get(name)
        if value is None or value == "":
            raise InvalidItem(f"missing_{name}", f"the item has no {name}")
        if not isinstance(value, str):
            raise InvalidItem(f"bad_type_{name}", f"{name} is {type(value).__name__}, not text")
    url = fields["url"]
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise InvalidItem("bad_url", f"url {url!r} is not an absolute http(s) URL")
    if fields["edition"] not in editions():
        raise InvalidItem(
            "unknown_edition", f"edition {fields['edition']!r} is not in editions.toml"
        )
    for name in OPTIONAL_TEXT:
        _check_type(fields, name, str, "text")
    for name in LISTS_OF_TEXT:
        _check_list(fields, name, str, "text")
    for name in LISTS_OF_OBJECTS:
        _check_list(fields, name, Mapping, "objects")
    for name in OBJECTS:
        _check_type(fields, name, Mapping, "an object")
    word_count = fields.get("word_count")
    if word_count is not None and (
        isinstance(word_count, bool) or not isinstance(word_count, int) or word_count < 0
    ):
        raise InvalidItem("bad_type_word_count", f"word_count {word_count!r} is not a count")
    for name in DATES:
        value = fields.get(name)
        if value is None:
            continue
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise InvalidItem(
                f"bad_type_{name}", f"{name} {value!r} is not a timezone-aware datetime"
            )
        if not EARLIEST <= value <= now + FUTURE_TOLERANCE:
            raise InvalidItem(
                f"date_out_of_range_{name}",
                f"{name} {value.isoformat()} is outside {EARLIEST.date()} .. now",
            )


def _check_type(fields: Mapping[str, Any], name: str, kind: type, what: str) -> None:
    value = fields.get(name)
    if value is not None and not isinstance(value, kind):
        raise InvalidItem(f"bad_type_{name}", f"{name} is {type(value).__name__}, not {what}")


def _check_list(fields: Mapping[str, Any], name: str, kind: type, what: str) -> None:
    value = fields.get(name)
    if value is None:
        return
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, kind) for v in value):
        raise InvalidItem(f"bad_type_{name}", f"{name} is not a list of {what}")
