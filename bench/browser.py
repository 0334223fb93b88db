"""Cost of rendering pages in Chromium against plain HTTP, and whether the browser's memory stays flat.

Serves N article pages (variants of the real article capture, built as tests/browser/site.py
builds them) from the local mirror server and crawls them twice with ``scrapy crawl article``:

- plain:   Scrapy's HTTP downloader (the normal path of every page);
- browser: every page through the system Chromium (``-s RFICRAWL_BROWSER_RENDER_KINDS=article``),
           with the project's browser settings (one context, PLAYWRIGHT_MAX_PAGES_PER_CONTEXT pages
           at a time, images/fonts/media blocked, pages closed after use).

It prints pages per second of each and their ratio, and the peak memory of the crawl's whole process
tree (Scrapy + the Playwright driver + every Chromium process: the sum of their RSS, and of their PSS,
which counts shared pages once), sampled every 0.1 s and bucketed by how many pages the mirror had
served. Target: the peak between the 50th and the last page within 20% of the peak at the 50th.

    .venv/bin/python bench/browser.py [--pages 200] [--concurrency 4] [-s NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from testbed.captures import CAPTURES
from testbed.server import MirrorServer
from tests.browser.site import CAPTURE, Site
from tests.support.crawl import scrapy_command

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MEMORY_TARGET = 0.20  # peak after page 50 at most 20% above the peak at page 50
CHECKPOINT = 50


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc (children of children included)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def tree_memory(root: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes of a process tree; processes gone meanwhile count 0."""
    rss = pss = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/statm") as handle:
                rss += int(handle.read().split()[1]) * PAGE_SIZE
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
    return rss, pss


class Sampler(threading.Thread):
    """Samples (pages served so far, RSS, PSS) of a process tree until stopped."""

    def __init__(self, pid: int, served) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.served = served
        self.samples: list[tuple[int, int, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            rss, pss = tree_memory(self.pid)
            self.samples.append((self.served(), rss, pss))
            self.stop.wait(0.1)


def crawl(server: MirrorServer, paths: list[str], work: Path, name: str, settings: dict,
          concurrency: int) -> dict:
    urls_file = work / f"{name}.urls"
    urls_file.write_text("\n".join(server.url(path) for path in paths) + "\n")
    all_settings = {
        "RFI_BASE_URL": server.base_url,
        "MONGO_URI": "",  # no store: this measures fetching and rendering
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": concurrency,
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    cmd = scrapy_command("article", {"urls_file": urls_file}, all_settings, work / f"{name}.jsonl")
    server.log.clear()
    wanted = set(paths)

    def served() -> int:
        return sum(1 for record in server.log.records if record.path in wanted)

    with open(work / f"{name}.log", "w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=log)
        sampler = Sampler(proc.pid, served)
        sampler.start()
        returncode = proc.wait()
        elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    feed = work / f"{name}.jsonl"
    items = len(feed.read_text().splitlines()) if feed.exists() else 0
    if returncode != 0 or items != len(paths):
        tail = (work / f"{name}.log").read_text()[-2000:]
        raise SystemExit(f"bench/browser.py: the {name} crawl gave {items}/{len(paths)} articles "
                         f"(exit {returncode}); its log ends with:\n{tail}")
    return {"elapsed": elapsed, "items": items, "samples": sampler.samples}


def peak(samples, low: int, high: int, column: int) -> int:
    values = [sample[column] for sample in samples if low <= sample[0] <= high]
    return max(values) if values else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4,
                        help="pages at a time, in both crawls (default 4, the project default)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for the browser crawl, "
                        "e.g. -s RFICRAWL_BROWSER_WAIT_UNTIL=load")
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.set)
    if not (CAPTURES / CAPTURE).exists():
        print(f"bench/browser.py: the real capture {CAPTURE} is not under {CAPTURES}; "
              "set RFI_SHARED_DIR to the folder holding fixtures/rfi", file=sys.stderr)
        return 2
    if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
        print("bench/browser.py: no system Chromium (apt-get install -y chromium, or "
              "scripts/setup.sh)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="rficrawl-bench-browser-") as tmp:
        work = Path(tmp)
        site = Site(work / "mirror")
        site.root.mkdir()
        paths = [site.article(f"bench-{n:04d}") for n in range(args.pages)]
        with MirrorServer(site.root) as server:
            plain = crawl(server, paths, work, "plain", {}, args.concurrency)
            browser = crawl(server, paths, work, "browser",
                            {"RFICRAWL_BROWSER_RENDER_KINDS": "article", **extra}, args.concurrency)

    plain_rate = args.pages / plain["elapsed"]
    browser_rate = args.pages / browser["elapsed"]
    print(f"{args.pages} article pages (variants of the real capture, ~540 KB each), "
          f"{args.concurrency} at a time")
    print(f"plain HTTP:  {plain_rate:7.1f} pages/s ({plain['elapsed']:.1f} s)")
    print(f"browser:     {browser_rate:7.1f} pages/s ({browser['elapsed']:.1f} s)")
    print(f"ratio plain/browser: {plain_rate / browser_rate:.1f}x")
    mib = 1024 * 1024
    for name, run in (("plain", plain), ("browser", browser)):
        samples = run["samples"]
        for column, label in ((1, "RSS sum"), (2, "PSS sum")):
            at_50 = peak(samples, 0, CHECKPOINT, column)
            later = peak(samples, CHECKPOINT, args.pages, column)
            buckets = "  ".join(
                f"≤{high}: {peak(samples, low, high, column) / mib:.0f}"
                for low, high in ((0, 50), (50, 100), (100, 150), (150, args.pages))
            )
            growth = (later - at_50) / at_50 if at_50 else 0.0
            verdict = "flat" if growth <= MEMORY_TARGET else "GROWS"
            print(f"{name:8s} {label}: peak MiB by pages served  {buckets}  "
                  f"-> {growth:+.0%} after page {CHECKPOINT} ({verdict}, target ≤ +20%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
