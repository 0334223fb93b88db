"""The last payload recorded for each listing URL, so that an unchanged re-poll is a revisit.

Fronts, lists, feeds and sitemaps are fetched again on every run, and many are unchanged since
the last. Their records then need not hold the payload again: a ``revisit`` record (profile
identical-payload-digest) says "same as the record of this URL at that date". The crawl must know
what it recorded last time, across crawls and processes: one small SQLite file per WARC directory
(``digests.sqlite3``: URL, payload digest, record id, date) answers that. Several crawls may share
it (SQLite's locking; WAL journal); an entry is written only after its record is on disk, so a
killed crawl can lose an entry (the next poll is then a full response again), never point at a
record that is not there.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "digests.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS last_payload (
    url TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    record_id TEXT NOT NULL,
    date TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Recorded:
    """The last full record of a URL's payload."""

    digest: str
    record_id: str
    date: str  # WARC-Date of that record, as written


class DigestIndex:
    """The last payload digest per URL of one WARC directory. Used from one thread."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        return self._db

    def last(self, url: str) -> Recorded | None:
        row = self._connection().execute(
            "SELECT digest, record_id, date FROM last_payload WHERE url = ?", (url,)).fetchone()
        return Recorded(*row) if row else None

    def remember(self, url: str, digest: str, record_id: str, date: str) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO last_payload (url, digest, record_id, date) VALUES (?, ?, ?, ?)",
            (url, digest, record_id, date))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
