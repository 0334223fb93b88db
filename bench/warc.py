"""What the WARC files cost: disk bytes per article, and crawl speed with WARC writing on ÷ off.

On the mirror of bench/crawl.py (copies of the real /cn/ article capture, built once under
.cache/bench-crawl/), ``scrapy crawl fronts`` runs in alternation with the WARC add-on on (the
project's default: articles and listings kept, WARC_GZIP_LEVEL 2) and off (``WARC_DIR`` empty), so that
a busy machine weighs on both alike; the best run of each is compared (target: on ÷ off >= 0.9),
and the crawl process's CPU time per page (user + system) of each, which a shared machine sways
less.
It prints the bytes of the WARC files per article (gzip, listings and warcinfo included) and the
records written (from the crawl's ``rficrawl/warc/*`` stats).

Then one more crawl stores its articles (the test MongoDB-wire server of testbed.mongo, FerretDB
where built), and ``rficrawl reextract``'s work (``Reextraction`` over the store's cursor of every
article, with the command's cursor batches: read each record by its pointer, extract, compare;
nothing changed, so nothing is written) is timed against the bare ``extract_article`` over the same
pages already in memory (responses made before the clock starts; target: >= 0.8). Reextract is
timed as the command runs by default, in worker processes (``--jobs``: the CPUs this process may
use), and in one process (``--jobs 1``: the main thread extracts while a thread reads ahead), whose
ratio is the overhead of reading the pages back on one core. They run in alternation,
``--reextract-rounds`` times each, and the best of each is compared, as the crawls are: on a shared
machine one pass of each measured the neighbours as much as the code. Each round also prints the
CPU time per article (this process, its read-ahead thread and its worker processes included, and
for reextract the store server's, which a deployment's MongoDB spends as well).

Usage: .venv/bin/python bench/warc.py [--articles N] [--rounds N] [--gzip-level N]
                                     [--skip-reextract] [--reextract-rounds N] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.crawl import CACHE, POLITENESS_OFF, SMALL_SECTION, build, run_fronts
from rficrawl.extract.article import extract_article
from rficrawl.store.connection import ARTICLES, connect
from rficrawl.warc.capture import Location
from rficrawl.warc.reader import Files, read_at
from rficrawl.warc.reextract import CURSOR_BATCH, UNCHANGED, Reextraction, available_cpus
from testbed.mongo import start_test_server
from testbed.server import MirrorServer


def crawl(server: MirrorServer, articles: int, workdir: Path, warc: bool,
          gzip_level: int | None = None) -> dict:
    """One crawl (WARC on or off), with its WARC files' size and stats when on."""
    extra: dict[str, object] = {"RFICRAWL_BROWSER_ENABLED": 0}
    if not warc:
        extra["WARC_DIR"] = ""
    elif gzip_level is not None:
        extra["WARC_GZIP_LEVEL"] = gzip_level
    result = run_fronts(server, SMALL_SECTION, articles, workdir, extra)
    if warc:
        files = sorted((workdir / "warc").glob("*.warc.gz"))
        result["warc_files"] = len(files)
        result["warc_bytes"] = sum(path.stat().st_size for path in files)
        stats = json.loads((workdir / f"stats-{articles}.json").read_text())
        result["warc_stats"] = {k: v for k, v in stats.items() if k.startswith("rficrawl/warc/")}
    return result


def reextract_speed(server: MirrorServer, workdir: Path, rounds: int, jobs: int) -> None:
    """A crawl into a store, then reextract's articles/s against bare extraction in memory."""
    warc = workdir / "warc-stored"
    runs = {f"--jobs {jobs}": jobs, "--jobs 1": 1} if jobs > 1 else {"--jobs 1": 1}
    with tempfile.TemporaryDirectory(prefix="bench-warc-") as data:
        mongo = start_test_server(Path(data))
        try:
            settings = {**POLITENESS_OFF, "RFICRAWL_BROWSER_ENABLED": 0, "WARC_DIR": str(warc),
                        "RFI_BASE_URL": server.base_url, "MONGO_URI": mongo.uri,
                        "MONGO_DATABASE": "bench_warc", "STORE_SPILL_DIR": str(Path(data) / "spill"),
                        "LOG_LEVEL": "WARNING", "REMOTE_CONTROL_ENABLED": False}
            cmd = [sys.executable, "-m", "scrapy", "crawl", "fronts", "-a", "editions=cn",
                   "-a", f"sections={SMALL_SECTION}", "-a", "max_pages=100000"]
            for key, value in settings.items():
                cmd += ["-s", f"{key}={value}"]
            done = subprocess.run(cmd, cwd=REPO, check=False, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"scrapy crawl fronts (stored) failed:\n{done.stderr[-3000:]}")
            client = connect(mongo.uri)
            db = client["bench_warc"]
            pointers = [doc["warc"] for doc in db[ARTICLES].find({}, {"warc": 1})]
            bare: list[tuple[float, float]] = []
            rates: dict[str, list[tuple]] = {name: [] for name in runs}
            for _ in range(rounds):
                bare.append(bare_speed(warc, pointers))
                line = f"  round: bare {bare[-1][0]:.1f} articles/s ({bare[-1][1]:.2f} ms CPU)"
                for name, n in runs.items():
                    rate = timed(lambda n=n: Reextraction(db, [warc], jobs=n).run(
                        db[ARTICLES].find({}, batch_size=CURSOR_BATCH)), mongo.pid)
                    rates[name].append(rate)
                    summary = rate[2]
                    line += (f"; reextract {name} {rate[0]:.1f} articles/s ({rate[1]:.2f} ms CPU, "
                             f"store server {rate[3]:.2f} ms) [{summary.counts[UNCHANGED]} "
                             f"unchanged of {sum(summary.counts.values())}]")
                print(line, flush=True)
            client.close()
        finally:
            mongo.stop()
    best_bare = max(r[0] for r in bare)
    print(f"bare extract_article on the {len(pointers)} pages in memory, best of {rounds}: "
          f"{best_bare:.1f} articles/s, {min(r[1] for r in bare):.2f} ms CPU per article")
    for name, measured in rates.items():
        best = max(r[0] for r in measured)
        what = ("in one process: the overhead of reading back on one core" if name == "--jobs 1"
                else "in worker processes (the command's default: one per CPU)")
        print(f"reextract {name} ({what}): {best:.1f} articles/s, best of {rounds}; ratio "
              f"{best / best_bare:.2f} (target: >= 0.80); CPU per article (least of the rounds) "
              f"{min(r[1] for r in measured):.2f} ms + store server "
              f"{min(r[3] for r in measured):.2f} ms")


def bare_speed(warc: Path, pointers: list[dict]) -> tuple[float, float]:
    """``extract_article`` over the pages, their responses made before the clock starts."""
    files = Files()
    pages = []
    for pointer in pointers:
        location = Location.from_pointer(pointer)
        page = read_at(files.get(warc / location.file), location.file, location.offset,
                       location.length)
        pages.append((page.response(), page.origin))
    files.close()
    cpu, started = time.process_time(), time.perf_counter()
    for response, origin in pages:
        extract_article(response, base_url=origin)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(pages) / wall, cpu * 1000 / len(pages)


def timed(run, server_pid: int | None) -> tuple[float, float, object, float]:
    """A Reextraction run's articles/s, its CPU ms per article (this process, threads included,
    and its worker processes, reaped as the run ends), its summary, and the store server's CPU ms
    per article (0 where it is not a child of ours)."""
    server = _cpu_of(server_pid)
    cpu, started = _own_cpu(), time.perf_counter()
    summary = run()
    wall, cpu = time.perf_counter() - started, _own_cpu() - cpu
    articles = sum(summary.counts.values()) or 1
    return (articles / wall, cpu * 1000 / articles, summary,
            (_cpu_of(server_pid) - server) * 1000 / articles)


def _own_cpu() -> float:
    """User + system CPU seconds of this process and of its reaped children (workers)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _cpu_of(pid: int | None) -> float:
    """A process's user + system CPU seconds so far (Linux /proc), 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles per crawl")
    parser.add_argument("--rounds", type=int, default=2, help="crawls with and without, each")
    parser.add_argument("--gzip-level", type=int, default=None,
                        help="WARC_GZIP_LEVEL of the crawls with WARC on (default: the project's)")
    parser.add_argument("--skip-reextract", action="store_true",
                        help="only the crawls (no store, no reextract timing)")
    parser.add_argument("--reextract-rounds", type=int, default=3,
                        help="bare extraction and reextract in alternation, each (best taken)")
    parser.add_argument("--jobs", type=int, default=available_cpus(),
                        help="reextract's worker processes, as its --jobs (default: the CPUs "
                        "this process may use, %(default)s here); --jobs 1 is timed as well")
    args = parser.parse_args()
    root = CACHE / f"mirror-{args.articles}-{args.articles}"
    build(root, args.articles, args.articles)
    workdir = CACHE / "warc-runs"
    workdir.mkdir(parents=True, exist_ok=True)
    print("settings: the project's, politeness off, no store, RFICRAWL_BROWSER_ENABLED=0"
          + (f", WARC_GZIP_LEVEL={args.gzip_level}" if args.gzip_level is not None else ""))
    on, off = [], []
    with MirrorServer(root) as server:
        for _ in range(args.rounds):
            off.append(crawl(server, args.articles, workdir, warc=False))
            on.append(crawl(server, args.articles, workdir, warc=True, gzip_level=args.gzip_level))
        if not args.skip_reextract:
            reextract_speed(server, workdir, args.reextract_rounds, args.jobs)
    last = on[-1]
    items = last["items"] or 1
    stats = last["warc_stats"]
    records = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if "/records/" in k}
    print(f"WARC on: {last['pages']} pages, {last['items']} articles -> {last['warc_files']} "
          f"file(s), {last['warc_bytes']:,} bytes on disk = {last['warc_bytes'] / items:,.0f} "
          f"bytes per article (gzip; listings and warcinfo included); records: "
          + ", ".join(f"{n} {kind}" for kind, n in sorted(records.items())))
    speeds = {name: ", ".join(f"{r['pages_per_s']:.1f}" for r in runs)
              for name, runs in (("on", on), ("off", off))}
    print(f"crawl pages/s, WARC on: {speeds['on']}; off: {speeds['off']}")
    cpu = {name: min(r["cpu_s"] / r["pages"] for r in runs) * 1000
           for name, runs in (("on", on), ("off", off))}
    # CPU time is less swayed than pages/s by other work on a shared machine.
    print(f"crawl CPU per page (least of the runs): WARC on {cpu['on']:.1f} ms, off "
          f"{cpu['off']:.1f} ms: WARC adds {cpu['on'] / cpu['off'] - 1:.0%}")
    best_on = max(r["pages_per_s"] for r in on)
    best_off = max(r["pages_per_s"] for r in off)
    print(f"crawl pages/s WARC on / off: {best_on / best_off:.2f}, best against best "
          "(target: >= 0.90)")


if __name__ == "__main__":
    main()
