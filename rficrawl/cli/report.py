"""``rficrawl report``: write the archive's report, one self-contained HTML file."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pymongo.errors import PyMongoError

from rficrawl.cli.main import CommandError
from rficrawl.cli.store import add_store_arguments, open_database
from rficrawl.dates import paris_day
from rficrawl.editions import editions
from rficrawl.report.data import read_report
from rficrawl.report.page import render

DEFAULT_DAYS = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="an HTML report: articles per day, fill rates, crawls, revisions, tags",
        description="Write one self-contained HTML page (charts inline, nothing fetched): "
        "articles per day per edition with the missing days, field fill rates per edition, "
        "crawls over time with their monitors' verdicts, revisions per day, top tags, the last "
        "crawls.",
    )
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument("--since", help=f"first Paris day, YYYY-MM-DD (default: {DEFAULT_DAYS} "
                        "days before --until)")
    parser.add_argument("--until", help="last Paris day, YYYY-MM-DD (default: today)")
    parser.add_argument("--edition", action="append", default=[],
                        help="e.g. cn (repeatable; default: every edition with articles)")
    add_store_arguments(parser)
    parser.set_defaults(func=run_report)


def _day(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} {text!r} is not a day: use YYYY-MM-DD") from None


def run_report(args: argparse.Namespace) -> int:
    until = _day("--until", args.until) if args.until else paris_day(dt.datetime.now(dt.UTC))
    since = _day("--since", args.since) if args.since else until - dt.timedelta(days=DEFAULT_DAYS)
    if since > until:
        raise CommandError(f"--since {since} is after --until {until}")
    known = editions()
    chosen = [e.strip() for value in args.edition for e in value.split(",") if e.strip()]
    for edition in chosen:
        if edition not in known:
            raise CommandError(f"unknown edition {edition!r}; known: {', '.join(known)}")
    db = open_database(args)
    try:
        data = read_report(db, chosen or list(known), since, until, chosen=bool(chosen))
    except PyMongoError as exc:
        raise CommandError(f"MongoDB error: {exc}") from None
    page = render(data, db.name, dt.datetime.now(dt.UTC))
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror}") from None
    print(f"report of {since} to {until} written to {args.out}", file=sys.stderr)
    return 0
