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
from rich.markup import escape
from rich.table import Table

from rficrawl.cli.store import add_store_arguments, open_database
from rficrawl.dates import to_json
from rficrawl.health.record import duration, errors, last_crawls, verdict


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawls",
        help="past crawls with their verdicts (monitors passed or failed)",
        description="The last crawls, newest first: start, duration, finish reason, "
        "requests, articles new/updated/unchanged/dropped, errors, browser escalations, and the monitors' "
        "verdict with what failed. Exit status 1 when the newest listed crawl failed its "
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
        for column in ("crawl", "started (UTC)", "took", "finish", "requests", "new", "updated",
                       "unchanged", "dropped", "errors", "escalated", "verdict"):
            table.add_column(column, overflow="fold")
        for record in records:
            counts = record.get("counts") or {}
            health = record.get("health") or {}
            started = record.get("started_at")
            state = verdict(record)
            failed = escape("\n".join(health.get("failed") or []))
            table.add_row(
                str(record["_id"]),
                started.strftime("%Y-%m-%d %H:%M") if isinstance(started, dt.datetime) else "",
                _seconds(duration(record)),
                str(record.get("finish_reason") or ""),
                str(record.get("requests", "")),
                *(str(counts.get(name, 0)) for name in ("new", "updated", "unchanged",
                                                        "dropped")),
                str(errors(record)),
                str(health.get("escalated", "")),
                f"[red]{state}[/red]\n{failed}" if state == "failed" else state,
            )
        console.print(table)
    newest = records[0] if records else {}
    bad = verdict(newest) == "failed" or newest.get("finish_reason") == "site_unreachable"
    return 1 if bad else 0
