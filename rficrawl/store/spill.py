"""The spill file: where articles go when MongoDB cannot take them, so that none is lost.

One JSON document per line, lossless (dates keep their type), appended and flushed to disk batch
by batch. ``rficrawl store replay FILE`` reads it back through the same validation and write logic
as a crawl, so replaying twice, or replaying what was partly stored, changes nothing more. It also
reads the JSON lines feeds of ``scrapy crawl -O items.jsonl`` (ISO dates).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rficrawl.store.documents import dumps_spill, loads_line


class SpillFile:
    """Appends documents to one JSON lines file, created on the first write."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0

    def write(self, docs: Iterable[dict[str, Any]]) -> int:
        lines = [dumps_spill(doc) + "\n" for doc in docs]
        if not lines:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
        self.count += len(lines)
        return len(lines)


class BadLine(ValueError):
    """A line of a replayed file that is not a JSON object."""


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, item dict or the error) for every non-empty line of a spill or feed file."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                obj = loads_line(line)
            except ValueError as exc:
                yield number, BadLine(f"{path}:{number}: not JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                yield number, BadLine(f"{path}:{number}: not a JSON object")
                continue
            yield number, obj
