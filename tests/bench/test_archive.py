"""bench/archive.py runs end to end on the test server: a tiny archive, every figure printed.

A smoke test, not a measurement (no figure is judged here): it catches a bench that no longer runs
after a change of the store, the CLI or the data it generates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pymongo
import pytest

from rficrawl.ops.mongo import RunningServer

REPO = Path(__file__).resolve().parents[2]
FIGURES = (
    "known-article check (200 URLs, half stored)",
    "article by URL",
    "article by content_id",
    "newest 20 of an edition",
    "a day of an edition (3-10 articles)",
    "a day of an edition, any day (answer grows)",
    "newest 20 of a tag (tags of 20+ articles)",
    "a week or more (100+ articles), newest 100",
    "count of an edition",
    "rficrawl stats",
    "rficrawl articles (edition, section, 30+ days: 20 articles)",
    "rficrawl show",
    "rficrawl revisions",
    "export jsonl, everything (peak RSS)",
    "upserts, new (articles/s)",
    "upserts, unchanged (articles/s)",
    "upserts, changed (articles/s)",
    "disk per article, server storage + indexes (dbStats)",
)


@pytest.mark.slow
def test_bench_archive_runs_on_a_small_archive(mongo_server: RunningServer, tmp_path: Path):
    chart = tmp_path / "archive.svg"
    before = set(_databases(mongo_server.uri))
    result = subprocess.run(
        [sys.executable, "bench/archive.py", "--sizes", "200,400", "--repeat", "2",
         "--min-repeat", "1", "--budget", "0", "--upserts", "20", "--chart", str(chart)],
        cwd=REPO, env=_env(mongo_server.uri), capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    for name in FIGURES:
        line = next((row for row in table.splitlines() if row.startswith(name)), None)
        assert line is not None, f"{name} missing from:\n{table}"
    assert "targets at 400 articles:" in table
    # Listings say how many articles they returned, and the answer-bound one its time per article.
    day = next(row for row in table.splitlines() if row.startswith("a day of an edition (3-10"))
    assert "returned" in day
    assert "per returned article at 400" in table
    assert "<svg" in chart.read_text()[:500]
    # The bench's own database (and its scratch one) are gone: it works in a database of its own.
    assert set(_databases(mongo_server.uri)) <= before | {"admin", "config", "local"}


def _databases(uri: str) -> list[str]:
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=10_000) as client:
        return client.list_database_names()


def _env(uri: str) -> dict[str, str]:
    return {**os.environ, "MONGO_URI": uri}
