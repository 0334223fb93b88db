"""Today's extractor over the kept pages of stored articles, written through the store's writer.

For each stored article (the command's filters, read through the store's indexes), the record its
``warc`` pointer names is read back, the page is extracted again as a crawl would
(``read_article``: the record's URL and origin, the stored ``fetched_at``), validated into a
document as a crawl's item is (``storable_document``'s checks; the BSON one only for a version
that is written) and compared with the stored version on every field RFI published. Only an
article whose extraction changed becomes a new version, written by ``ArticleWriter`` like a
crawl's (the earlier one kept in ``revisions``), with ``revision_reason: "reextract"``. An article
whose page the extractor now refuses is left as it is and counted ``dropped`` with the reason; an
article whose record cannot be read (file missing or damaged, a record of another page...) is
counted ``skipped`` with the reason and reported alone: the run goes on.

With ``jobs`` above 1 (``rficrawl reextract --jobs``, by default the CPUs this process may use),
worker processes (:func:`in_workers`) each read and extract windows of stored articles, handed out
in the cursor's order while more are read from the store; the outcomes come back in that order and
the main process writes the changed versions, so that a run gives the same outcomes, counts and
revisions whatever its ``jobs``. With one job, reading a record (the file, its gzip member's
decompression, warcio's parsing) and the store's cursor are done ahead in a thread of its own
(:class:`ReadAhead`) while the main thread extracts: the decompression, the file reads and the
cursor's network waits release the GIL, so on a machine with a core to spare they cost the
extraction little.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
import queue
import signal
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymongo.database import Database

from rficrawl.extract.article import NotAnArticle, read_article
from rficrawl.store.documents import changed_fields, to_document
from rficrawl.store.validation import InvalidItem, check_document, validate_item
from rficrawl.store.writer import ArticleWriter
from rficrawl.urls import canonical_article_url
from rficrawl.warc.capture import Location
from rficrawl.warc.reader import Files, PageRecord, RecordError, find_file, read_at

REASON = "reextract"
UNCHANGED, REVISED, DROPPED, SKIPPED, NO_RECORD = (
    "unchanged", "revised", "dropped", "skipped", "no_record")
WRITE_BATCH = 200
# Stored articles whose records are read ahead together, in file and offset order.
READ_AHEAD = 16
# Windows read and waiting while the caller extracts: the thread reads the store's cursor too, and
# while it waits for the next batch of documents (CURSOR_BATCH: about 40 ms on FerretDB, more on a
# busy machine) the caller works on what is waiting. With one window waiting it ran dry and waited
# at each batch. At most six windows of pages are in memory (~50 MB at ~530 KB a page).
WINDOWS_AHEAD = 4
# Stored articles per batch of the store's cursor (each batch is one round trip).
CURSOR_BATCH = 100


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, as a container or taskset limits it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class Outcome:
    """What reextract made of one stored article."""

    kind: str
    article_id: Any
    url: str
    reason: str = ""
    message: str = ""
    changed: list[str] = field(default_factory=list)
    stored: dict[str, Any] | None = None
    document: dict[str, Any] | None = None


@dataclass
class Summary:
    """Counts of a run, with the reasons of the dropped and skipped articles."""

    counts: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.kind] += 1
        if outcome.kind == DROPPED:
            self.dropped[outcome.reason] += 1
        elif outcome.kind == SKIPPED:
            self.skipped[outcome.reason] += 1


def same_page(record_url: str, stored_url: str) -> bool:
    """Whether a record's URL is the stored article's (the public form of a mirror's URL too)."""
    if record_url == stored_url:
        return True
    parts = record_url.split("/", 3)
    origin = "/".join(parts[:3])
    return canonical_article_url(record_url, origin) == canonical_article_url(stored_url)


class Reextraction:
    """One run over stored articles (a dry run writes nothing and keeps the documents);
    ``jobs`` above 1 extracts in that many worker processes."""

    def __init__(self, db: Database, places: Sequence[Path], *, dry_run: bool = False,
                 batch_size: int = WRITE_BATCH, jobs: int = 1) -> None:
        self.db = db
        self.places = list(places)
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.jobs = max(1, jobs)
        self.writer = ArticleWriter(db, reason=REASON, compare_fields=True)
        self.pages = Rereading(self.places)
        self.summary = Summary()
        self._pending: list[Outcome] = []

    def run(self, stored: Iterable[dict[str, Any]],
            report: Callable[[Outcome], None] = lambda outcome: None) -> Summary:
        """Re-extract each stored article, write the changed ones in batches, and call
        ``report`` with every outcome (a revised one once it is written)."""
        outcomes = self._outcomes(stored)
        try:
            for outcome in outcomes:
                if outcome.kind == REVISED and not self.dry_run:
                    self._pending.append(outcome)
                    if len(self._pending) >= self.batch_size:
                        self._flush(report)
                else:
                    self._count(outcome, report)
            self._flush(report)
        finally:
            outcomes.close()
        return self.summary

    def _outcomes(self, stored: Iterable[dict[str, Any]]) -> Iterator[Outcome]:
        """The outcome of each stored article, in the cursor's order."""
        if self.jobs > 1:
            yield from in_workers(stored, self.places, self.jobs)
            return
        ahead = ReadAhead(stored, self.pages.read)
        try:
            for doc, record in ahead:
                yield self.pages.one(doc, record)
        finally:
            ahead.close()
            self.pages.close()

    def _count(self, outcome: Outcome, report: Callable[[Outcome], None]) -> None:
        self.summary.add(outcome)
        report(outcome)

    def _flush(self, report: Callable[[Outcome], None]) -> None:
        """Write the pending new versions through the store's writer."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        result = self.writer.write([outcome.document for outcome in pending])
        failed = {doc["_id"]: why for doc, why in result.failed}
        for outcome in pending:
            why = failed.get(outcome.document["_id"])
            if why is not None:
                outcome.kind, outcome.reason = SKIPPED, why
                outcome.message = f"{outcome.article_id}: the store refused the new version ({why})"
            self._count(outcome, report)


class Rereading:
    """Stored articles' pages read back from their records and extracted with today's extractor
    (the files found in ``places``, the last few kept open): what a run makes of each, without
    the store."""

    def __init__(self, places: Sequence[Path]) -> None:
        self.places = list(places)
        self.files = Files()
        self._paths: dict[str, Path] = {}

    def one(self, stored: dict[str, Any],
            read: PageRecord | RecordError | None = None) -> Outcome:
        """What today's extractor makes of a stored article (``read``: its record, or why it
        could not be read, when it was read ahead; None: read it now)."""
        article_id, url = stored["_id"], stored.get("url", "")
        location = Location.from_pointer(stored.get("warc"))
        if location is None:
            return Outcome(NO_RECORD, article_id, url, "no_record",
                           f"{article_id}: stored without a WARC record")
        try:
            if isinstance(read, RecordError):
                raise read
            record = read if read is not None else self._record(location)
            if not same_page(record.url, url):
                raise RecordError("other_page", f"{record.where} holds {record.url}, not "
                                  f"{url}: a record of another page or site (was the file "
                                  "replaced?)")
            response = record.response()
        except RecordError as exc:
            return Outcome(SKIPPED, article_id, url, exc.reason, f"{article_id}: {exc}")
        try:
            extraction = read_article(response, base_url=record.origin,
                                      fetched_at=stored.get("fetched_at"))
        except NotAnArticle as exc:
            return Outcome(DROPPED, article_id, url, exc.reason,
                           f"{article_id}: not an article any more ({exc})")
        item = extraction.item
        item["warc"] = stored["warc"]
        try:
            validate_item(item)
            document = to_document(item)
        except InvalidItem as exc:
            return Outcome(DROPPED, article_id, url, exc.reason, f"{article_id}: {exc}")
        if document["_id"] != article_id:
            document["_id"] = article_id  # the stored key stays, as the writer keeps it
        changed = changed_fields(stored, document)
        if not changed and stored.get("content_hash") == document["content_hash"]:
            return Outcome(UNCHANGED, article_id, url)
        # What MongoDB could not store (storable_document's last check, a BSON encoding of the
        # whole document) matters only for a version that is written: not for the unchanged.
        try:
            check_document(document)
        except InvalidItem as exc:
            return Outcome(DROPPED, article_id, url, exc.reason, f"{article_id}: {exc}")
        return Outcome(REVISED, article_id, url, changed=changed or ["content_hash"],
                       stored=stored, document=document)

    def _record(self, location: Location) -> PageRecord:
        path = self._paths.get(location.file)
        if path is None or not path.is_file():
            path = self._paths[location.file] = find_file(location.file, self.places)
        try:
            stream = self.files.get(path)
        except OSError as exc:
            raise RecordError("missing_file", f"{path}: cannot be read ({exc})") from None
        return read_at(stream, location.file, location.offset, location.length)

    def read(self, location: Location) -> PageRecord | RecordError:
        """The record at ``location``, or the RecordError saying why it cannot be read."""
        try:
            return self._record(location)
        except RecordError as exc:
            return exc

    def window(self, docs: list[dict[str, Any]]) -> list[Outcome]:
        """The outcomes of a window of stored articles, their records read by file and offset."""
        records = read_window(docs, self.read)
        return [self.one(doc, record) for doc, record in zip(docs, records, strict=True)]

    def close(self) -> None:
        self.files.close()


def read_window(docs: list[dict[str, Any]],
                read: Callable[[Location], PageRecord | RecordError]) -> list[Any]:
    """Each stored article's record (None for one stored without), read grouped by file in offset
    order: a window of articles of one crawl reads its file forward."""
    places = [Location.from_pointer(doc.get("warc")) for doc in docs]
    records: list[Any] = [None] * len(docs)
    wanted = [n for n, place in enumerate(places) if place is not None]
    for n in sorted(wanted, key=lambda n: (places[n].file, places[n].offset)):
        records[n] = read(places[n])
    return records


# --- Worker processes --------------------------------------------------------------------------

_worker: Rereading | None = None


def _start_worker(places: list[Path]) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the main process stops the run, and its workers
    # are stopped by it, not midway through a window by the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = Rereading(places)


def _worker_window(docs: list[dict[str, Any]]) -> list[Outcome]:
    assert _worker is not None, "a worker process is started by in_workers"
    return _worker.window(docs)


def in_workers(stored: Iterable[dict[str, Any]], places: Sequence[Path], jobs: int,
               window: int = READ_AHEAD, waiting: int = WINDOWS_AHEAD) -> Iterator[Outcome]:
    """The outcomes of the stored articles, extracted in ``jobs`` worker processes.

    Windows of ``window`` articles are handed out in the cursor's order, at most ``waiting`` per
    worker ahead of the caller (the cursor is read as the windows go, never whole), and their
    outcomes are yielded in that order. The workers are forked, so that they start at once with
    the modules loaded (they never use the parent's MongoDB connection: the main process reads
    the store and writes). An error in a worker (or a worker killed) is raised here."""
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                               initargs=(list(places),))
    docs = iter(stored)
    running: deque[Future[list[Outcome]]] = deque()
    try:
        while True:
            while len(running) < jobs * waiting:
                chunk = list(itertools.islice(docs, window))
                if not chunk:
                    break
                running.append(pool.submit(_worker_window, chunk))
            if not running:
                return
            yield from running.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_END = object()


class ReadAhead:
    """Stored articles with their records, read in a thread ahead of the caller.

    The thread takes ``window`` articles at a time from ``stored`` (the store's cursor), reads
    their records grouped by file in offset order (``read``: a record, or the RecordError saying
    why not), and hands them on in the cursor's order; up to ``waiting`` windows wait while the
    caller works on the last. An error of the cursor is raised in the caller. ``close`` stops the thread.
    """

    def __init__(self, stored: Iterable[dict[str, Any]],
                 read: Callable[[Location], PageRecord | RecordError],
                 window: int = READ_AHEAD, waiting: int = WINDOWS_AHEAD) -> None:
        self._stored = iter(stored)
        self._read = read
        self._window = window
        self._ready: queue.Queue[Any] = queue.Queue(maxsize=waiting)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="rficrawl-reextract-read",
                                        daemon=True)

    def __iter__(self) -> Iterator[tuple[dict[str, Any], PageRecord | RecordError | None]]:
        self._thread.start()
        while True:
            ready = self._ready.get()
            if ready is _END:
                return
            if isinstance(ready, BaseException):
                raise ready
            yield from ready

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:  # let a thread waiting to hand on a window see the stop
                self._ready.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                docs = list(itertools.islice(self._stored, self._window))
                if not docs:
                    break
                self._hand_on(list(zip(docs, read_window(docs, self._read), strict=True)))
        except Exception as exc:  # noqa: BLE001 (the cursor's, say: raised in the caller)
            self._hand_on(exc)
            return
        self._hand_on(_END)

    def _hand_on(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.05)
                return
            except queue.Full:
                continue


def published_window(since: dt.datetime | None, until: dt.datetime | None) -> str:
    """The bounds of a run, for its first line."""
    if not since and not until:
        return "any date"
    return (f"published {since.isoformat() if since else '…'} to "
            f"{until.isoformat() if until else '…'} (UTC, end excluded)")
