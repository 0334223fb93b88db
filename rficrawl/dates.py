"""Dates as rficrawl reads, stores and writes them, and the one rule for days.

- **Instants** are timezone-aware UTC ``datetime``s everywhere: pages give ISO 8601 strings with
  offsets, MongoDB gives back naive datetimes that are UTC, JSON needs ISO 8601 with ``Z``.
  ``as_utc`` reads all of them; ``jsonable`` and ``to_json`` are the one way rficrawl writes
  JSON (feeds, the CLI's ``--json``, the stats file), dates as ``2025-11-30T09:13:47Z``.
- **Days are Paris days.** RFI prints the Paris time under its titles and dates its URLs and
  content ids by the Paris day, so the archive files an article under that day
  (``export.markdown.archive_path``), ``published_day`` is that day, and a bare ``YYYY-MM-DD``
  given to a spider (``-a since=``) or to the CLI (``--since``) means that day in Paris: an
  article published at 23:30 UTC on 29 November (00:30 in Paris) belongs to 30 November.
  ``DateRange`` is such a range, as spiders and the CLI both apply it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
# An upper bound given as an instant is inclusive; this is the finest step a stored date keeps
# (BSON dates hold milliseconds), so "until T" also matches a stored T.
_INSTANT_STEP = timedelta(milliseconds=1)


def as_utc(value: object) -> datetime | None:
    """A timezone-aware UTC datetime from a datetime, a date or an ISO 8601 string; else None.

    A naive datetime (or an ISO string without offset) is taken as UTC, which is what pymongo
    returns and what RFI's datalayer writes. Unparseable input gives None rather than an error,
    because a bad date in one source must let the next source answer.
    """
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime.combine(value, time(0), tzinfo=UTC)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def isoformat_z(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, e.g. ``2025-11-30T09:13:47Z``."""
    when = as_utc(value)
    if when is None:
        raise ValueError(f"not a datetime: {value!r}")
    return when.isoformat().replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    """The value as JSON takes it: every datetime (also inside dicts and lists) as ISO 8601 UTC
    with ``Z``, every date as ``YYYY-MM-DD``; the rest as it is."""
    if isinstance(value, datetime):
        return isoformat_z(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def to_json(value: Any, **options: Any) -> str:
    """JSON text of ``value`` as rficrawl writes it: UTF-8 text (not ASCII-escaped), dates by
    ``jsonable``; ``options`` go to ``json.dumps`` (``indent``, ``sort_keys``)."""
    return json.dumps(jsonable(value), ensure_ascii=False, **options)


def paris_day(value: object) -> date | None:
    """The Paris day of an instant (anything ``as_utc`` reads): the day RFI prints and files it
    under."""
    when = as_utc(value)
    return when.astimezone(PARIS).date() if when else None


def day_start(day: date) -> datetime:
    """The instant (UTC) a Paris day starts."""
    return datetime.combine(day, time(), PARIS).astimezone(UTC)


def parse_bound(text: str, *, upper: bool) -> datetime:
    """One end of a date range: ``2023-10-01`` (a Paris day, the whole of it for an upper bound)
    or an ISO 8601 date-time (UTC when it gives no offset; an upper one is inclusive).

    Returns an aware UTC instant; an upper bound is exclusive (the start of the next day, or just
    after the instant). Raises ValueError naming the text and what to give instead.
    """
    text = str(text).strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return day_start(day + timedelta(days=1) if upper else day)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: use YYYY-MM-DD (a day in Paris time, e.g. 2023-10-01) or "
            "an ISO 8601 date-time such as 2023-10-01T08:00:00Z"
        ) from None
    when = as_utc(when)
    return when + _INSTANT_STEP if upper else when


@dataclass(frozen=True)
class DateRange:
    """Publication dates from ``since`` (inclusive) to ``until`` (exclusive), as aware UTC
    datetimes from ``parse_bound``; None leaves that end open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> DateRange:
        """The range of ``--since``/``--until`` (or ``-a since``/``until``) texts."""
        return cls(parse_bound(since, upper=False) if since else None,
                   parse_bound(until, upper=True) if until else None)

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def contains(self, when: datetime | date | None) -> bool:
        """Whether an instant or a Paris day is in range (a day: if any part of it is); an
        unknown date is let through."""
        if when is None:
            return True
        if isinstance(when, datetime):
            when = as_utc(when)
            return (self.since is None or when >= self.since) and (
                self.until is None or when < self.until
            )
        return self.overlaps_days(when, when)

    def overlaps_days(self, first: date, last: date) -> bool:
        """Whether any part of the Paris days ``first`` to ``last`` is in range."""
        start, end = day_start(first), day_start(last + timedelta(days=1))
        return (self.since is None or end > self.since) and (
            self.until is None or start < self.until
        )

    def overlaps_month(self, year: int, month: int) -> bool:
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return self.overlaps_days(date(year, month, 1), end)

    def overlaps_year(self, year: int) -> bool:
        return self.overlaps_days(date(year, 1, 1), date(year, 12, 31))

