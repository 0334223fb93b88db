"""The spill file: where articles go when MongoDB cannot take them, so that none is lost.

One JSON document per line, lossless (dates keep their type), appended and flushed to disk batch
by batch. ``rficrawl store replay FILE`` reads it back through the same validation and write logic
as a crawl, so replaying twice, or replaying what was partly stored, changes nothing more. It also
reads the JSON lines feeds of ``scrapy crawl -O items.jsonl`` (ISO dates). A line that is cut,
corrupt or refused is reported with its number and reason, and the others are read all the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bson.errors import BSONError

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
        cut = _ends_inside_a_line(self.path)
        with self.path.open("a", encoding="utf-8") as out:
            if cut:  # an earlier write cut short: its line must not swallow the next one
                out.write("\n")
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
        self.count += len(lines)
        return len(lines)


def _ends_inside_a_line(path: Path) -> bool:
    try:
        with path.open("rb") as existing:
            existing.seek(-1, os.SEEK_END)
            return existing.read(1) != b"\n"
    except OSError:  # no file yet, or an empty one
        return False


class BadLine(ValueError):
    """A line of a replayed file that gives no item: cut off, not UTF-8, not a JSON object."""


# What bson.json_util.loads raises for a line it cannot read: ValueError (JSON syntax, bad dates
# and numbers), TypeError and BSONError (malformed "$" types), ArithmeticError (overflows,
# decimals), RecursionError (nesting deeper than the parser goes).
_UNREADABLE = (ValueError, TypeError, BSONError, ArithmeticError, RecursionError)


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, item dict or the error) for every non-empty line of a spill or feed file.

    A bad line costs only itself. The last line of a file whose last write was interrupted
    (killed, disk full) lacks its newline and its end: it is reported as cut off.
    """
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, BadLine(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            try:
                obj = loads_line(line)
            except _UNREADABLE as exc:
                if not raw.endswith(b"\n"):
                    yield number, BadLine(f"{where}: cut off (the file ends inside this line, "
                                          "as when a write is interrupted)")
                else:
                    yield number, BadLine(f"{where}: not JSON ({_short(exc)})")
                continue
            if not isinstance(obj, dict):
                yield number, BadLine(f"{where}: not a JSON object")
                continue
            yield number, obj


def count_lines(path: Path) -> int:
    """Non-empty lines of a file, whatever their bytes (for a progress bar)."""
    with path.open("rb") as lines:
        return sum(1 for raw in lines if raw.strip())


def _short(error: Exception, limit: int = 160) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
