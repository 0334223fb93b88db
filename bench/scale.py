"""Throughput of 1, 2 and 4 workers sharing one Redis frontier, and the duplicate filter's memory.

The crawl is network-bound, as against the real site: the local mirror waits ``--delay`` seconds
before every response and each worker may have only ``--concurrency`` requests in flight, so a
worker's speed is bounded by latency, not by CPU, and more workers should mean proportionally more
pages per second. Each configuration crawls the same mirror (bench/crawl.py's generated section of
``--articles`` article pages in paginated lists of 50) through a fresh redis-server with the real
``fronts`` spider, every worker a ``scrapy crawl`` process. Pages per second are counted at the
mirror, from the first request it answered to the last (worker start-up and the idle close are
not crawling time; the wall time is printed too), and again from the moment the last worker to
start made its first request (start-up skew excluded). Target: 2 workers >= 1.8x one worker.

Then it measures the set dupefilter's Redis memory for a million fingerprints (``MEMORY USAGE``)
and prints the Bloom option's size and false-positive rates.

Usage: .venv/bin/python bench/scale.py [--articles N] [--delay S] [--concurrency N]
       [--workers 1,2,4] [--skip-memory]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rficrawl.frontier.dupefilter import bloom_false_positive_rate
from testbed.redis import RedisServer
from testbed.server import MirrorServer, RequestRecord

# The article mirror of bench/crawl.py (same builder, same cache), not a second copy of it.
_spec = importlib.util.spec_from_file_location("bench_crawl", REPO / "bench" / "crawl.py")
bench_crawl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_crawl)


class Clock:
    """When the mirror answered each page, and which worker (by its User-Agent) asked."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.first_by_worker: dict[str, float] = {}

    def __call__(self, record: RequestRecord) -> None:
        now = time.monotonic()
        with self.lock:
            if record.path == "/robots.txt":
                return
            self.times.append(now)
            self.first_by_worker.setdefault(record.user_agent, now)

    def rate(self, since: float) -> tuple[int, float, float]:
        """Pages answered from ``since`` to the last answer, that span, pages per second."""
        pages = [t for t in self.times if t >= since]
        span = max(self.times) - since
        return len(pages), span, len(pages) / span if span else 0.0


def run_workers(root: Path, count: int, args: argparse.Namespace, workdir: Path) -> dict:
    clock = Clock()
    with MirrorServer(root, delay=args.delay, on_request=clock) as server, \
            tempfile.TemporaryDirectory() as redis_dir:
        redis = RedisServer(Path(redis_dir)).start()
        try:
            settings = {
                **bench_crawl.POLITENESS_OFF,
                "CONCURRENT_REQUESTS": args.concurrency,
                "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
                "RFI_BASE_URL": server.base_url,
                "REDIS_URL": redis.url,
                "MONGO_URI": "",
                "RFICRAWL_BROWSER_ENABLED": 0,
                "FRONTIER_IDLE_TIMEOUT": 2,
                "FRONTIER_POLL_INTERVAL": 0.2,
                "LOG_LEVEL": "WARNING",
                "REMOTE_CONTROL_ENABLED": False,
                "TELNETCONSOLE_ENABLED": False,
            }
            procs = []
            started = time.monotonic()
            for n in range(count):
                stats = workdir / f"scale-{count}-{n}.json"
                cmd = [sys.executable, "-m", "scrapy", "crawl", "fronts", "-a", "editions=cn",
                       "-a", f"sections={bench_crawl.SMALL_SECTION}", "-a", "max_pages=100000"]
                own = {"STATS_FILE": str(stats), "USER_AGENT": f"Mozilla/5.0 rficrawl-bench/{n}"}
                for key, value in {**settings, **own}.items():
                    cmd += ["-s", f"{key}={value}"]
                log = (workdir / f"scale-{count}-{n}.log").open("w")
                procs.append((subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=log), stats))
            for proc, _ in procs:
                if proc.wait() != 0:
                    sys.exit(f"a worker failed; see {workdir}/scale-{count}-*.log")
            wall = time.monotonic() - started
        finally:
            redis.stop()
    per_worker = [json.loads(stats.read_text()) for _, stats in procs]
    pages, seconds, rate = clock.rate(min(clock.first_by_worker.values()))
    all_in = max(clock.first_by_worker.values())
    return {
        "pages": pages,
        "items": sum(s.get("item_scraped_count", 0) for s in per_worker),
        "seconds": seconds,
        "wall": wall,
        "pages_per_s": rate,
        "steady": clock.rate(all_in),
        "late_start": all_in - min(clock.first_by_worker.values()),
        "shares": [s.get("response_received_count", 0) for s in per_worker],
    }


def dupefilter_memory(fingerprints: int = 1_000_000) -> None:
    """Fill a Redis set with 20-byte fingerprints (what the set dupefilter stores)."""
    with tempfile.TemporaryDirectory() as redis_dir:
        redis = RedisServer(Path(redis_dir)).start()
        try:
            client = redis.client()
            key = "bench:seen"
            batch = 10_000
            for start in range(0, fingerprints, batch):
                client.sadd(key, *(os.urandom(20) for _ in range(batch)))
            count = client.scard(key)
            used = client.memory_usage(key, samples=0)
        finally:
            redis.stop()
    per = used / count
    print(f"dupefilter (set): {count:,} fingerprints use {used / 2**20:.1f} MiB in Redis = "
          f"{per:.1f} bytes each = {per * 1e6 / 2**20:.0f} MiB per million URLs")
    bits, hashes = 1 << 30, 7
    rates = ", ".join(
        f"{n:,} URLs: {bloom_false_positive_rate(n, bits, hashes):.1e}"
        for n in (1_000_000, 10_000_000, 50_000_000, 100_000_000)
    )
    print(f"dupefilter (bloom, 2**30 bits, 7 hashes): {bits // 8 / 2**20:.0f} MiB whatever the "
          f"count; false positives at {rates}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="article pages to crawl")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds per response")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight per worker")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, in order")
    parser.add_argument("--skip-memory", action="store_true", help="no dupefilter memory figure")
    args = parser.parse_args()
    root = bench_crawl.CACHE / f"mirror-{args.articles}-{args.articles}"
    bench_crawl.build(root, args.articles, args.articles)
    workdir = bench_crawl.CACHE / "runs"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"mirror: {args.articles} articles, {args.delay}s per response; "
          f"{args.concurrency} requests in flight per worker; one redis-server per run")
    base = steady_base = None
    for count in (int(n) for n in args.workers.split(",")):
        result = run_workers(root, count, args, workdir)
        base = base or result["pages_per_s"]
        steady_pages, steady_seconds, steady_rate = result["steady"]
        steady_base = steady_base or steady_rate
        print(f"{count} worker{'s' if count > 1 else ' '}: {result['pages']} pages "
              f"({result['items']} articles) in {result['seconds']:.1f}s = "
              f"{result['pages_per_s']:.2f} pages/s, speed-up {result['pages_per_s'] / base:.2f}x; "
              f"once all {count} crawled (last started {result['late_start']:.1f}s after the "
              f"first): {steady_pages} pages in {steady_seconds:.1f}s = {steady_rate:.2f} pages/s, "
              f"speed-up {steady_rate / steady_base:.2f}x "
              f"(wall {result['wall']:.1f}s; pages per worker {result['shares']})", flush=True)
    print("target: 2 workers >= 1.80x one worker")
    if not args.skip_memory:
        dupefilter_memory()


if __name__ == "__main__":
    main()
