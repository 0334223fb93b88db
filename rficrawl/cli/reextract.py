"""``rficrawl reextract``: run today's extractor over the kept pages of stored articles.

The articles are chosen by the query commands' filters, read through the store's indexes
(``edition + published_at``, ``published_at``, ``url``); each one's page is read back from its
WARC record (``rficrawl.warc.reextract``). A progress bar runs on stderr, each article that could
not be re-read or that the extractor now refuses gets one line there, and a summary ends the run;
``--dry-run`` writes nothing and prints, per article that would change, a diff of each field.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pymongo.errors import PyMongoError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rficrawl.cli.main import CommandError
from rficrawl.cli.query import add_date_arguments, filter_from_args
from rficrawl.cli.store import add_store_arguments, open_database
from rficrawl.cli.warcfiles import add_place_arguments, warc_places
from rficrawl.dates import jsonable
from rficrawl.store.connection import ARTICLES, ensure_indexes
from rficrawl.store.queries import count_articles, find_article
from rficrawl.urls import canonical_article_url
from rficrawl.warc.reextract import (
    CURSOR_BATCH,
    DROPPED,
    NO_RECORD,
    REVISED,
    SKIPPED,
    UNCHANGED,
    Outcome,
    Reextraction,
    Summary,
    available_cpus,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reextract",
        help="re-run the extractor over stored articles' WARC records (no crawl)",
        description="Read each chosen article's page back from the WARC record the crawl kept, "
        "extract it with today's extractor, and store a new version (revision_reason "
        "\"reextract\") where any published field changed; the earlier one stays in revisions. "
        "A missing or damaged WARC file, or a record of another page, is reported for that "
        "article and skipped; the run goes on. Exit status 1 when an article could not be "
        "re-read.",
    )
    parser.add_argument("--edition", action="append", default=[], help="e.g. cn (repeatable)")
    add_date_arguments(parser)
    parser.add_argument("--url", help="only this article (its URL or content_id)")
    parser.add_argument("--dry-run", action="store_true",
                        help="write nothing; print what would change, with a diff per field")
    parser.add_argument("--jobs", "-j", type=_jobs, default=available_cpus(), metavar="N",
                        help="worker processes that read and extract the pages (default: the "
                        "CPUs this process may use, %(default)s here; 1 extracts in this process, "
                        "reading ahead in a thread)")
    add_place_arguments(parser)
    add_store_arguments(parser)
    parser.set_defaults(func=run, section=None, tag=[], search=None)


def run(args: argparse.Namespace) -> int:
    places = warc_places(args)
    db = open_database(args)
    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.url:
            stored = _one(db, args.url)
            query: dict[str, Any] = {"_id": stored["_id"]}
            total = 1
            docs: Any = [stored]
        else:
            query = filter_from_args(args, db)
            total = count_articles(db, query)
            docs = db[ARTICLES].find(query, batch_size=CURSOR_BATCH)
        if not args.dry_run:
            ensure_indexes(db)
        # One article is not worth starting processes for.
        jobs = 1 if args.url else args.jobs
        run = Reextraction(db, places, dry_run=args.dry_run, jobs=jobs)
        with Progress(TextColumn("reextract"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=errors, transient=True) as progress:
            task = progress.add_task("reextract", total=total)

            def report(outcome: Outcome) -> None:
                progress.advance(task)
                if outcome.kind in (SKIPPED, DROPPED):
                    progress.console.print(outcome.message, markup=False, soft_wrap=True)
                elif outcome.kind == REVISED and args.dry_run:
                    _print_diff(console, outcome)

            summary = run.run(docs, report)
    except PyMongoError as exc:
        raise CommandError(f"MongoDB error: {exc}") from None
    except BrokenProcessPool:
        raise CommandError("a worker process died (killed, or out of memory?): nothing of its "
                           "window was written, and the versions written so far stay; run "
                           "again (what is unchanged is skipped quickly), with fewer --jobs if "
                           "memory is short") from None
    _print_summary(console, summary, args.dry_run, places)
    return 1 if summary.counts[SKIPPED] else 0


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{jobs}: at least 1 (1 extracts in this process)")
    return jobs


def _one(db, key: str) -> dict[str, Any]:
    doc = find_article(db, key)
    if doc is None and key.startswith(("http://", "https://")):
        doc = find_article(db, canonical_article_url(key))
    if doc is None:
        raise CommandError(f"no stored article with URL or id {key!r} (list them: rficrawl "
                           "articles)")
    return doc


def _print_summary(console: Console, summary: Summary, dry_run: bool, places: list) -> None:
    counts = summary.counts
    total = sum(counts.values())
    revised = "would be revised" if dry_run else "revised (revision_reason \"reextract\")"
    console.print(f"reextract: {total} articles", markup=False)
    console.print(f"  {counts[UNCHANGED]:>7} unchanged", markup=False)
    console.print(f"  {counts[REVISED]:>7} {revised}", markup=False)
    console.print(f"  {counts[DROPPED]:>7} dropped by today's extractor, left as stored"
                  + _reasons(summary.dropped), markup=False)
    console.print(f"  {counts[SKIPPED]:>7} skipped, their WARC record unreadable"
                  + _reasons(summary.skipped), markup=False)
    if counts[NO_RECORD]:
        console.print(f"  {counts[NO_RECORD]:>7} stored without a WARC record (crawled before "
                      "WARC files were kept, or with WARC_DIR empty)", markup=False)
    if summary.skipped.get("missing_file"):
        console.print("WARC files were looked for in: " + ", ".join(map(str, places)),
                      markup=False)


def _reasons(reasons) -> str:
    if not reasons:
        return ""
    return ": " + ", ".join(f"{reason} {n}" for reason, n in reasons.most_common())


# --- Dry run: a diff per field ---------------------------------------------------------------


def _print_diff(console: Console, outcome: Outcome) -> None:
    console.print(f"{outcome.article_id} {outcome.url}: would change "
                  f"{', '.join(outcome.changed)}", markup=False, style="bold")
    for name in outcome.changed:
        console.print(f"  {name}:", markup=False)
        for line in field_diff((outcome.stored or {}).get(name), (outcome.document or {}).get(name)):
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            console.print(f"    {line}", markup=False, style=style)


def field_diff(old: Any, new: Any) -> list[str]:
    """A field's change as lines: a unified diff of text with several lines, else the old and
    the new value (lists, objects and dates as JSON)."""
    before, after = _lines(old), _lines(new)
    if len(before) > 1 or len(after) > 1:
        diff = difflib.unified_diff(before, after, lineterm="", n=1)
        return [line for line in diff if not line.startswith(("---", "+++"))]
    return [f"- {before[0] if before else '(none)'}", f"+ {after[0] if after else '(none)'}"]


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines() or [""]
    if isinstance(value, dt.datetime):
        return [jsonable(value)]
    return [json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True)]
