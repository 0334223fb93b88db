"""Crawl speed and memory of the fronts spider, against ``scrapy bench`` on the same machine.

Generates (once, cached under .cache/bench-crawl/) a local mirror of 10,000 article pages, each a
copy of the real /cn/ article capture with its own URL, title, id, date and text, reachable from two
paginated section lists of 50 cards a page: ``/cn/中国/`` holds the first 2,000 articles and
``/cn/国际/`` all 10,000. It then runs, each in its own process:

1. ``scrapy crawl fronts`` on the 2,000-article list, politeness off (no robots.txt, delays,
   AutoThrottle), no store, and prints pages per second and the peak RSS of the crawl process;
2. the same on the 10,000-article list, for memory as the mirror grows (target: flat);
3. ``scrapy bench`` (Scrapy's own benchmark, outside the project so no project setting applies),
   right before and right after the first crawl, and prints its pages/min and pages/s and our
   ratio to their mean (target: at least 60%);
4. the first crawl again with the health add-on off (``RFICRAWL_HEALTH_ENABLED=0``: no monitors,
   no per-edition tally, no unreachable-site rule, no progress lines), alternating with it on,
   and prints what the monitors and the progress display cost in pages/s (target: at most 3%).

Usage: .venv/bin/python bench/crawl.py [--small N] [--large N] [--skip-large] [--no-browser]
                                      [--health-rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from testbed.build import (
    ARTICLE_CAPTURE,
    ArticleDeriver,
    MirrorArticle,
    MirrorBuilder,
    public_url,
)
from testbed.captures import CAPTURES
from testbed.server import MirrorServer

CACHE = REPO / ".cache" / "bench-crawl"
PER_PAGE = 50
SMALL_SECTION, LARGE_SECTION = "中国", "国际"
POLITENESS_OFF = {
    "ROBOTSTXT_OBEY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    # Scrapy's defaults, as `scrapy bench` runs with them.
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def build(root: Path, small: int, large: int) -> None:
    """Write the mirror once; a stamp file records what it holds so a rerun reuses it."""
    stamp = root / "bench-stamp.json"
    wanted = {"small": small, "large": large, "per_page": PER_PAGE, "version": 1}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        print(f"mirror: reusing {root}")
        return
    capture = CAPTURES / ARTICLE_CAPTURE
    if not capture.exists():
        sys.exit(f"bench/crawl.py needs the real capture {capture} (../shared is absent here)")
    started = time.perf_counter()
    builder = MirrorBuilder(root, capture.read_text(encoding="utf-8"))
    deriver: ArticleDeriver = builder.deriver
    first = dt.datetime(2025, 11, 30, 8, tzinfo=dt.UTC)
    articles = []
    for n in range(large):
        when = first - dt.timedelta(minutes=10 * n)
        path = f"/cn/{SMALL_SECTION if n < small else LARGE_SECTION}/{when:%Y%m%d}-基准文章-{n}"
        article = MirrorArticle(public_url(path), when, "cn", f"基准测试文章 {n}")
        builder.write(article.url, deriver.page(article, f"BENCH{n:07d}-RFI-CN-{when:%Y%m%d}",
                                                f"基准副本 {n}：独一无二的文字。"))
        articles.append(article)
        if n and n % 1000 == 0:
            print(f"mirror: {n} articles written ({time.perf_counter() - started:.0f} s)", flush=True)
    for section, count in ((SMALL_SECTION, small), (LARGE_SECTION, large)):
        chunk = articles[:count]
        pages = [chunk[i:i + PER_PAGE] for i in range(0, len(chunk), PER_PAGE)]
        builder.front_page(public_url(f"/cn/{section}/"), "cn", section, pages)
    stamp.write_text(json.dumps(wanted))
    print(f"mirror: {large} articles in {time.perf_counter() - started:.0f} s under {root}")


def run_fronts(server: MirrorServer, section: str, articles: int, workdir: Path,
               extra: dict[str, object]) -> dict:
    """One crawl in a child process; pages/s from its stats, peak RSS from wait4()."""
    stats_file = workdir / f"stats-{articles}.json"
    settings = {
        **POLITENESS_OFF,
        # The project's default (WARC files on), written where each run replaces the last's.
        "WARC_DIR": str(workdir / "warc"),
        **extra,
        "RFI_BASE_URL": server.base_url,
        "MONGO_URI": "",
        "STATS_FILE": str(stats_file),
        "LOG_LEVEL": "WARNING",
        "REMOTE_CONTROL_ENABLED": False,
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "fronts", "-a", "editions=cn",
           "-a", f"sections={section}", "-a", "max_pages=100000"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    shutil.rmtree(workdir / "warc", ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr_text = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"scrapy crawl fronts failed:\n{stderr_text[-3000:]}")
    stats = json.loads(stats_file.read_text())
    pages = stats.get("response_received_count", 0)
    items = stats.get("item_scraped_count", 0)
    if items != articles:
        print(f"warning: {items} articles scraped out of {articles}", file=sys.stderr)
    elapsed = stats.get("elapsed_time_seconds") or wall
    return {"pages": pages, "items": items, "seconds": elapsed, "pages_per_s": pages / elapsed,
            "peak_rss_mib": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime}


def run_scrapy_bench() -> float:
    """`scrapy bench` outside the project (Scrapy defaults); its pages per second."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with tempfile.TemporaryDirectory() as outside:  # no scrapy.cfg above it: no project settings
        proc = subprocess.run([sys.executable, "-m", "scrapy", "bench"], check=False, cwd=outside,
                              env=env, capture_output=True, text=True, timeout=300)
    log = proc.stderr + proc.stdout
    pages = re.search(r"'response_received_count': (\d+)", log)
    seconds = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if proc.returncode != 0 or not pages or not seconds:
        sys.exit(f"scrapy bench failed:\n{log[-3000:]}")
    return int(pages[1]) / float(seconds[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000, help="articles in the first crawl")
    parser.add_argument("--large", type=int, default=10000, help="articles in the second crawl")
    parser.add_argument("--skip-large", action="store_true", help="only the first crawl")
    parser.add_argument("--no-browser", action="store_true",
                        help="RFICRAWL_BROWSER_ENABLED=0: without the browser part's response checks")
    parser.add_argument("--health-rounds", type=int, default=2,
                        help="crawls with and without the health add-on, each (default 2)")
    args = parser.parse_args()
    root = CACHE / f"mirror-{args.small}-{args.large}"
    build(root, args.small, args.large)
    workdir = CACHE / "runs"
    workdir.mkdir(parents=True, exist_ok=True)
    extra = {"RFICRAWL_BROWSER_ENABLED": 0} if args.no_browser else {}
    print("settings: the project's, politeness off"
          + (", RFICRAWL_BROWSER_ENABLED=0" if extra else ""))
    # The machine may be shared: scrapy bench runs right before and right after our first crawl,
    # and the ratio is taken against their mean.
    bench_before = run_scrapy_bench()
    with MirrorServer(root) as server:
        small = run_fronts(server, SMALL_SECTION, args.small, workdir, extra)
        bench_after = run_scrapy_bench()
        print(f"fronts, {args.small} articles: {small['pages']} pages in {small['seconds']:.1f} s = "
              f"{small['pages_per_s']:.1f} pages/s; peak RSS {small['peak_rss_mib']:.0f} MiB")
        if not args.skip_large:
            large = run_fronts(server, LARGE_SECTION, args.large, workdir, extra)
            print(f"fronts, {args.large} articles: {large['pages']} pages in {large['seconds']:.1f} s = "
                  f"{large['pages_per_s']:.1f} pages/s; peak RSS {large['peak_rss_mib']:.0f} MiB")
            print(f"memory {args.small} -> {args.large} articles: "
                  f"{large['peak_rss_mib'] / small['peak_rss_mib']:.2f}x (target: flat, ~1.0x)")
        health_cost(server, args, workdir, extra, small)
    bench = (bench_before + bench_after) / 2
    print(f"scrapy bench: {bench_before * 60:.0f} and {bench_after * 60:.0f} pages/min "
          f"(before, after) = {bench:.1f} pages/s on average")
    print(f"fronts / scrapy bench: {small['pages_per_s'] / bench:.0%} (target: >= 60%)")

def health_cost(server: MirrorServer, args: argparse.Namespace, workdir: Path,
                extra: dict[str, object], first: dict) -> None:
    """Pages/s with the health add-on on (as in the crawls above) and off, in alternation so that
    a busy machine weighs on both alike; the best run of each is compared."""
    on, off = [first["pages_per_s"]], []
    for _ in range(args.health_rounds):
        off.append(run_fronts(server, SMALL_SECTION, args.small, workdir,
                              {**extra, "RFICRAWL_HEALTH_ENABLED": 0})["pages_per_s"])
        if len(on) < args.health_rounds:
            on.append(run_fronts(server, SMALL_SECTION, args.small, workdir, extra)["pages_per_s"])
    cost = 1 - max(on) / max(off)
    print(f"health add-on: on {', '.join(f'{v:.1f}' for v in on)} pages/s, off "
          f"{', '.join(f'{v:.1f}' for v in off)} pages/s: costs {cost:.1%} of pages/s, best "
          "against best (target: <= 3%)")


if __name__ == "__main__":
    main()
