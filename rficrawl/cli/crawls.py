"""``rficrawl crawls``: the past crawls and their verdicts, newest first.

Each crawl's ``crawls`` record: when and how long, why it ended, what it fetched and stored, its
errors, and its monitors' verdict with the monitors that failed (``rficrawl.health``). A crawl
still ``running`` long after its start crashed or was killed. One sorted, limited find on the
indexed ``started_at``.
"""

from __future__ import annotations

import argparse
import datetime as dt

from rich.console import Console
from rich.table import Table

from rficrawl.cli.store import add_store_arguments, open_database
from rficrawl.dates import to_json
from rficrawl.health.record import duration, errors, last_crawls, verdict


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawls",
        help="past crawls with their verdicts (monitors passed or failed)",
        description="The last crawls, newest first: start, duration, finish reason, articles "
        "new, updated and dropped, errors, and the monitors' verdict; then what failed. --json "
        "gives the whole records. Exit status 1 when the newest listed crawl failed its "
        "monitors or could not reach the site.",
    )
    parser.add_argument("--spider", help="only this spider's crawls")
    parser.add_argument("--limit", type=int, default=20, help="crawls listed (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="the records as JSON lines")
    add_store_arguments(parser)
    parser.set_defaults(func=run_crawls)


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def run_crawls(args: argparse.Namespace) -> int:
    db = open_database(args)
    records = last_crawls(db, args.limit, args.spider)
    if args.json:
        for record in records:
            print(to_json(record))
    else:
        console = Console(highlight=False)
        table = Table(title=f"last {len(records)} crawls in {db.name}")
        table.add_column("crawl", no_wrap=True)
        for column in ("started (UTC)", "took", "finish", "new", "updated", "dropped", "errors"):
            table.add_column(column)
        table.add_column("verdict", no_wrap=True)
        failures = []
        for record in records:
            counts = record.get("counts") or {}
            started = record.get("started_at")
            state = verdict(record)
            failures += [(record["_id"], failure)
                         for failure in (record.get("health") or {}).get("failed") or []]
            table.add_row(
                str(record["_id"]),
                started.strftime("%Y-%m-%d %H:%M") if isinstance(started, dt.datetime) else "",
                _seconds(duration(record)),
                str(record.get("finish_reason") or ""),
                *(str(counts.get(name, 0)) for name in ("new", "updated", "dropped")),
                str(errors(record)),
                f"[red]{state}[/red]" if state == "failed" else state,
            )
        console.print(table)
        for crawl_id, failure in failures:
            console.print(f"{crawl_id}: {failure}", markup=False)
    newest = records[0] if records else {}
    bad = verdict(newest) == "failed" or newest.get("finish_reason") == "site_unreachable"
    return 1 if bad else 0
