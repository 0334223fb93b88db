"""``rficrawl store``: look after the store itself (replay spill files, indexes, stored days).

Also home of the options every store command shares (``--mongo-uri``, ``--db``) and of the one
place that turns an unreachable server into a one-line error instead of a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from pymongo.database import Database
from pymongo.errors import PyMongoError
from rich.console import Console
from rich.progress import Progress

from rficrawl.cli.main import CommandError
from rficrawl.redaction import redact
from rficrawl.store.connection import (
    connect,
    default_database,
    default_uri,
    ensure_indexes,
)
from rficrawl.store.spill import BadLine, count_lines, read_lines
from rficrawl.store.upgrade import upgrade_published_days
from rficrawl.store.validation import InvalidItem, storable_document
from rficrawl.store.writer import ArticleWriter, WriteResult

REPLAY_BATCH = 500


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mongo-uri",
        default=None,
        help=f"MongoDB server (default: $MONGO_URI, else {default_uri()})",
    )
    parser.add_argument(
        "--db", default=None, help="database name (default: $MONGO_DATABASE, else rfi)"
    )


def open_database(args: argparse.Namespace) -> Database:
    """The database the command works on; a clear error when the server does not answer."""
    uri = args.mongo_uri if args.mongo_uri is not None else default_uri()
    if not uri:
        raise CommandError("MONGO_URI is empty: pass --mongo-uri mongodb://HOST:PORT")
    client = connect(uri, timeout=5)
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        client.close()
        raise CommandError(
            f"cannot reach MongoDB at {redact(uri)} ({type(exc).__name__}). Start the server "
            "(see README, 'Run') or pass --mongo-uri / set MONGO_URI."
        ) from None
    return client[args.db or default_database()]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "store",
        help="replay spill files into the store, create its indexes, upgrade stored articles",
        description="Maintenance of the MongoDB store.",
    )
    commands = parser.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    replay = commands.add_parser(
        "replay",
        help="load a spill file (or a -O items.jsonl feed) into the store",
        description="Store the articles of JSON lines files: the spill files a crawl writes "
        "under data/spill/ when MongoDB was away, or feeds written by `scrapy crawl -O "
        "items.jsonl`. Same validation and write logic as a crawl, so replaying twice "
        "changes nothing more. A line that is cut off, corrupt or refused costs only itself: "
        "each is listed on stderr as FILE:LINE: why, the others are stored, and the exit "
        "status is then 1 (the file is kept as it is).",
    )
    replay.add_argument("files", nargs="+", type=Path, metavar="FILE")
    replay.add_argument("--batch-size", type=int, default=REPLAY_BATCH, help="default %(default)s")
    add_store_arguments(replay)
    replay.set_defaults(func=run_replay)
    init = commands.add_parser(
        "init",
        help="create the collections' indexes (crawls do it too) and upgrade stored articles",
        description="Create the indexes of articles, revisions and crawls, then bring stored "
        "articles up to date: published_day becomes the Paris day of published_at for "
        "articles stored when it was the UTC day. Harmless to repeat (an archive already up to "
        "date costs one read of each article's dates), and safe to interrupt.",
    )
    init.add_argument("--batch-size", type=int, default=2000, help="default %(default)s")
    add_store_arguments(init)
    init.set_defaults(func=run_init)


def run_init(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise CommandError(f"--batch-size {args.batch_size}: must be 1 or more")
    db = open_database(args)
    try:
        ensure_indexes(db)
    except PyMongoError as exc:
        raise CommandError(f"could not create the indexes in {db.name}: {exc}") from None
    print(f"indexes of {db.name}.articles, revisions and crawls are in place")
    console = Console(stderr=True)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(
                "checking published days", total=db.articles.estimated_document_count()
            )
            result = upgrade_published_days(
                db, args.batch_size, lambda n: progress.update(task, advance=n)
            )
    except PyMongoError as exc:
        raise CommandError(
            f"MongoDB failed while upgrading {db.name}.articles ({exc}); what was done stays "
            "done, run the same command again"
        ) from None
    print(f"{result.checked} articles checked, {result.updated} given their Paris published_day")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    for path in args.files:
        if not path.is_file():
            raise CommandError(f"{path}: no such file (spill files are under data/spill/)")
    db = open_database(args)
    writer = ArticleWriter(db)
    console = Console(stderr=True)
    status = 0
    for path in args.files:
        total = WriteResult()
        problems: list[str] = []
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"replaying {path.name}", total=count_lines(path))
            for batch in _batches(path, args.batch_size, problems):
                try:
                    ensure_indexes(db)
                    total.add(writer.write(batch))
                except PyMongoError as exc:
                    raise CommandError(
                        f"{path}: MongoDB failed during the replay ({exc}); nothing is lost, "
                        "run the same command again"
                    ) from None
                progress.update(task, advance=len(batch))
        problems += [f"{path}: {doc['_id']}: not stored ({why})" for doc, why in total.failed]
        for problem in problems:
            console.print(problem, markup=False, soft_wrap=True)
        print(
            f"{path}: {total.new} new, {total.updated} updated, {total.unchanged} unchanged, "
            f"{total.stale} older than stored, {len(problems)} not stored"
            + (" (listed above)" if problems else "")
        )
        status = status or (1 if problems else 0)
    return status


def _batches(path: Path, size: int, problems: list[str]) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for number, obj in read_lines(path):
        if isinstance(obj, BadLine):
            problems.append(str(obj))
            continue
        try:
            batch.append(storable_document(obj))
        except InvalidItem as exc:
            problems.append(f"{path}:{number}: {exc}")
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
