"""Cost of rendering pages in Chromium against plain HTTP, what the tracker block list saves, and
whether the browser's memory stays flat.

Serves N article pages (variants of the real article capture, built as tests/browser/site.py
builds them) from the local mirror server and crawls them three times with ``scrapy crawl article``:

- plain:     Scrapy's HTTP downloader (the normal path of every page);
- browser:   every page through the system Chromium (``-s RFICRAWL_BROWSER_RENDER_KINDS=article``),
             with the project's browser settings (one context, PLAYWRIGHT_MAX_PAGES_PER_CONTEXT
             pages at a time, images/fonts/media blocked, trackers, ads and consent hosts of
             RFICRAWL_BROWSER_BLOCKED_HOSTS blocked, pages closed after use);
- unblocked: the same, with ``RFICRAWL_BROWSER_BLOCKED_HOSTS`` empty.

Nothing leaves the machine. In both browser runs Chromium resolves every host name to a local
stand-in for the third parties (an HTTPS server with a throwaway certificate): it answers each
request after ``--third-party-latency`` seconds (default 0.15, a request to a tracker's server over
the Internet), the tag manager the capture loads (``tms.fmm.io/rfi/cn.js``) with a script that
loads ``--trackers`` further scripts from tracker hosts, as a tag manager does, and anything else
with an empty script. So the unblocked run pays what the trackers cost a real crawl in time, not
what their scripts do once loaded: the figure is a lower bound of the block list's saving.

It prints pages per second of each run and their ratios, the third-party requests per page, and
the peak memory of the crawl's whole process tree (Scrapy + the Playwright driver + every Chromium
process: the sum of their RSS, and of their PSS, which counts shared pages once), sampled every
0.1 s and bucketed by how many pages the mirror had served. Target: the peak between the 50th and
the last page within 20% of the peak at the 50th.

    .venv/bin/python bench/browser.py [--pages 200] [--concurrency 4] [--third-party-latency 0.15]
        [--trackers 8] [-s NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from testbed.captures import CAPTURES
from testbed.server import MirrorServer
from tests.browser.site import CAPTURE, Site
from tests.support.crawl import scrapy_command

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
# Hosts a tag manager loads on a news site (analytics, audience, advertising), in that order.
TRACKER_URLS = [
    "https://www.googletagmanager.com/gtag/js", "https://www.google-analytics.com/analytics.js",
    "https://static.chartbeat.com/js/chartbeat.js", "https://tag.aticdn.net/piano-analytics.js",
    "https://sb.scorecardresearch.com/beacon.js",
    "https://securepubads.g.doubleclick.net/tag/js/gpt.js",
    "https://ced.sascdn.com/tag/smartadserver.js", "https://static.criteo.net/js/ld/publishertag.js",
    "https://cdn.taboola.com/libtrc/loader.js", "https://widgets.outbrain.com/outbrain.js",
]
TAG_MANAGER_PATH = "/rfi/cn.js"
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


class ThirdParties(ThreadingHTTPServer):
    """The stand-in for every third-party host, over HTTPS on 127.0.0.1 (see the docstring)."""

    daemon_threads = True

    def __init__(self, work: Path, latency: float, trackers: int) -> None:
        self.latency = latency
        self.trackers = TRACKER_URLS[:trackers]
        self.hits = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ThirdPartyHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*throwaway_certificate(work))
        self.socket = context.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request: object, client_address: object) -> None:
        """Silent: Chromium drops connections it no longer needs when a page closes."""

    def script(self, path: str) -> bytes:
        if path.split("?")[0] != TAG_MANAGER_PATH:
            return b"/* a third party's script */"
        loads = "".join(f"load({json.dumps(url)});" for url in self.trackers)
        return ("(function(){function load(u){var s=document.createElement('script');"
                f"s.src=u;document.head.appendChild(s);}}{loads}}})();").encode()


class _ThirdPartyHandler(BaseHTTPRequestHandler):
    server: ThirdParties
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        time.sleep(self.server.latency)
        with self.server.lock:
            self.server.hits += 1
        body = self.server.script(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/javascript")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent."""


def throwaway_certificate(work: Path) -> tuple[str, str]:
    """A self-signed certificate for the stand-in (Chromium is told to accept it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "third parties")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_file, key_file = work / "third-parties.pem", work / "third-parties.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


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
        "STATS_FILE": str(work / f"{name}.stats.json"),
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
    stats = json.loads((work / f"{name}.stats.json").read_text())
    return {"elapsed": elapsed, "items": items, "samples": sampler.samples, "stats": stats}


def peak(samples, low: int, high: int, column: int) -> int:
    values = [sample[column] for sample in samples if low <= sample[0] <= high]
    return max(values) if values else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4,
                        help="pages at a time, in both crawls (default 4, the project default)")
    parser.add_argument("--third-party-latency", type=float, default=0.15, metavar="SECONDS",
                        help="seconds the third-party stand-in takes per request (default 0.15)")
    parser.add_argument("--trackers", type=int, default=8,
                        help=f"scripts the tag manager loads, at most {len(TRACKER_URLS)} "
                        "(default 8)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for the browser crawls, "
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
        third_parties = ThirdParties(work, args.third_party_latency, args.trackers)
        rendered = {
            "RFICRAWL_BROWSER_RENDER_KINDS": "article",
            # Every host name resolves to the stand-in; 127.0.0.1 (the mirror) stays itself.
            "PLAYWRIGHT_LAUNCH_OPTIONS": {"headless": True, "args": [
                (f"--host-resolver-rules=MAP * 127.0.0.1:{third_parties.server_port}, "
                 "EXCLUDE 127.0.0.1"),
                "--ignore-certificate-errors"]},
            **extra,
        }
        try:
            with MirrorServer(site.root) as server:
                plain = crawl(server, paths, work, "plain", {}, args.concurrency)
                browser = crawl(server, paths, work, "browser", rendered, args.concurrency)
                blocked_hits, third_parties.hits = third_parties.hits, 0
                unblocked = crawl(server, paths, work, "unblocked",
                                  {**rendered, "RFICRAWL_BROWSER_BLOCKED_HOSTS": ""},
                                  args.concurrency)
                unblocked_hits = third_parties.hits
        finally:
            third_parties.shutdown()
            third_parties.server_close()

    plain_rate = args.pages / plain["elapsed"]
    browser_rate = args.pages / browser["elapsed"]
    unblocked_rate = args.pages / unblocked["elapsed"]
    print(f"{args.pages} article pages (variants of the real capture, ~540 KB each), "
          f"{args.concurrency} at a time; third parties answer after "
          f"{args.third_party_latency:g} s, the tag manager loads {args.trackers} trackers")
    print(f"plain HTTP:  {plain_rate:7.1f} pages/s ({plain['elapsed']:.1f} s)")
    print(f"browser:     {browser_rate:7.1f} pages/s ({browser['elapsed']:.1f} s), trackers "
          f"blocked: {browser['stats'].get('rficrawl/browser/blocked_host', 0) / args.pages:.1f} "
          f"requests a page dropped, {blocked_hits / args.pages:.1f} a page reached third parties")
    print(f"unblocked:   {unblocked_rate:7.1f} pages/s ({unblocked['elapsed']:.1f} s), "
          f"{unblocked_hits / args.pages:.1f} requests a page reached third parties")
    print(f"ratio plain/browser: {plain_rate / browser_rate:.1f}x")
    print(f"speed-up of the block list (browser/unblocked): {browser_rate / unblocked_rate:.2f}x")
    mib = 1024 * 1024
    for name, run in (("plain", plain), ("browser", browser), ("unblocked", unblocked)):
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
