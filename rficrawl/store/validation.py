"""Validation of an article item before it is stored, and of the document made from it.

A bad item must never reach the archive silently: it is dropped with a short machine-readable
reason (``missing_title``, ``bad_type_tags``, ``date_out_of_range_published_at``...), counted in
the crawl stats as ``rficrawl/dropped/<reason>`` and in the ``crawls`` record, and logged with the
URL that produced it so the extractor can be fixed.

The document is checked too, once, before it joins a batch (``check_document``): a document that
BSON cannot encode or that is too large fails inside the bulk write with an error that is not a
``PyMongoError``, so it would take its whole batch down with it. Encoding each document once
finds it beforehand, by itself, and costs a small fraction of the write.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import bson
from bson.errors import BSONError
from itemadapter import ItemAdapter

from rficrawl.editions import editions
from rficrawl.items import ARTICLE_FIELDS, STRING_KINDS, Kind
from rficrawl.store.documents import to_document

REQUIRED = tuple((name, spec.kind) for name, spec in ARTICLE_FIELDS.items() if spec.required)
# The other fields are checked kind after kind, in this order.
_KIND_ORDER = (STRING_KINDS, {Kind.TEXT_LIST}, {Kind.OBJECT_LIST}, {Kind.OBJECT}, {Kind.COUNT},
               {Kind.DATE})
OPTIONAL = tuple((name, spec.kind) for kinds in _KIND_ORDER for name, spec in ARTICLE_FIELDS.items()
                 if not spec.required and spec.kind in kinds)
# RFI's site archive starts in the late 1990s; a date before that, or days in the future, is a
# parsing error (a wrong format or time zone), not news.
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(days=2)
# MongoDB's (and FerretDB's) maxBsonObjectSize. The writer adds to a checked document: the
# bookkeeping fields of an article, and, when a revision wraps the version it replaces, the
# revision's own fields, among them the article's id twice (``_id`` "<id>@<n>", ``article_id``).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
WRITER_HEADROOM_BYTES = 16 * 1024
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Keys FerretDB refuses and MongoDB cannot query: "$..." and dotted ones; BSON refuses NUL.
_BAD_KEY = re.compile("^[$]|[.\x00]")
_CONTAINERS = (dict, list, tuple)
# What bson.encode raises for a value it cannot take: InvalidDocument (no BSON type), a
# UnicodeEncodeError (a lone surrogate), ValueError (a UUID), OverflowError (an int over 64 bits).
_UNENCODABLE = (BSONError, ValueError, ArithmeticError)


class InvalidItem(ValueError):
    """An item that cannot be stored; ``reason`` is the stats key suffix."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def validate_item(item: Any, now: dt.datetime | None = None) -> None:
    """Raise ``InvalidItem`` for the first problem found in ``item``; return None if it is storable.

    What each field must be comes from the schema (``rficrawl.items``): the required fields
    first, then the URLs and the edition, then the other fields kind after kind.
    """
    fields: Mapping[str, Any] = ItemAdapter(item)
    now = now or dt.datetime.now(dt.UTC)
    for name, kind in REQUIRED:
        value = fields.get(name)
        if value is None or value == "":
            raise InvalidItem(f"missing_{name}", f"the item has no {name}")
        _check[kind](name, value, now)
    url = fields["url"]
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise InvalidItem("bad_url", f"url {url!r} is not an absolute http(s) URL")
    if fields["edition"] not in editions():
        raise InvalidItem(
            "unknown_edition", f"edition {fields['edition']!r} is not in editions.toml"
        )
    for name, kind in OPTIONAL:
        value = fields.get(name)
        if value is not None:
            _check[kind](name, value, now)


def _check_text(name: str, value: Any, now: dt.datetime) -> None:
    if not isinstance(value, str):
        raise InvalidItem(f"bad_type_{name}", f"{name} is {type(value).__name__}, not text")


def _check_object(name: str, value: Any, now: dt.datetime) -> None:
    if not isinstance(value, Mapping):
        raise InvalidItem(f"bad_type_{name}", f"{name} is {type(value).__name__}, not an object")


def _list_check(kind: type, what: str):
    def check(name: str, value: Any, now: dt.datetime) -> None:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, kind) for v in value):
            raise InvalidItem(f"bad_type_{name}", f"{name} is not a list of {what}")

    return check


def _check_count(name: str, value: Any, now: dt.datetime) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidItem(f"bad_type_{name}", f"{name} {value!r} is not a count")


def _check_date(name: str, value: Any, now: dt.datetime) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise InvalidItem(f"bad_type_{name}", f"{name} {value!r} is not a timezone-aware datetime")
    if not EARLIEST <= value <= now + FUTURE_TOLERANCE:
        raise InvalidItem(
            f"date_out_of_range_{name}",
            f"{name} {value.isoformat()} is outside {EARLIEST.date()} .. now",
        )


_check = {
    Kind.TEXT: _check_text,
    Kind.HTML: _check_text,
    Kind.URL: _check_text,
    Kind.TEXT_LIST: _list_check(str, "text"),
    Kind.OBJECT_LIST: _list_check(Mapping, "objects"),
    Kind.OBJECT: _check_object,
    Kind.COUNT: _check_count,
    Kind.DATE: _check_date,
}


def storable_document(item: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """The document to store for ``item``; ``InvalidItem`` when the item or its document is bad.

    What a crawl and ``rficrawl store replay`` both do with each item before it joins a batch.
    """
    validate_item(item, now)
    doc = to_document(item)
    check_document(doc)
    return doc


def check_document(doc: Mapping[str, Any]) -> None:
    """Raise ``InvalidItem`` when MongoDB could not store ``doc`` (from ``to_document``).

    Reasons: ``bad_key_<field>`` (a key that starts with ``$`` or holds ``.`` or NUL, which
    FerretDB refuses and MongoDB cannot query), ``bad_text_<field>`` (text UTF-8 cannot encode,
    a lone surrogate), ``bad_value_<field>`` (a value BSON has no type for), ``too_deep`` and
    ``too_large`` (more than ``MAX_DOCUMENT_BYTES`` once the writer's fields are added).
    """
    try:
        bad_key = _first_bad_key(doc)
        size = 0 if bad_key else len(bson.encode(doc))
    except RecursionError:
        raise InvalidItem("too_deep", "the document nests deeper than BSON can encode") from None
    except _UNENCODABLE as exc:
        raise _unencodable(doc, exc) from None
    if bad_key:
        name, key = bad_key
        raise InvalidItem(_reason("bad_key", name), f"{name!r} holds the key {key!r}: no key may "
                                                    "start with '$' or hold '.' or NUL")
    room = MAX_DOCUMENT_BYTES - WRITER_HEADROOM_BYTES - 2 * len(str(doc.get("_id", "")).encode())
    if size > room:
        raise InvalidItem("too_large", f"the document takes {size:,} bytes of BSON; MongoDB "
                                       f"stores at most {MAX_DOCUMENT_BYTES:,} with the store's "
                                       f"own fields, so {room:,} for the article")


def _first_bad_key(doc: Mapping[str, Any]) -> tuple[str, str] | None:
    """(field, key) of the first bad key of the document, its fields' own names included."""
    for name, value in doc.items():
        if isinstance(name, str) and _BAD_KEY.search(name):
            return name, name
        if isinstance(value, _CONTAINERS):
            key = _bad_key_in(value)
            if key is not None:
                return name, key
    return None


def _bad_key_in(value: dict | list | tuple) -> str | None:
    """The first bad key in the objects of a value (and of the lists in it), else None.

    Documents are plain dicts and lists (``to_document``, ``json_util``): testing for those,
    not for the Mapping ABC, and skipping scalars keeps the walk cheaper than BSON's encoding.
    """
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(key, str) and _BAD_KEY.search(key):
            return key
        if isinstance(item, _CONTAINERS):
            found = _bad_key_in(item)
            if found is not None:
                return found
    return None


def _unencodable(doc: Mapping[str, Any], error: Exception) -> InvalidItem:
    """The reason for a document BSON refused, naming the first field it refuses alone."""
    for name, value in doc.items():
        try:
            bson.encode({name: value})
        except UnicodeEncodeError as exc:
            return InvalidItem(_reason("bad_text", name),
                               f"{name!r} holds text UTF-8 cannot encode ({exc})")
        except _UNENCODABLE as exc:
            return InvalidItem(_reason("bad_value", name),
                               f"{name!r} cannot be stored in BSON ({exc})")
    return InvalidItem("bad_value", f"the document cannot be stored in BSON ({error})")


def _reason(problem: str, name: Any) -> str:
    """``<problem>_<field>``; a name that is no plain field name is left out, since reasons
    become keys of the stats and of the ``crawls`` record."""
    return f"{problem}_{name}" if isinstance(name, str) and _FIELD_NAME.fullmatch(name) else problem
