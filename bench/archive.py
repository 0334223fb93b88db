"""Every query the crawl and its users make, timed on an archive of RFI's size and shape.

    .venv/bin/python bench/archive.py [--sizes 10k,100k,300k] [--seed 1] [--chart FILE.svg|.png]

It builds an archive of synthetic RFI articles (bench/archive_data.py: 17 editions, 25 years,
tags, authors, ~11 KiB documents, about 1 in 20 articles edited, with its revisions made through
the store's writer, and a crawls history) and grows it size after size. At each size it times:

- the project's own queries, called through the project's functions (rficrawl.store.known,
  rficrawl.store.queries, the writer), so that a change of query shape shows here: the
  known-article check (a batch of KNOWN_ARTICLES_BATCH_SIZE URLs, half of them stored), one
  article by URL and by content_id, listings (newest 20 of an edition, a day of an edition, newest
  20 of a tag, a date range newest first), the count of an edition;
- listings on answers of the same size at every size of the archive: the synthetic archive
  spreads its articles over the same 25 years whatever its size, so a day or a week holds about
  30 times more articles at 300k than at 10k, and a listing's time follows its answer (each
  article is read, decoded and sent whole). Growth "with the whole collection" is then measured
  where only the collection grows: a day of an edition on days holding DAY_ANSWER of its articles,
  newest 20 of a tag on tags with TAG_LEAST articles or more, a week around a day widened until it
  holds RANGE_LIMIT articles (its newest RANGE_LIMIT), and ``rficrawl articles`` with an edition,
  a section and 30 days widened until they hold a page (PAGE articles). Arguments are drawn until
  their answer fits, counted before the run and untimed. The table gives each listing's median
  number of returned articles beside its time, and one unjudged figure keeps the plain draw (a
  day of an edition, any day) with its time per returned article;
- ``rficrawl stats``, ``articles`` (without and with filters), ``show`` and ``revisions``: the
  commands' own code in-process, printing to a null console, on a connection made once (as a
  command makes it once), so that the figure is the commands' queries and rendering; and the same
  commands' wall time as a subprocess, once per size;
- ``rficrawl export --format jsonl`` of an edition and of everything, as a subprocess: articles/s
  and the process's own peak RSS (its VmHWM, printed as it exits; not wait4's ru_maxrss, which
  on Linux also holds the peak of the process that started it, this bench);
- upserts through the store's writer, in batches of STORE_BATCH_SIZE as the pipeline sends them:
  new articles (published in the last three days, as a crawl finds them; and, unjudged, new ones
  dated like the archive's, over 25 years: a backfill written out of order), unchanged ones
  (fetched again), changed ones (a new revision), as articles/s: the median of the batches' rates
  (--upserts articles of each kind, five batches by default; one or two batches measured a moment
  of the server's as much as its size), with the slowest batch and the overall rate;
- disk bytes per article (dbStats, and the data folder of an embedded server).

Each timed figure is run up to --repeat times, stopping once --budget seconds are spent (after at
least --min-repeat runs), each run with other arguments (another edition, URL, day, tag), drawn
with --seed so that every size sees the same kind of mix. The final table gives each figure at
every size, its growth from the smallest size to the largest and its target (docs/mongo.md):
lookups and listings <= 50 ms median and <= 1.5x growth, counts and stats <= 1 s, upserts at the
largest size >= 0.8x the smallest, export memory flat (<= 1.2x).

The server: MONGO_URI when set (in a database of its own, dropped at the end unless --keep), else
the embedded one that rficrawl.ops.mongo.start_server picks (RFICRAWL_MONGO_SERVER chooses the
kind; testbed.mongo builds the checkout's FerretDB launcher first) on a free port with its data in a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import archive_data
from pymongo.database import Database
from pymongo.errors import PyMongoError

from rficrawl.cli import query as query_commands
from rficrawl.cli.main import build_parser
from rficrawl.dates import day_start
from rficrawl.ops.mongo import EXTERNAL
from rficrawl.redaction import redact
from rficrawl.store.addon import StoreAddon
from rficrawl.store.connection import ARTICLES, CRAWLS, REVISIONS, connect, ensure_indexes
from rficrawl.store.documents import to_document
from rficrawl.store.known import stored_dates
from rficrawl.store.queries import article_filter, count_articles, find_article, newest_first
from rficrawl.store.writer import ArticleWriter
from testbed.mongo import start_test_server

# The store's settings as a crawl has them (the store add-on's defaults).
STORE_DEFAULTS = StoreAddon().defaults()
MAX_SIZE = 1_000_000
BUILD_CHUNK = 2000
RESERVOIR = 5000
# Listings are timed on answers of the same size at every size of the archive, as the targets
# are about the whole collection's growth: the synthetic archive spreads its articles over the
# same 25 years at every size, so a day or a week holds 30 times more articles at 300k than at
# 10k, and its answer (each article ~11 KB decoded) grows with it.
DAY_ANSWER = (3, 10)  # a day of an edition: days holding this many of its articles
TAG_LEAST = 20  # newest 20 of a tag: tags with at least this many articles
RANGE_LIMIT = 100  # a date range, newest first: a week, widened until it holds this many
PAGE = 20  # rficrawl articles' default --limit: its window is widened until it holds a page
ANSWER_DRAWS = 200  # draws before the last one is taken whatever its answer (a tiny archive)
LOOKUP, COUNT, UPSERT, MEMORY, INFO = "lookup", "count", "upsert", "memory", "info"
TARGETS = {
    LOOKUP: "<= 50 ms, growth <= 1.5x",
    COUNT: "<= 1 s",
    UPSERT: ">= 0.8x smallest",
    MEMORY: "flat (<= 1.2x)",
    INFO: "",
}


@dataclass
class Figure:
    """One measured thing at every size: times in seconds, or a rate, or bytes."""

    name: str
    kind: str
    unit: str = "ms"  # ms (times), /s (rates), MiB, B, s
    values: dict[int, list[float]] = field(default_factory=dict)
    answers: dict[int, list[int]] = field(default_factory=dict)  # articles returned, per run
    wrong: dict[int, int] = field(default_factory=dict)  # runs with a wrong answer, per size
    failed: dict[int, str] = field(default_factory=dict)  # sizes where it could not finish

    def median(self, size: int) -> float:
        return statistics.median(self.values[size])

    def answer(self, size: int) -> float | None:
        """The median number of articles a run of a listing returned (None: not a listing)."""
        return statistics.median(self.answers[size]) if self.answers.get(size) else None

    def p90(self, size: int) -> float:
        samples = sorted(self.values[size])
        return samples[min(len(samples) - 1, round(0.9 * (len(samples) - 1)))]


@dataclass
class Sample:
    """An article of the archive whose key facts the queries draw their arguments from."""

    serial: int
    url: str
    id: str
    edition: str
    section: str
    day: dt.date
    tags: list[str]
    revisions: int


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", part)
        if not match:
            raise argparse.ArgumentTypeError(
                f"{part!r} is not a size: use e.g. 10k,100k,300k or 1M"
            )
        factor = {"": 1, "k": 1000, "m": 1_000_000}[match[2].lower()]
        sizes.append(int(float(match[1]) * factor))
    if sizes != sorted(set(sizes)) or sizes[0] < 100:
        raise argparse.ArgumentTypeError("sizes must grow, each at least 100 (e.g. 10k,100k,300k)")
    if sizes[-1] > MAX_SIZE:
        raise argparse.ArgumentTypeError(f"sizes go up to {MAX_SIZE:,}")
    return sizes


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class ArchiveBench:
    def __init__(self, args: argparse.Namespace, db: Database, data_dir: Path | None):
        self.args = args
        self.db = db
        self.data_dir = data_dir
        self.rng = random.Random(args.seed)
        corpus = archive_data.load_corpus(args.seed)
        for note in corpus.notes:
            progress(f"data: {note}")
        self.stream = archive_data.ArchiveStream(args.seed, args.end, corpus)
        first = [
            self.stream.article(n, fetched_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            for n in range(100)
        ]
        progress(
            f"data: seed {args.seed}, newest day {args.end}, fingerprint of the first 100 articles "
            f"{archive_data.fingerprint(first)} (the same seed and day give the same archive)"
        )
        self.scratch = db.client[f"{db.name}_scratch"]
        self.scratch_writer = ArticleWriter(self.scratch)
        self.next_serial = 0
        self.crawls = 0
        self.samples: list[Sample] = []
        self.seen = 0  # articles offered to the reservoir of samples
        self.dirty: set[int] = set()  # serials whose stored version the upsert bench changed
        self.figures: dict[str, Figure] = {}
        self.sizes: list[int] = []

    # --- building -------------------------------------------------------------------------------

    def grow(self, size: int) -> float:
        """Add articles until the archive holds ``size``; returns the seconds it took."""
        started = time.perf_counter()
        first = self.next_serial
        last_note = started
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = None
            while self.next_serial < size:
                end = min(size, self.next_serial + BUILD_CHUNK)
                chunk = range(self.next_serial, end)
                items = [self.stream.article(serial) for serial in chunk]
                self.next_serial = end
                if pending is not None:
                    pending.result()  # the previous chunk is stored while this one was made
                pending = pool.submit(self._store_chunk, chunk, items)
                now = time.perf_counter()
                if now - last_note > 5 or end == size:
                    done = end - first
                    rate = done / (now - started)
                    progress(
                        f"build: {end:,} / {size:,} articles ({rate:,.0f}/s, "
                        f"about {(size - end) / rate:,.0f} s to go)"
                    )
                    last_note = now
            if pending is not None:
                pending.result()
        return time.perf_counter() - started

    def _store_chunk(self, serials: range, items: list[dict[str, Any]]) -> None:
        docs = []
        for item in items:
            doc = to_document(item)
            doc.update(
                first_seen_at=item["fetched_at"], last_seen_at=item["fetched_at"], revision=1
            )
            docs.append(doc)
        # RFI edits about one article in REVISED_ONE_IN. The writer stores those edits, in a
        # scratch database that holds only this chunk's edited articles (a server that updates by
        # scanning its collection would otherwise take hours to build the archive); its articles
        # and revisions, exactly as the writer made them, then join the archive.
        revised = [(s, item, doc) for s, item, doc in zip(serials, items, docs)
                   if self.stream.revisions_of(s)]  # fmt: skip
        edited_ids = {doc["_id"] for _, _, doc in revised}
        self.db[ARTICLES].insert_many(
            [d for d in docs if d["_id"] not in edited_ids], ordered=False
        )
        if revised:
            scratch = self.scratch
            scratch[ARTICLES].insert_many([doc for _, _, doc in revised], ordered=False)
            now = dt.datetime.now(dt.UTC)
            for number in (1, 2):
                edited = []
                for serial, item, _ in revised:
                    if self.stream.revisions_of(serial) >= number:
                        for n in range(1, number + 1):
                            item = self.stream.edited(serial, item, n, now)
                        edited.append(to_document(item))
                if edited:
                    result = self.scratch_writer.write(edited)
                    if result.updated != len(edited):
                        progress(f"build: warning: {len(edited)} edits gave {result}")
            for collection in (ARTICLES, REVISIONS):
                self.db[collection].insert_many(list(scratch[collection].find()), ordered=False)
                scratch[collection].delete_many({})
        crawls = []
        while self.crawls < serials.stop // archive_data.ARTICLES_PER_CRAWL:
            crawls.append(self.stream.crawl(self.crawls))
            self.crawls += 1
        if crawls:
            self.db[CRAWLS].insert_many(crawls, ordered=False)
        for serial, item in zip(serials, items):
            self._offer(serial, item)

    def _offer(self, serial: int, item: dict[str, Any]) -> None:
        """Reservoir sampling: ``samples`` stays a uniform sample of the whole archive."""
        self.seen += 1
        slot = len(self.samples) if len(self.samples) < RESERVOIR else self.rng.randrange(self.seen)
        if slot < RESERVOIR:
            sample = Sample(
                serial, item["url"], item["content_id"], item["edition"], item["section"],
                item["published_at"].date(), item["tags"], self.stream.revisions_of(serial),
            )  # fmt: skip
            if slot == len(self.samples):
                self.samples.append(sample)
            else:
                self.samples[slot] = sample

    # --- timing -------------------------------------------------------------------------------

    def figure(self, name: str, kind: str, unit: str = "ms") -> Figure:
        return self.figures.setdefault(name, Figure(name, kind, unit))

    def timed(self, name: str, kind: str, size: int, calls: Iterator[Callable[[], Any]]) -> None:
        """Run the calls one by one within the repeat and budget limits; keep their times."""
        samples: list[float] = []
        answers: list[int] = []
        spent_since = time.perf_counter()
        wrong = 0
        for call in calls:
            started = time.perf_counter()
            try:
                result = call()
            except AssertionError as exc:
                # A server that answers wrongly is reported, not timed as if it were right.
                wrong += 1
                progress(f"  {name}: WRONG ANSWER: {exc}")
                result = None
            samples.append(time.perf_counter() - started)
            if isinstance(result, list):
                answers.append(len(result))
            spent = time.perf_counter() - spent_since
            if len(samples) >= self.args.repeat:
                break
            if len(samples) >= self.args.min_repeat and spent >= self.args.budget:
                break
        figure = self.figure(name, kind)
        figure.values[size] = [s * 1000 for s in samples]
        if answers:
            figure.answers[size] = answers
        if wrong:
            figure.wrong[size] = wrong
        returned = figure.answer(size)
        progress(
            f"  {name}: median {figure.median(size):,.1f} ms, p90 {figure.p90(size):,.1f} ms "
            f"({len(samples)} runs)"
            + ("" if returned is None else f", {returned:g} articles returned (median)")
        )

    def _draw(self, rng: random.Random, wanted: Callable[[Sample], bool] = bool) -> Sample:
        pool = [s for s in self.samples if wanted(s) and s.serial not in self.dirty]
        return rng.choice(pool or self.samples)

    def measure_queries(self, size: int) -> None:
        db = self.db
        articles = db[ARTICLES]
        batch = STORE_DEFAULTS["KNOWN_ARTICLES_BATCH_SIZE"]
        seed = self.args.seed

        def forever(make: Callable[[random.Random], Callable[[], Any]], salt: int):
            rng = random.Random(seed * 1000 + salt)
            while True:
                yield make(rng)

        def known(rng: random.Random) -> Callable[[], Any]:
            stored = [s.url for s in rng.sample(self.samples, min(batch // 2, len(self.samples)))]
            # Articles a crawl is about to discover: URLs of the stream's next articles.
            start = self.next_serial + self.args.upserts + rng.randrange(10_000)
            unknown = [self.stream.article(start + n)["url"] for n in range(batch - len(stored))]
            urls = stored + unknown
            rng.shuffle(urls)

            def call() -> None:
                found = stored_dates(articles, urls)
                assert len(found) == len(stored), f"{len(found)} of {len(stored)} found"

            return call

        def one(key: Callable[[Sample], str]):
            def make(rng: random.Random) -> Callable[[], Any]:
                value = key(self._draw(rng))
                return lambda: _expect(find_article(db, value), value)

            return make

        def listing(
            query: Callable[[Sample, random.Random], dict],
            limit: int,
            answer: tuple[int, int] | None = None,
        ):
            """A listing's runs; with ``answer`` (least, most), drawn among the arguments whose
            answer holds that many articles (counted before the run, untimed), so that every
            size of the archive is timed on answers of the same size."""

            def make(rng: random.Random) -> Callable[[], Any]:
                for _ in range(ANSWER_DRAWS):
                    filter_ = query(self._draw(rng), rng)
                    if answer is None or answer[0] <= count_articles(db, filter_) <= answer[1]:
                        break
                return lambda: _expect(list(newest_first(db, filter_, limit)), filter_)

            return make

        def widened(sample: Sample, rng: random.Random) -> dict:
            """A week around the sample's day, doubled until it holds RANGE_LIMIT articles."""
            middle = day(sample)[0]
            return widen(db, RANGE_LIMIT, dt.timedelta(days=3.5),
                         lambda half: article_filter(since=middle - half, until=middle + half))[0]

        def day(sample: Sample) -> tuple[dt.datetime, dt.datetime]:
            return day_start(sample.day), day_start(sample.day + dt.timedelta(days=1))

        def count(rng: random.Random) -> Callable[[], Any]:
            filter_ = article_filter([self._draw(rng).edition])
            return lambda: count_articles(db, filter_)

        self.timed(
            f"known-article check ({batch} URLs, half stored)", LOOKUP, size, forever(known, 1)
        )
        self.timed("article by URL", LOOKUP, size, forever(one(lambda s: s.url), 2))
        self.timed("article by content_id", LOOKUP, size, forever(one(lambda s: s.id), 3))
        self.timed(
            "newest 20 of an edition",
            LOOKUP,
            size,
            forever(listing(lambda s, r: article_filter([s.edition]), 20), 4),
        )

        def edition_day(sample: Sample, rng: random.Random) -> dict:
            return article_filter([sample.edition], None, (), *day(sample))

        low, high = DAY_ANSWER
        self.timed(
            f"a day of an edition ({low}-{high} articles)",
            LOOKUP,
            size,
            forever(listing(edition_day, 0, DAY_ANSWER), 5),
        )
        self.timed(
            "a day of an edition, any day (answer grows)",
            INFO,
            size,
            forever(listing(edition_day, 0), 5),
        )
        self.timed(
            f"newest 20 of a tag (tags of {TAG_LEAST}+ articles)",
            LOOKUP,
            size,
            forever(
                listing(
                    lambda s, r: article_filter(tags=[r.choice(s.tags)]), 20, (TAG_LEAST, MAX_SIZE)
                ),
                6,
            ),
        )
        self.timed(
            f"a week or more ({RANGE_LIMIT}+ articles), newest {RANGE_LIMIT}",
            LOOKUP,
            size,
            forever(listing(widened, RANGE_LIMIT), 7),
        )
        self.timed("count of an edition", COUNT, size, forever(count, 8))  # fmt: skip

    # --- the commands ---------------------------------------------------------------------------

    def command_lines(self, rng: random.Random) -> dict[str, tuple[str, list[str]]]:
        """Name -> (kind, argv) of the query commands, with arguments drawn from the archive."""
        sample = self._draw(rng)
        revised = self._draw(rng, lambda s: s.revisions > 0)
        since = self._full_page_since(sample).isoformat()
        return {
            "rficrawl stats": (COUNT, ["stats"]),
            "rficrawl articles": (LOOKUP, ["articles"]),
            f"rficrawl articles (edition, section, 30+ days: {PAGE} articles)": (
                LOOKUP,
                [
                    "articles",
                    "--edition",
                    sample.edition,
                    "--section",
                    sample.section,
                    "--since",
                    since,
                    "--until",
                    sample.day.isoformat(),
                ],
            ),
            "rficrawl show": (LOOKUP, ["show", sample.id]),
            "rficrawl revisions": (LOOKUP, ["revisions", revised.id]),
        }

    def _full_page_since(self, sample: Sample) -> dt.date:
        """The first day of a window ending on the sample's day, 30 days long, doubled until the
        sample's edition and section hold a page of ``rficrawl articles`` in it (PAGE articles),
        so that the command lists as many at every size of the archive (counted, untimed)."""
        end = day_start(sample.day + dt.timedelta(days=1))
        _, days = widen(self.db, PAGE, dt.timedelta(days=30), lambda days: article_filter(
            [sample.edition], sample.section, (), day_start(sample.day - days), end))
        return sample.day - days

    def measure_commands(self, size: int) -> None:
        parser = build_parser()
        names = list(self.command_lines(random.Random(0)))
        for index, name in enumerate(names):
            rng = random.Random(self.args.seed * 1000 + 100 + index)

            def calls(rng: random.Random, name: str) -> Iterator[Callable[[], Any]]:
                while True:
                    args = parser.parse_args(self.command_lines(rng)[name][1])
                    yield lambda args=args: _in_process(args, self.db)

            self.timed(name, self.command_lines(rng)[name][0], size, calls(rng, name))
        # The same commands as a user runs them: a process each (start-up, connection, query).
        rng = random.Random(self.args.seed)
        for name, (_, argv) in self.command_lines(rng).items():
            started = time.perf_counter()
            self._rficrawl(argv)
            wall = time.perf_counter() - started
            figure = self.figure(f"{name} (process, s)", INFO, "s")
            figure.values[size] = [wall]
            progress(f"  {name} as a process: {wall:.2f} s")

    def _rficrawl(self, argv: list[str], **popen: Any) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "rficrawl", *argv,
                   "--mongo-uri", self.args.uri, "--db", self.db.name]  # fmt: skip
        result = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, check=False, **popen)  # fmt: skip
        if result.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr[-2000:]}")
        return result

    def measure_export(self, size: int) -> None:
        edition = "cn"
        for label, extra in ((f"edition {edition}", ["--edition", edition]), ("everything", [])):
            argv = [
                sys.executable,
                "-c",
                PEAK_PROBE,
                "export",
                "--format",
                "jsonl",
                "--out",
                os.devnull,
                *extra,
                "--mongo-uri",
                self.args.uri,
                "--db",
                self.db.name,
            ]
            started = time.perf_counter()
            process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)  # fmt: skip
            stderr = process.stderr.read() if process.stderr else ""
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
            exported = re.search(r"exported (\d+) articles", stderr)
            if os.waitstatus_to_exitcode(status) != 0 or not exported:
                sys.exit(f"rficrawl export failed: {stderr[-2000:]}")
            count = int(exported[1])
            rate = self.figure(f"export jsonl, {label} (articles/s)", INFO, "/s")
            rate.values[size] = [count / wall]
            # The process's own peak (VmHWM of its memory after exec). ru_maxrss from wait4 is not:
            # Linux carries the parent's peak into a child at exec, so it gave this bench's size.
            peak = re.search(r"^bench-peak-rss-kib (\d+)$", stderr, re.MULTILINE)
            mib = int(peak[1]) / 1024 if peak else usage.ru_maxrss / 1024
            memory = self.figure(f"export jsonl, {label} (peak RSS)", MEMORY, "MiB")
            memory.values[size] = [mib]
            progress(
                f"  export {label}: {count:,} articles in {wall:.1f} s "
                f"({count / wall:,.0f}/s), peak RSS {mib:.0f} MiB"
                + ("" if peak else " (ru_maxrss: includes this bench's own peak)")
            )

    # --- upserts --------------------------------------------------------------------------------

    def measure_upserts(self, size: int) -> None:
        """New, unchanged and changed articles through the writer, as a crawl stores them."""
        batch = STORE_DEFAULTS["STORE_BATCH_SIZE"]
        writer = ArticleWriter(self.db, seen_resolution=STORE_DEFAULTS["STORE_SEEN_RESOLUTION"])
        rng = random.Random(self.args.seed * 7 + size)
        now = dt.datetime.now(dt.UTC)
        total = self.args.upserts
        pool = [s for s in self.samples if s.revisions == 0 and s.serial not in self.dirty]
        rng.shuffle(pool)
        unchanged_pool, changed_pool = pool[: len(pool) // 2], pool[len(pool) // 2 :]

        def new_docs(recent: bool) -> Iterator[dict]:
            while True:
                serial = self.next_serial
                self.next_serial += 1
                # As a crawl finds them: published in the last three days (their keys land at the
                # newest end of the date indexes), or, unjudged, dated like the archive's (a
                # backfill written out of order, every key anywhere in its index).
                day = (now - dt.timedelta(days=serial % 3)).date() if recent else None
                item = self.stream.article(serial, fetched_at=now, day=day)
                self._offer(serial, item)
                self.dirty.add(serial)
                yield to_document(item)

        def again(samples: list[Sample], edit: bool) -> Iterator[dict]:
            for sample in samples:
                self.dirty.add(sample.serial)
                item = self.stream.article(sample.serial, fetched_at=now)
                yield to_document(self.stream.edited(sample.serial, item, 1, now) if edit else item)

        for label, docs, field_, kind in (
            ("new", new_docs(True), "new", UPSERT),
            ("new, dated over 25 years", new_docs(False), "new", INFO),
            ("unchanged", again(unchanged_pool, False), "unchanged", UPSERT),
            ("changed", again(changed_pool, True), "updated", UPSERT),
        ):
            written = 0
            seconds = 0.0
            rates: list[float] = []  # one per batch
            while written < total:
                chunk = [doc for _, doc in zip(range(min(batch, total - written)), docs)]
                if not chunk:
                    break
                started = time.perf_counter()
                try:
                    result = writer.write(chunk)
                except PyMongoError as exc:
                    # A server too slow for the client's timeout: reported, and the run goes on.
                    seconds += time.perf_counter() - started
                    progress(f"  upserts {label}: FAILED after {seconds:.0f} s: {exc}")
                    self.figure(f"upserts, {label} (articles/s)", kind, "/s").failed[size] = (
                        f"failed after {seconds:.0f} s"
                    )
                    break
                took = time.perf_counter() - started
                seconds += took
                written += len(chunk)
                rates.append(len(chunk) / took if took else 0.0)
                if getattr(result, field_) != len(chunk):
                    progress(f"  upserts {label}: warning: a batch of {len(chunk)} gave {result}")
                if seconds >= self.args.budget:
                    break
            figure = self.figure(f"upserts, {label} (articles/s)", kind, "/s")
            if size in figure.failed or not rates:
                continue
            figure.values[size] = rates
            progress(
                f"  upserts {label}: {written:,} in {seconds:.1f} s "
                f"({_format(written / seconds, '/s')} overall; batches of {batch}: median "
                f"{_format(figure.median(size), '/s')}, slowest {_format(min(rates), '/s')})"
            )

    # --- disk -----------------------------------------------------------------------------------

    def measure_disk(self, size: int) -> None:
        stats = self.db.command("dbStats")
        count = self.db[ARTICLES].estimated_document_count()
        per_article = {
            "disk per article, server storage + indexes (dbStats)":
                (stats.get("storageSize", 0) + stats.get("indexSize", 0)) / count,
            "disk per article, data (dbStats dataSize)": stats.get("dataSize", 0) / count,
        }  # fmt: skip
        if self.data_dir is not None:
            folder = sum(p.stat().st_size for p in self.data_dir.rglob("*") if p.is_file())
            per_article["disk per article, data folder"] = folder / count
        for name, value in per_article.items():
            self.figure(name, INFO, "B").values[size] = [value]
        progress(
            "  " + "; ".join(f"{n.split(', ', 1)[1]}: {v:,.0f} B" for n, v in per_article.items())
        )

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> None:
        ensure_indexes(self.db)  # as `rficrawl store init` makes them, before the first article
        ensure_indexes(self.scratch)
        for size in self.args.sizes:
            if self.next_serial > size:
                progress(f"size {size:,}: the archive already holds {self.next_serial:,}")
            seconds = self.grow(size)
            progress(f"size {size:,}: built in {seconds:,.0f} s; measuring")
            self.sizes.append(size)
            self.measure_queries(size)
            self.measure_commands(size)
            self.measure_export(size)
            self.measure_disk(size)
            self.measure_upserts(size)  # last: it adds articles and revisions


# ``python -m rficrawl`` that also prints, as it exits, its own peak resident memory (VmHWM:
# the high-water mark of the memory the process has had since its exec), on Linux.
PEAK_PROBE = """
import atexit, runpy, sys

def peak():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    print("bench-peak-rss-kib", line.split()[1], file=sys.stderr, flush=True)
    except OSError:
        pass

atexit.register(peak)
sys.argv[0] = "rficrawl"
runpy.run_module("rficrawl", run_name="__main__", alter_sys=True)
"""


def widen(db: Database, least: int, span: dt.timedelta,
          window: Callable[[dt.timedelta], dict]) -> tuple[dict, dt.timedelta]:
    """The filter ``window(span)``, with ``span`` doubled until it holds ``least`` articles (or
    spans the whole archive), and that span: listings timed on answers of the same size at every
    size of the archive (counted, untimed)."""
    while span.days <= 366 * archive_data.YEARS:
        filter_ = window(span)
        if count_articles(db, filter_) >= least:
            return filter_, span
        span *= 2
    return window(span), span


def _expect(result: Any, what: Any) -> Any:
    if not result:
        raise AssertionError(
            f"the bench asked for something the archive holds, got nothing: {what}"
        )
    return result


def _in_process(args: argparse.Namespace, db: Database) -> None:
    """Run a query command's own code, on ``db``, with its output thrown away."""
    sink = io.StringIO()
    with mock.patch.object(query_commands, "open_database", lambda _args: db), \
            contextlib.redirect_stdout(sink):  # fmt: skip
        status = args.func(args)
    if status:
        raise AssertionError(f"rficrawl {args.command} returned {status}")


# --- the report ---------------------------------------------------------------------------------


def _format(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "/s":
        return f"{value:,.0f}/s" if value >= 10 else f"{value:.2f}/s"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    return f"{value:,.0f} B"


def verdict(figure: Figure, sizes: list[int]) -> tuple[str, str]:
    """(growth, met / not met) from the smallest size to the largest."""
    first, last = sizes[0], sizes[-1]
    low, high = figure.median(first), figure.median(last)
    growth = high / low if low else float("inf")
    if figure.kind == LOOKUP:
        met = high <= 50 and growth <= 1.5
    elif figure.kind == COUNT:
        met = high <= 1000
    elif figure.kind == UPSERT:
        met = growth >= 0.8
    elif figure.kind == MEMORY:
        met = growth <= 1.2
    else:
        return f"{growth:.2f}x", ""
    if figure.wrong:
        return f"{growth:.2f}x", "WRONG ANSWERS"
    return f"{growth:.2f}x", "met" if met else "NOT MET"


def report(bench: ArchiveBench, server: str) -> None:
    sizes = bench.sizes
    print(f"\n{server}; seed {bench.args.seed}; times are median / p90 of the runs (n); "
          "upserts are the median / slowest of their batches (n)")
    header = ["figure", *(f"{s:,}" for s in sizes), "growth", "target", "verdict"]
    rows = []
    for figure in bench.figures.values():
        cells = [figure.name]
        for size in sizes:
            if size in figure.failed:
                cells.append(figure.failed[size])
            elif size not in figure.values:
                cells.append("-")
            elif figure.unit == "ms":
                n = len(figure.values[size])
                wrong = f", {figure.wrong[size]} WRONG" if size in figure.wrong else ""
                returned = figure.answer(size)
                answer = "" if returned is None else f", {returned:g} returned"
                cells.append(f"{_format(figure.median(size), 'ms')} / "
                             f"{_format(figure.p90(size), 'ms')} ({n}{wrong}{answer})")  # fmt: skip
            elif figure.unit == "/s" and len(figure.values[size]) > 1:  # upserts, per batch
                rates = figure.values[size]
                cells.append(f"{_format(figure.median(size), '/s')} / "
                             f"{_format(min(rates), '/s')} ({len(rates)})")  # fmt: skip
            else:
                cells.append(_format(figure.median(size), figure.unit))
        if figure.failed:
            growth, met = "-", "NOT MET"
        elif all(size in figure.values for size in (sizes[0], sizes[-1])):
            growth, met = verdict(figure, sizes)
        else:
            growth, met = "-", ""
        rows.append([*cells, growth, TARGETS[figure.kind], met])
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, [""] * len(header), *rows]:
        line = "  ".join(
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width) if cell else " " * width
            for i, (cell, width) in enumerate(zip(row, widths))
        )
        print(line.rstrip() if row[0] else "-" * len(line))
    misses = [r[0] for r in rows if r[-1] in ("NOT MET", "WRONG ANSWERS")]
    verdicts = [r for r in rows if r[-1]]
    print(
        "listings: 'returned' is the median number of articles a run returned; the judged ones "
        "are drawn so that it is the same at every size (the archive spreads its articles over "
        "the same 25 years at every size, so a day or a week holds more of them as it grows)"
    )
    for figure in bench.figures.values():
        if figure.kind == INFO and figure.answers and all(s in figure.answers for s in sizes):
            per = [figure.median(s) / max(figure.answer(s) or 1, 1) for s in sizes]
            each = [f"{_format(v, 'ms')} per returned article at {s:,}" for v, s in zip(per, sizes)]
            print(f"{figure.name}: {', '.join(each)}")
    print(
        f"targets at {sizes[-1]:,} articles: {len(verdicts) - len(misses)} of {len(verdicts)} met"
        + (f"; not met: {', '.join(misses)}" if misses else "")
    )


def chart(bench: ArchiveBench, path: Path, server: str) -> None:
    """Each timed figure's median against the archive size (log scale), SVG or PNG by suffix."""
    try:
        import pygal
    except ImportError:
        sys.exit("--chart needs pygal (a dev dependency: pip install -r requirements-dev.txt)")
    timed = [figure for figure in bench.figures.values() if figure.unit == "ms"]
    plot = pygal.Line(
        logarithmic=True, title=f"rficrawl: medians against archive size, {server}",
        x_title="articles in the archive", y_title="median (ms, log scale)", legend_at_bottom=True,
        legend_at_bottom_columns=2, width=1100, height=700 + 40 * ((len(timed) + 2) // 2),
        truncate_legend=-1, dots_size=3,
    )  # fmt: skip
    plot.x_labels = [f"{size:,}" for size in bench.sizes]
    for figure in timed:
        plot.add(figure.name, [max(figure.median(s), 0.01) if s in figure.values else None
                               for s in bench.sizes])  # fmt: skip
    plot.add("target for lookups and listings: 50 ms", [50] * len(bench.sizes),
             stroke_style={"dasharray": "6, 4", "width": 2}, show_dots=False)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".png":
        try:
            plot.render_to_png(str(path))
        except ImportError:
            sys.exit(
                "a PNG chart needs cairosvg (pip install -r requirements-dev.txt); or use .svg"
            )
    else:
        plot.render_to_file(str(path))
    progress(f"chart: {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("10k,100k,300k"),
        help="archive sizes, growing (default 10k,100k,300k; up to 1M)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the archive and the queries' draws")
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=dt.datetime.now(dt.UTC).date(),
        help="the newest publication day, a Paris day (default: today)",
    )
    parser.add_argument("--repeat", type=int, default=25, help="runs of a figure at most")
    parser.add_argument("--min-repeat", type=int, default=3, help="runs of a figure at least")
    parser.add_argument(
        "--budget",
        type=float,
        default=10.0,
        help="seconds a figure may take (then it stops after --min-repeat runs)",
    )
    parser.add_argument(
        "--upserts",
        type=int,
        default=5 * STORE_DEFAULTS["STORE_BATCH_SIZE"],
        help="articles of each upsert kind, in the pipeline's batches (default %(default)s; "
        "the figure is the batches' median rate)",
    )
    parser.add_argument("--chart", type=Path, help="draw the medians into FILE.svg or FILE.png")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the archive (database, and an embedded server's data folder)",
    )
    args = parser.parse_args(argv)
    if args.chart and args.chart.suffix.lower() not in (".svg", ".png"):
        parser.error("--chart takes a .svg or .png file name")

    data = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    server = start_test_server(data)
    args.uri = server.uri
    client = connect(server.uri, timeout=30)
    name = f"bench_archive_{args.seed}_{uuid.uuid4().hex[:6]}"
    version = f"{server.version()} ({server.kind}, {redact(server.uri)})"
    progress(f"server: {version}; database {name}")
    try:
        bench = ArchiveBench(
            args, client[name], None if server.kind == EXTERNAL else server.data_dir
        )
        try:
            bench.run()
        finally:
            if bench.sizes:
                report(bench, version)
                if args.chart:
                    chart(bench, args.chart, f"{server.version()} ({server.kind})")
        client.drop_database(bench.scratch.name)
        if not args.keep:
            client.drop_database(name)
        else:
            progress(f"kept: database {name}" + ("" if server.kind == EXTERNAL else f" in {data}"))
    finally:
        client.close()
        server.stop()
        if not args.keep or server.kind == EXTERNAL:
            shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
