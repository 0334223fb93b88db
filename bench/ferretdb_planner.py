"""Query times of the embedded FerretDB at archive sizes: every query shape the project makes.

    .venv/bin/python bench/ferretdb_planner.py [--sizes 10000,100000,300000] [--repeat 15]

It starts the FerretDB launcher (``RFICRAWL_FERRETDB_LAUNCHER`` picks another build, e.g. an
older one to compare) on a temporary data directory, makes the project's indexes
(``ensure_indexes``) and grows an archive of realistic articles to each size: ~10 KB each (title,
lead, body_html ~6 KB and body_text ~3 KB of Chinese and French text), 17 editions, dates over 25
years (before 2001 included), 2-6 tags from ~2,000 with a skewed distribution, authors, an image;
1 in 20 articles has revisions; a crawl record per 1,000 articles. At each size it prints the
median time of each query shape (the parameters vary between runs), the insert rate of the last
growth step, the rate of pipeline-like upserts of new and of changed articles, and the export's
rate and the server's memory while it streams the whole archive sorted by date. Then each
figure's growth from the smallest size to the largest.

``--planner off`` starts the launcher with ``-planner=false`` (every query reads the whole
collection), ``--keep DIR`` keeps the data there and reuses it on the next run. Figures are
wall-clock times measured on whatever else the machine runs: compare them on a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pymongo
from pymongo import DESCENDING, ReplaceOne, UpdateOne

from rficrawl.ops.ferretdb import build_launcher, ferretdb_argv, find_launcher
from rficrawl.ops.mongo import ping
from rficrawl.ops.process import NotReady, free_port, wait_ready
from rficrawl.store.connection import ARTICLES, CRAWLS, REVISIONS, connect, ensure_indexes

EDITIONS = ("fr", "en", "es", "pt", "br", "cn", "tw", "ru", "uk", "fa", "vi", "km", "ro", "sw",
            "ha", "ma", "ff")  # fmt: skip
FRENCH = (
    "Le président a reçu ses homologues africains à l'Élysée pour parler de sécurité régionale. "
    "Les négociations sur le climat reprennent à Bonn, où les délégués cherchent un compromis. "
    "Au Sahel, les populations déplacées attendent toujours l'aide humanitaire promise. "
    "La Banque centrale européenne maintient ses taux directeurs malgré l'inflation persistante. "
)
CHINESE = (
    "台湾行政院通过特别预算，加速部署防空系统。法国总统在爱丽舍宫接见非洲各国领导人。"
    "气候谈判在波恩重启，各国代表寻求妥协。萨赫勒地区的流离失所者仍在等待人道主义援助。"
)
TAGS = [f"tag-{n}" for n in range(2000)]
START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=25 * 365)


TAG_WEIGHTS = [1 / (rank + 1) for rank in range(len(TAGS))]  # Zipf: a few tags are everywhere


def identity(n: int) -> tuple[str, dt.datetime, str, str]:
    """Edition, publication date, _id (content_id) and URL of the n-th article."""
    edition = EDITIONS[n % len(EDITIONS)]
    spread = int(hashlib.blake2b(str(n).encode(), digest_size=8).hexdigest(), 16)
    when = START + dt.timedelta(seconds=spread % int(SPAN.total_seconds()))
    content_id = f"WBMZ{100000 + n}-RFI-{edition.upper()}-{when:%Y%m%d}"
    url = f"https://www.rfi.fr/{edition}/monde/{when:%Y%m%d}-article-{n}"
    return edition, when, content_id, url


def text_of(source: str, start: int, size: int) -> str:
    """About size bytes (UTF-8) of source, from start, wrapping around."""
    out = []
    total = 0
    i = start % len(source)
    while total < size:
        piece = source[i : i + 80] or source[:80]
        out.append(piece)
        total += len(piece.encode())
        i = (i + 80) % len(source)
    return "".join(out)


def article(n: int, rng: random.Random, revision: int = 1) -> dict:
    """The n-th article of the archive (its text and tags vary with rng)."""
    edition, when, content_id, url = identity(n)
    text = CHINESE if edition in ("cn", "tw") else FRENCH
    body_text = text_of(text, n, 3000)
    body_html = "".join(
        f'<p class="t-content__body">{text_of(text, n + k * 37, 560)}</p>' for k in range(10)
    )
    tags: set[str] = set()
    wanted = rng.randint(2, 6)
    while len(tags) < wanted:
        tags.update(rng.choices(TAGS, TAG_WEIGHTS, k=wanted - len(tags)))
    doc = {
        "_id": content_id,
        "url": url,
        "content_id": content_id,
        "edition": edition,
        "language": edition,
        "section": ["monde", "afrique", "europe", "économie", "culture"][n % 5],
        "title": f"{text_of(text, n, 60)} ({n})",
        "lead": text_of(text, n + 11, 250),
        "body_text": body_text,
        "body_html": body_html,
        "authors": [{"name": f"Auteur {n % 300}", "url": None}],
        "image": {"url": f"https://s.rfi.fr/media/{n}.jpg", "caption": text_of(text, n, 60)},
        "tags": sorted(tags),
        "published_at": when,
        "modified_at": when,
        "published_day": when.strftime("%Y-%m-%d"),
        "fetched_at": when,
        "revision": revision,
    }
    doc["content_hash"] = hashlib.sha256(f"{doc['title']}{revision}".encode()).hexdigest()
    return doc


class Server:
    """The FerretDB launcher on a free port, and its memory."""

    def __init__(self, data: Path, planner: bool, args: list[str] = ()):
        self.port = free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}"
        argv = ferretdb_argv(find_launcher(), data, self.port) + list(args)
        if not planner:
            argv.append("-planner=false")
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
        try:
            # a database of an earlier build is upgraded first
            wait_ready(lambda: ping(self.uri, timeout=1), what="the FerretDB launcher", timeout=600,
                       process=self.process, errors=(pymongo.errors.PyMongoError,), interval=0.2)
        except NotReady as exc:
            raise SystemExit(f"{exc} ({argv})") from None

    def rss(self) -> int:
        """Resident memory of the server, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def grow(db, start: int, stop: int, rng: random.Random) -> float:
    """Insert articles start..stop (and their revisions and crawls); return articles/s."""
    articles = db[ARTICLES]
    elapsed = 0.0
    for at in range(start, stop, 500):
        docs = [article(n, rng) for n in range(at, min(at + 500, stop))]
        elapsed += timed(lambda docs=docs: articles.insert_many(docs, ordered=False))
        revisions = [{"_id": f"{d['_id']}@{r}", "article_id": d["_id"], "revision": r,
                      "content_hash": f"old{r}", "superseded_at": d["published_at"],
                      "document": {"title": d["title"], "body_text": d["body_text"][:500]}}
                     for n, d in enumerate(docs, at) if n % 20 == 0 for r in (1, 2)]  # fmt: skip
        if revisions:
            db[REVISIONS].insert_many(revisions, ordered=False)
        crawls = [{"_id": f"crawl-{n}", "started_at": START + dt.timedelta(hours=n),
                   "spider": "fronts", "stats": {"n": n}}
                  for n in range(at, min(at + 500, stop)) if n % 1000 == 0]  # fmt: skip
        if crawls:
            db[CRAWLS].insert_many(crawls)
    return (stop - start) / elapsed


def shapes(db, size: int, rng: random.Random) -> dict[str, tuple[Callable, Callable]]:
    """Each query shape the project makes: (arguments for run i, the query of those arguments).
    Arguments are made before the clock starts."""
    articles = db[ARTICLES]

    def some() -> int:
        return rng.randrange(size)

    def known_urls(i: int) -> list[str]:
        # the known-article check: 100 URLs, half of them stored
        return [identity(some())[3] for _ in range(50)] + [
            f"https://www.rfi.fr/cn/x/missing-{i}-{k}" for k in range(50)
        ]

    def day(i: int) -> tuple[str, dt.datetime, dt.datetime]:
        start = START + dt.timedelta(days=rng.randrange(SPAN.days))
        return EDITIONS[i % 17], start, start + dt.timedelta(days=1)

    def stored_hash(i: int) -> tuple[dict, str]:
        doc = article(some(), rng)
        stored = articles.find_one({"_id": doc["_id"]}, {"content_hash": 1})
        return {**doc, "revision": 2, "content_hash": f"changed-{i}-{time.time()}"}, stored["content_hash"]

    since = lambda i: (START + SPAN - dt.timedelta(days=14 + i)).strftime("%Y-%m-%d")
    return {
        "url $in 100 (known check)": (known_urls, lambda urls: list(articles.find({"url": {"$in": urls}}, {"url": 1, "modified_at": 1, "published_at": 1}))),
        "one url": (lambda i: identity(some())[3], lambda url: articles.find_one({"url": url})),
        "one _id": (lambda i: identity(some())[2], lambda key: articles.find_one({"_id": key})),
        "_id $in 100": (lambda i: [identity(some())[2] for _ in range(100)], lambda keys: list(articles.find({"_id": {"$in": keys}}, {"content_hash": 1}))),
        "newest 20 of an edition": (lambda i: EDITIONS[i % 17], lambda e: list(articles.find({"edition": e}).sort("published_at", DESCENDING).limit(20))),
        "a day of an edition": (day, lambda a: list(articles.find({"edition": a[0], "published_at": {"$gte": a[1], "$lt": a[2]}}).sort("published_at", DESCENDING))),
        "by tag, newest 20": (lambda i: TAGS[i % 5], lambda t: list(articles.find({"tags": t}).sort("published_at", DESCENDING).limit(20))),
        "a day (date range)": (day, lambda a: list(articles.find({"published_at": {"$gte": a[1], "$lt": a[2]}}))),
        "revisions of an article": (lambda i: identity(some())[2], lambda key: list(db[REVISIONS].find({"article_id": key}).sort("revision", 1))),
        "last 10 crawls": (lambda i: None, lambda _: list(db[CRAWLS].find().sort("started_at", DESCENDING).limit(10))),
        "conditional replace {_id, content_hash}": (stored_hash, lambda a: articles.bulk_write([ReplaceOne({"_id": a[0]["_id"], "content_hash": a[1]}, a[0])])),
        "count of an edition": (lambda i: EDITIONS[i % 17], lambda e: articles.count_documents({"edition": e})),
        "$group per edition": (lambda i: None, lambda _: list(articles.aggregate([{"$group": {"_id": "$edition", "n": {"$sum": 1}}}]))),
        "$group per day since (stats)": (since, lambda s: list(articles.aggregate([{"$match": {"published_day": {"$gte": s}}}, {"$group": {"_id": "$published_day", "n": {"$sum": 1}}}]))),
        "estimated count": (lambda i: None, lambda _: articles.estimated_document_count()),
    }  # fmt: skip


def median_ms(prepare: Callable, run: Callable, repeat: int) -> float:
    times = []
    for i in range(repeat):
        args = prepare(i)
        times.append(timed(lambda args=args: run(args)))
    return statistics.median(times) * 1000


def upserts(db, size: int, rng: random.Random, new: bool) -> float:
    """Pipeline-like upserts of 1,000 articles in batches of 200 (new ones, or changed ones)."""
    articles = db[ARTICLES]
    numbers = range(size, size + 1000) if new else rng.sample(range(size), 1000)
    docs = [article(n, rng, revision=3) for n in numbers]
    for doc in docs:  # a new version: the update must write
        doc["content_hash"] = hashlib.sha256(f"{doc['_id']}{time.time()}".encode()).hexdigest()
    started = time.perf_counter()
    for at in range(0, len(docs), 200):
        ops = [UpdateOne({"_id": d["_id"]}, {"$set": d}, upsert=True) for d in docs[at : at + 200]]
        articles.bulk_write(ops, ordered=False)
    rate = len(docs) / (time.perf_counter() - started)
    if new:
        articles.delete_many({"_id": {"$in": [d["_id"] for d in docs]}})
    return rate


def export(db, server: Server, limit: int) -> tuple[float, int, int]:
    """Stream articles sorted by date (as `rficrawl export`): articles/s and the server's memory
    (resident, bytes) after the first tenth and at the end."""
    rss: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            rss.append(server.rss())

    thread = threading.Thread(target=sample)
    thread.start()
    started = time.perf_counter()
    early = 0
    n = 0
    for n, _ in enumerate(db[ARTICLES].find({}).sort("published_at", DESCENDING).limit(limit), 1):
        if n == limit // 10:
            early = server.rss()
    elapsed = time.perf_counter() - started
    done.set()
    thread.join()
    return n / elapsed, early, max(rss, default=server.rss())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--planner", choices=("on", "off"), default="on")
    parser.add_argument("--export", type=int, default=50_000, help="articles exported per size")
    parser.add_argument("--skip", default="", help="comma-separated shapes to skip (substrings)")
    parser.add_argument("--keep", type=Path, help="data directory to keep (and reuse)")
    parser.add_argument("--launcher-arg", action="append", default=[],
                        help="extra launcher argument, e.g. --launcher-arg=-sqlite-params=... (repeatable)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    skip = [s for s in args.skip.split(",") if s]

    build_launcher()  # the launcher of these sources (a no-op when it is up to date)
    holder = None if args.keep else tempfile.TemporaryDirectory(prefix="bench-planner-")
    data = args.keep or Path(holder.name)
    server = Server(data, args.planner == "on", args.launcher_arg)
    client = connect(server.uri, timeout=600)
    db = client["bench"]
    ensure_indexes(db)
    rng = random.Random(1)
    results: dict[int, dict[str, float]] = {}
    try:
        print(f"launcher {find_launcher()} (planner {args.planner}); data in {data}")
        have = db[ARTICLES].estimated_document_count()
        for size in sizes:
            rate = grow(db, have, size, rng) if size > have else float("nan")
            have = max(have, size)
            row: dict[str, float] = {"insert (articles/s)": rate}
            for name, (prepare, run) in shapes(db, size, rng).items():
                if any(s in name for s in skip):
                    continue
                row[f"{name} (ms)"] = median_ms(prepare, run, args.repeat)
            row["upsert new (articles/s)"] = upserts(db, size, rng, new=True)
            row["upsert changed (articles/s)"] = upserts(db, size, rng, new=False)
            if args.export:
                rate, early, peak = export(db, server, min(args.export, size))
                row["export (articles/s)"] = rate
                row["export server RSS at 1/10 (MB)"] = early / 1e6
                row["export server RSS peak (MB)"] = peak / 1e6
            size_bytes = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
            row["disk per article (KB)"] = size_bytes / have / 1000
            results[size] = row
            print(f"\n== {size:,} articles")
            for name, value in row.items():
                print(f"  {name:48} {value:12,.1f}")
        if len(sizes) > 1:
            first, last = results[sizes[0]], results[sizes[-1]]
            print(f"\n== growth {sizes[0]:,} -> {sizes[-1]:,} (last / first)")
            for name in first:
                if first[name] and name in last:
                    print(f"  {name:48} {last[name] / first[name]:12.2f}x")
    finally:
        client.close()
        server.stop()
        if holder:
            holder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
