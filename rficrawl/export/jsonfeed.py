"""JSON (and CSV) feeds whose dates read back: ISO 8601 in UTC with ``Z``.

Scrapy's own JSON exporters write a datetime as ``2025-11-30 09:13:47``, dropping its time zone,
so ``-O out.jsonl`` would not round-trip. These subclasses change only how values are written:
dates as ``2025-11-30T09:13:47Z`` (``rficrawl.dates.jsonable``); in CSV, lists and objects (tags,
authors, image) as JSON, and a cell that a spreadsheet would read as a formula guarded.
"""

from __future__ import annotations

from typing import Any

from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter

from rficrawl.dates import jsonable, to_json
from rficrawl.export.escaping import csv_cell


class _IsoDates:
    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return super().serialize_field(field, name, jsonable(value))


class JsonLinesExporter(_IsoDates, JsonLinesItemExporter):
    """Feed formats ``jsonlines``, ``jsonl``, ``jl``: one article a line."""


class JsonExporter(_IsoDates, JsonItemExporter):
    """Feed format ``json``: one array of articles."""


class CsvExporter(CsvItemExporter):
    """Feed format ``csv``: one article a row; lists and objects as JSON text, dates ISO UTC; a
    text that a spreadsheet would read as a formula guarded by an apostrophe
    (``rficrawl.export.escaping.csv_cell``)."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, list | tuple | dict):
            return to_json(value)
        serialized = super().serialize_field(field, name, jsonable(value))
        return csv_cell(serialized) if isinstance(serialized, str) else serialized
