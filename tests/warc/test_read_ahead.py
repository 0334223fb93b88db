"""Reextract's read-ahead thread: the cursor's order kept, records read by file and offset, a
cursor's error raised in the caller, and the thread stopped when the caller stops early.

Unit tests with a made-up reader (the real files are read through it by test_reextract.py)."""

from __future__ import annotations

import threading

import pytest

from rficrawl.warc.reader import RecordError
from rficrawl.warc.reextract import ReadAhead


def _doc(n: int, file: str | None, offset: int = 0) -> dict:
    doc = {"_id": n, "url": f"http://127.0.0.1/cn/a{n}"}
    if file is not None:
        doc["warc"] = {"file": file, "offset": offset, "length": 10, "type": "response"}
    return doc


def test_articles_come_in_the_cursors_order_with_records_read_by_file_and_offset():
    docs = [_doc(0, "b", 50), _doc(1, "a", 900), _doc(2, None), _doc(3, "a", 20),
            _doc(4, "b", 10), _doc(5, "a", 30)]
    read = []

    def reader(location):
        read.append((location.file, location.offset))
        if location.offset == 30:
            return RecordError("damaged", "a#30: damaged")
        return f"{location.file}#{location.offset}"

    ahead = ReadAhead(docs, reader, window=4)
    try:
        got = list(ahead)
    finally:
        ahead.close()
    assert [doc["_id"] for doc, _ in got] == [0, 1, 2, 3, 4, 5]
    records = [record for _, record in got]
    assert records[:5] == ["b#50", "a#900", None, "a#20", "b#10"]
    assert isinstance(records[5], RecordError) and records[5].reason == "damaged"
    # Each window of four articles is read grouped by file, in offset order.
    assert read == [("a", 20), ("a", 900), ("b", 50), ("a", 30), ("b", 10)]


def test_an_error_of_the_cursor_is_raised_in_the_caller_after_the_articles_before_it():
    def cursor():
        yield _doc(0, "a", 0)
        raise ConnectionError("the store went away")

    ahead = ReadAhead(cursor(), lambda location: "page", window=1)
    seen = []
    with pytest.raises(ConnectionError, match="went away"):
        try:
            for doc, _ in ahead:
                seen.append(doc["_id"])
        finally:
            ahead.close()
    assert seen == [0]


def test_a_caller_that_stops_early_stops_the_thread():
    def endless():
        n = 0
        while True:
            yield _doc(n, "a", n)
            n += 1

    before = threading.active_count()
    ahead = ReadAhead(endless(), lambda location: "page", window=2)
    for doc, _ in ahead:
        if doc["_id"] == 5:
            break
    ahead.close()
    assert not ahead._thread.is_alive()
    assert threading.active_count() == before
