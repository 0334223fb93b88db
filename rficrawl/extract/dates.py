"""Dates as rficrawl stores them: timezone-aware UTC ``datetime``s.

Pages give ISO 8601 strings with offsets; MongoDB gives back naive datetimes that are UTC; JSON
feeds need ISO 8601 with ``Z``. One function reads all of them so that extraction, storage and
export agree on what a date is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def as_utc(value: object) -> datetime | None:
    """A timezone-aware UTC datetime from a datetime, a date or an ISO 8601 string; else None.

    A naive datetime (or an ISO string without offset) is taken as UTC, which is what pymongo
    returns and what RFI's datalayer writes. Unparseable input gives None rather than an error,
    because a bad date in one source must let the next source answer.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(0), tzinfo=UTC)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def isoformat_z(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, e.g. ``2025-11-30T09:13:47Z``."""
    dt = as_utc(value)
    if dt is None:
        raise ValueError(f"not a datetime: {value!r}")
    return dt.isoformat().replace("+00:00", "Z")
