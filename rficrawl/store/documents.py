"""How an article item becomes a MongoDB document, and back to JSON.

One place decides the stored shape so that the pipeline, ``rficrawl store replay`` and the bench
write exactly the same documents: ``_id`` is RFI's stable ``content_id`` when the page has one (a
slug can change, the id does not), else the canonical URL; datetimes are BSON dates at millisecond
precision (what BSON keeps), so a document read back compares equal to a fresh one. Which fields
are dates and which are the store's bookkeeping is the schema's (``rficrawl.items``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bson import json_util
from bson.json_util import JSONMode, JSONOptions
from itemadapter import ItemAdapter

from rficrawl.dates import paris_day
from rficrawl.items import ARTICLE_FIELDS, BOOKKEEPING_FIELDS, STORE_FIELDS, Kind

DATE_FIELDS = tuple(name for name, spec in ARTICLE_FIELDS.items() if spec.kind is Kind.DATE)
# Lossless JSON for spill files: dates as {"$date": ...}, read back as aware UTC datetimes.
SPILL_JSON_OPTIONS = JSONOptions(json_mode=JSONMode.RELAXED, tz_aware=True, tzinfo=dt.UTC)
_SURROGATE = re.compile("[\ud800-\udfff]")


def article_id(item: Mapping[str, Any]) -> str:
    """The stable key of an article: ``content_id`` when present, else its canonical URL."""
    return item.get("content_id") or item["url"]


def to_utc_ms(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime cut to milliseconds, the precision BSON dates keep."""
    value = value.astimezone(dt.UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def to_document(item: Any) -> dict[str, Any]:
    """The document stored in ``articles`` for a validated item (bookkeeping fields excepted).

    Applying it to a document it produced gives the same document, so spill files (documents)
    and feed exports (items) replay through the same path.
    """
    doc = {k: v for k, v in ItemAdapter(item).items() if v is not None and k not in STORE_FIELDS}
    for name in DATE_FIELDS:
        if isinstance(doc.get(name), dt.datetime):
            doc[name] = to_utc_ms(doc[name])
    doc["_id"] = article_id(doc)
    if isinstance(doc.get("published_at"), dt.datetime):
        # The Paris day (rficrawl.dates), as a plain string: `rficrawl stats` groups by it on
        # servers without date operators.
        doc["published_day"] = paris_day(doc["published_at"]).isoformat()
    return doc


def content_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The fields RFI published, without the store's bookkeeping."""
    return {k: v for k, v in doc.items() if k not in BOOKKEEPING_FIELDS}


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Names of the published fields that differ between two versions of an article."""
    before, after = content_of(old), content_of(new)
    names = sorted(set(before) | set(after))
    return [
        name for name in names if name != "content_hash" and before.get(name) != after.get(name)
    ]


def parse_dates(obj: dict[str, Any]) -> dict[str, Any]:
    """Turn ISO 8601 date strings (as in ``-O items.jsonl`` feeds) into aware UTC datetimes."""
    for name in DATE_FIELDS:
        value = obj.get(name)
        if isinstance(value, str) and value:
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                continue  # left as a string: validation drops it with its reason
            obj[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return obj


def dumps_spill(doc: Mapping[str, Any]) -> str:
    """One spill-file line for a document, lossless (dates keep their type).

    Text is written as it is (UTF-8), except in a document holding a lone surrogate, which UTF-8
    cannot write: that line escapes every non-ASCII character (``\\ud83d``), which reads back
    to the same text.
    """
    line = json_util.dumps(doc, json_options=SPILL_JSON_OPTIONS, ensure_ascii=False)
    if _SURROGATE.search(line):
        return json_util.dumps(doc, json_options=SPILL_JSON_OPTIONS, ensure_ascii=True)
    return line


def loads_line(line: str) -> Any:
    """A spill-file or feed-export line: an item dict with datetimes (any other JSON value as
    it is, for the caller to refuse)."""
    value = json_util.loads(line, json_options=SPILL_JSON_OPTIONS)
    return parse_dates(value) if isinstance(value, dict) else value


def names(values: Iterable[Any]) -> str:
    """Authors or tags as one readable string (``"A; B"``) for tables and CSV."""
    out = []
    for value in values or ():
        out.append(value.get("name", "") if isinstance(value, Mapping) else str(value))
    return "; ".join(v for v in out if v)
