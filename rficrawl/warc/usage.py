"""The disk the WARC files take: per crawl (its ``crawls`` record) and per edition (``stats``).

A crawl counts what it writes in its stats as it goes (``rficrawl/warc/...``, by the recorder);
the store keeps those figures in the crawl's record (``warc``: files, records by type, bytes, and
bytes per edition), and ``rficrawl stats`` adds up the records. The sum covers every crawl that
finished with the store on, wherever its files are now (moved to cold storage included); a crawl
killed before its end left no figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pymongo.database import Database

from rficrawl.store.connection import CRAWLS

STATS = "rficrawl/warc"
FILE_NAMES_STAT = f"{STATS}/file_names"


def crawl_figures(stats: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a crawl wrote, from its stats; None when it wrote no WARC file."""
    total = stats.get(f"{STATS}/bytes")
    if not total:
        return None
    records, editions = {}, []
    for key, value in sorted(stats.items()):
        if key.startswith(f"{STATS}/records/"):
            records[key.rsplit("/", 1)[1]] = value
        elif key.startswith(f"{STATS}/bytes_by_edition/"):
            editions.append({"edition": key.rsplit("/", 1)[1], "bytes": value})
    return {"files": list(stats.get(FILE_NAMES_STAT) or []), "bytes": total,
            "records": records, "editions": editions}


def bytes_by_edition(db: Database) -> dict[str, int]:
    """WARC bytes written per edition by every recorded crawl, most first.

    Added up here, not by ``$unwind``/``$group``: FerretDB does not unwind a nested field. The
    crawls collection holds one small record per crawl, read with only its ``warc`` figures.
    """
    totals: Counter[str] = Counter()
    for record in db[CRAWLS].find({"warc.editions": {"$exists": True}}, {"warc": 1}):
        for entry in (record.get("warc") or {}).get("editions") or ():
            totals[str(entry.get("edition"))] += int(entry.get("bytes") or 0)
    return dict(totals.most_common())
