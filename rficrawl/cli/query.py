"""``rficrawl articles|show|revisions|export|stats``: the archive for people who do not write
Mongo queries. Tables by default (rich), ``--json`` for scripts; every command takes
``--mongo-uri``/``--db`` and fails with one line when the server is away.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import difflib
import itertools
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import PyMongoError
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from rficrawl.cli.main import CommandError
from rficrawl.cli.store import add_store_arguments, open_database
from rficrawl.dates import jsonable, paris_day, parse_bound, to_json
from rficrawl.editions import editions
from rficrawl.export.escaping import console_text, csv_cell
from rficrawl.export.markdown import archive_path, render_markdown
from rficrawl.items import DOCUMENT_FIELDS, fields_by
from rficrawl.store.connection import ARTICLES, CRAWLS, REVISIONS
from rficrawl.store.queries import (
    article_filter,
    count_articles,
    earlier_versions,
    find_article,
    newest_first,
    section_slugs,
)
from rficrawl.warc.usage import bytes_by_edition

# Articles per batch of an export's cursor (about 1 MB of ~11 KB articles): its memory stays
# that of one small batch whatever the size of the export.
EXPORT_BATCH_SIZE = 100

# The columns of `rficrawl export --format csv`, the rows of `rficrawl show` and the fields whose
# text `rficrawl revisions` compares (then the body), as the schema (rficrawl.items) places them.
CSV_COLUMNS = fields_by(lambda spec: spec.column)
SHOW_ROWS = tuple(name for name in CSV_COLUMNS if DOCUMENT_FIELDS[name].show)
DIFF_FIELDS = fields_by(lambda spec: spec.diff)
# The fields of an article that the table of `rficrawl articles` shows (with `_id`): the listing
# reads only these.
LISTING_FIELDS = ("published_at", "edition", "section", "title")
# The fields of an earlier version that `rficrawl show` lists (not the earlier article itself).
HISTORY_FIELDS = ("revision", "superseded_at", "changed")


def register(subparsers: argparse._SubParsersAction) -> None:
    articles = subparsers.add_parser(
        "articles",
        help="list stored articles (filters, text search)",
        description="List stored articles, newest first. --search matches title, lead and body "
        "(case-insensitive, any script, plain text not a pattern).",
    )
    _add_filters(articles)
    articles.add_argument(
        "--limit", type=int, default=20, help="at most N (default %(default)s; 0 = all)"
    )
    articles.add_argument("--json", action="store_true", help="JSON lines of the full documents")
    articles.set_defaults(func=run_articles)

    show = subparsers.add_parser(
        "show", help="one article, with its revisions", description="Show one stored article."
    )
    show.add_argument(
        "key", metavar="ID_OR_URL", help="content_id (e.g. WBMZ146377-RFI-CN-20251130) or URL"
    )
    show.add_argument("--json", action="store_true", help="the article and its revisions as JSON")
    add_store_arguments(show)
    show.set_defaults(func=run_show)

    revisions = subparsers.add_parser(
        "revisions",
        help="what changed between an article's versions (diff)",
        description="Each change RFI made to an article, as a unified diff of its fields and body.",
    )
    revisions.add_argument("key", metavar="ID_OR_URL")
    add_store_arguments(revisions)
    revisions.set_defaults(func=run_revisions)

    export = subparsers.add_parser(
        "export",
        help="export articles as JSON lines, CSV or the Markdown archive",
        description="Export the stored articles that match the filters. In csv, a cell a "
        "spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage return) or "
        "one starting with an apostrophe gets an apostrophe in front: a program takes the first "
        "apostrophe off a cell that has one. md writes one Markdown "
        "document per article under the --out directory ({edition}/{day}/{id}.md).",
    )
    export.add_argument("--format", choices=("jsonl", "csv", "md"), required=True)
    export.add_argument(
        "--out", type=Path, required=True, help="file (jsonl, csv) or directory (md)"
    )
    _add_filters(export)
    export.add_argument("--limit", type=int, default=0, help="at most N (default: all)")
    export.set_defaults(func=run_export)

    stats = subparsers.add_parser(
        "stats",
        help="articles per edition and per day, last crawls and their outcome",
        description="What the store holds and how the last crawls went.",
    )
    stats.add_argument(
        "--days", type=int, default=14, help="days of the per-day table (default %(default)s)"
    )
    stats.add_argument("--crawls", type=int, default=10, help="crawls listed (default %(default)s)")
    stats.add_argument("--json", action="store_true")
    add_store_arguments(stats)
    stats.set_defaults(func=run_stats)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--edition", action="append", default=[], help="e.g. cn (repeatable)")
    parser.add_argument(
        "--section", help="the section's slug, as in its URLs (e.g. 国际, asie-pacifique), or the "
        "name the site shows (e.g. Asie-Pacifique)")
    parser.add_argument("--tag", action="append", default=[], help="repeatable: all must match")
    add_date_arguments(parser)
    parser.add_argument("--search", help="text in title, lead or body")
    add_store_arguments(parser)


def add_date_arguments(parser: argparse.ArgumentParser) -> None:
    """--since and --until, the publication window every command that picks articles takes."""
    parser.add_argument(
        "--since", help="published on or after: YYYY-MM-DD (a day in Paris time) or an ISO 8601 "
        "time (UTC unless it gives an offset)")
    parser.add_argument("--until", help="published up to, included; same format as --since")


def filter_from_args(args: argparse.Namespace, db: Database) -> dict[str, Any]:
    """The articles filter of the options of _add_filters (a command without one of them sets
    its default with set_defaults); a bad value is a CommandError naming the option."""
    known = editions()
    wanted = [e.strip() for value in args.edition for e in value.split(",") if e.strip()]
    for edition in wanted:
        if edition not in known:
            raise CommandError(f"unknown edition {edition!r}; known: {', '.join(known)}")
    bounds = []
    for option, text, upper in (("--since", args.since, False), ("--until", args.until, True)):
        try:
            bounds.append(parse_bound(text, upper=upper) if text else None)
        except ValueError as exc:
            raise CommandError(f"{option} {exc}") from None
    section = section_slugs(db, args.section) if args.section else None
    return article_filter(wanted, section, args.tag, *bounds, args.search)


def _when(value: Any) -> str:
    return (
        value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.datetime)
        else ""
    )


def names(values: Any) -> str:
    """Authors or tags as one readable string (``"A; B"``) for tables and CSV."""
    out = []
    for value in values or ():
        out.append(value.get("name", "") if isinstance(value, Mapping) else str(value))
    return "; ".join(v for v in out if v)


def _cell(value: Any, when=_when) -> str:
    """A value in a table cell or a diffed line: lists as ``names``, dates by ``when``."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return names(value)
    if isinstance(value, dt.datetime):
        return when(value)
    return str(value)


def _label(name: str) -> str:
    """The row label of a field in ``rficrawl show``: ``first_seen_at`` -> ``first seen``."""
    return name.removesuffix("_at").strip("_").replace("_", " ")


def _find_article(db: Database, key: str) -> dict[str, Any]:
    doc = find_article(db, key)
    if doc is None:
        raise CommandError(
            f"no stored article with id or URL {key!r} (list them: rficrawl articles)"
        )
    return doc


def _guard(func):
    """Turn a server failure in the middle of a command into the one-line error."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except PyMongoError as exc:
            raise CommandError(f"MongoDB error: {exc}") from None

    return run


@_guard
def run_articles(args: argparse.Namespace) -> int:
    db = open_database(args)
    query = filter_from_args(args, db)
    cursor = newest_first(db, query, args.limit, None if args.json else LISTING_FIELDS)
    if args.json:
        for doc in cursor:
            print(to_json(doc))
        return 0
    table = Table(show_lines=False)
    for column in ("published (UTC)", "ed.", "section", "title", "id"):
        table.add_column(column, overflow="fold")
    shown = 0
    for doc in cursor:
        shown += 1
        table.add_row(*map(console_text, (
            _when(doc.get("published_at")),
            doc.get("edition", ""),
            doc.get("section", ""),
            doc.get("title", ""),
            doc["_id"],
        )))
    # A listing shorter than its limit holds every match: no count to make (one that reads every
    # document when the filter is a text search).
    full = args.limit and shown == args.limit
    total = count_articles(db, query) if full else shown
    console = Console()
    console.print(table)
    console.print(f"{shown} of {total} matching articles", markup=False)
    return 0


@_guard
def run_show(args: argparse.Namespace) -> int:
    db = open_database(args)
    doc = _find_article(db, args.key)
    revisions = earlier_versions(db, doc["_id"], None if args.json else HISTORY_FIELDS)
    if args.json:
        print(to_json({"article": doc, "revisions": revisions}, indent=1))
        return 0
    print_article(Console(), doc, revisions)
    return 0


def print_article(console: Console, doc: Mapping[str, Any], revisions: list[dict]) -> None:
    """What ``rficrawl show`` prints of an article: every value as text, never console markup."""
    console.print(console_text(doc.get("title", ""), "bold"))
    table = Table(show_header=False, box=None)
    table.add_column(style="dim")
    table.add_column(overflow="fold")
    for name in SHOW_ROWS:
        table.add_row(_label(name), console_text(_cell(doc.get(name))))
    console.print(table)
    if doc.get("lead"):
        console.print()
        console.print(console_text(doc["lead"], "italic"))
    console.print()
    console.print(console_text(doc.get("body_text") or ""))
    if revisions:
        history = Table(title="earlier versions")
        for column in ("revision", "replaced at", "changed fields"):
            history.add_column(column)
        for rev in revisions:
            history.add_row(*map(console_text, (
                rev["revision"],
                _when(rev.get("superseded_at")),
                ", ".join(map(str, rev.get("changed", []))),
            )))
        console.print(history)


def _version_text(doc: Mapping[str, Any]) -> list[str]:
    lines = [f"{name}: {_cell(doc.get(name))}" for name in DIFF_FIELDS]
    lines.append("")
    lines += (doc.get("body_text") or "").splitlines()
    return lines


@_guard
def run_revisions(args: argparse.Namespace) -> int:
    db = open_database(args)
    current = _find_article(db, args.key)
    earlier = earlier_versions(db, current["_id"])
    console = Console(highlight=False)
    if not earlier:
        console.print(console_text(
            f"{current['_id']}: one version (revision {current.get('revision', 1)}), no changes seen"
        ))
        return 0
    versions = [(rev["revision"], rev["document"], rev) for rev in earlier]
    versions.append((current.get("revision", len(earlier) + 1), current, None))
    for (number, old, meta), (new_number, new, _) in itertools.pairwise(versions):
        changed = ", ".join(map(str, meta.get("changed", [])))
        console.print(
            console_text(f"revision {number} → {new_number}", "bold"),
            console_text(f"(replaced {_when(meta.get('superseded_at'))} UTC; "
                         f"changed: {changed or 'nothing visible'})"),
        )
        diff = difflib.unified_diff(
            _version_text(old),
            _version_text(new),
            f"revision {number}",
            f"revision {new_number}",
            lineterm="",
        )
        for line in diff:
            style = (
                "green"
                if line.startswith("+")
                else "red"
                if line.startswith("-")
                else "cyan"
                if line.startswith("@@")
                else None
            )
            console.print(console_text(line, style or ""))
    return 0


@_guard
def run_export(args: argparse.Namespace) -> int:
    db = open_database(args)
    query = filter_from_args(args, db)
    total = count_articles(db, query)
    if args.limit:
        total = min(total, args.limit)
    # Batches of EXPORT_BATCH_SIZE: pymongo holds a whole batch decoded, and a server's own
    # batches go up to 16 MiB (some 1,500 articles) without it.
    cursor = newest_first(db, query, args.limit).batch_size(EXPORT_BATCH_SIZE)
    out: Path = args.out
    try:
        if args.format == "md":
            out.mkdir(parents=True, exist_ok=True)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot write to {out}: {exc.strerror}") from None
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(escape(f"exporting to {out}"), total=total)
        written = _write(args.format, out, cursor, lambda: progress.advance(task))
    print(f"exported {written} articles to {out}", file=sys.stderr)
    return 0


def _write(fmt: str, out: Path, docs: Iterable[dict], tick) -> int:
    written = 0
    if fmt == "md":
        for doc in docs:
            path = out / archive_path(doc)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_markdown(doc), encoding="utf-8")
            written += 1
            tick()
        return written
    with out.open("w", encoding="utf-8", newline="") as stream:
        if fmt == "jsonl":
            for doc in docs:
                stream.write(to_json(doc) + "\n")
                written += 1
                tick()
            return written
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        for doc in docs:
            writer.writerow([csv_cell(_cell(doc.get(name), jsonable)) for name in CSV_COLUMNS])
            written += 1
            tick()
    return written


@_guard
def run_stats(args: argparse.Namespace) -> int:
    db = open_database(args)
    articles = db[ARTICLES]
    per_edition = {
        row["_id"]: row["n"]
        for row in articles.aggregate([{"$group": {"_id": "$edition", "n": {"$sum": 1}}}])
    }
    since = (paris_day(dt.datetime.now(dt.UTC)) - dt.timedelta(days=args.days)).isoformat()
    per_day = {
        row["_id"]: row["n"]
        for row in articles.aggregate(
            [
                {"$match": {"published_day": {"$gte": since}}},
                {"$group": {"_id": "$published_day", "n": {"$sum": 1}}},
            ]
        )
    }
    crawls = list(db[CRAWLS].find().sort("started_at", DESCENDING).limit(args.crawls))
    revisions = db[REVISIONS].estimated_document_count()
    warc = bytes_by_edition(db)
    if args.json:
        print(
            to_json(
                {
                    "articles": sum(per_edition.values()),
                    "revisions": revisions,
                    "per_edition": per_edition,
                    "warc_bytes_per_edition": warc,
                    "per_day": dict(sorted(per_day.items())),
                    "crawls": crawls,
                },
                indent=1,
            )
        )
        return 0
    console = Console(highlight=False)
    console.print(console_text(
        f"{sum(per_edition.values())} articles, {revisions} earlier versions in {db.name}"
    ))
    table = Table(title="articles per edition")
    for column in ("edition", "name", "articles"):
        table.add_column(column)
    known = editions()
    for edition, n in sorted(per_edition.items(), key=lambda kv: -kv[1]):
        table.add_row(*map(console_text, (
            edition, known[edition].name if edition in known else "", n)))
    console.print(table)
    if warc:
        disk = Table(title="WARC files written by the crawls, per edition")
        for column in ("edition", "bytes", "MiB"):
            disk.add_column(column, justify="right" if column != "edition" else "left")
        for edition, size in [*warc.items(), ("total", sum(warc.values()))]:
            disk.add_row(edition, str(size), f"{size / 2**20:,.1f}")
        console.print(disk)
    days = Table(title=f"articles per publication day (Paris), last {args.days} days")
    days.add_column("day")
    days.add_column("articles", justify="right")
    for day, n in sorted(per_day.items(), reverse=True):
        days.add_row(console_text(day), console_text(n))
    console.print(days)
    runs = Table(title="last crawls")
    for column in (
        "crawl",
        "started (UTC)",
        "status",
        "new",
        "updated",
        "unchanged",
        "dropped",
        "spilled",
        "errors",
    ):
        runs.add_column(column)
    for record in crawls:
        counts = record.get("counts") or {}
        status = record.get("finish_reason") or record.get("status", "")
        if record.get("status") == "running":
            status = "running (or crashed)"
        runs.add_row(*map(console_text, (
            record["_id"],
            _when(record.get("started_at")),
            status,
            *(counts.get(name, 0) for name in ("new", "updated", "unchanged")),
            sum((record.get("dropped") or {}).values()),
            counts.get("spilled", 0),
            sum(v for k, v in (record.get("errors") or {}).items()
                if k.startswith("log_count/ERROR")),
        )))
    console.print(runs)
    return 0
