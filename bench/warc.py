"""What the WARC files cost: disk bytes per article, and crawl speed with WARC writing on ÷ off.

On the mirror of bench/crawl.py (copies of the real /cn/ article capture, built once under
.cache/bench-crawl/), ``scrapy crawl fronts`` runs in alternation with the WARC add-on on (the
project's default: articles and listings kept, gzip level 6) and off (``WARC_DIR`` empty), so that
a busy machine weighs on both alike; the best run of each is compared (target: on ÷ off >= 0.9).
It prints the bytes of the WARC files per article (gzip, listings and warcinfo included) and the
share of them that the article records take (from the crawl's ``rficrawl/warc/*`` stats).

Not measured here: reextract's speed against the bare extractor (it needs a store).

Usage: .venv/bin/python bench/warc.py [--articles N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.crawl import CACHE, SMALL_SECTION, build, run_fronts
from testbed.server import MirrorServer


def crawl(server: MirrorServer, articles: int, workdir: Path, warc: bool) -> dict:
    """One crawl (WARC on or off), with its WARC files' size and stats when on."""
    extra: dict[str, object] = {"RFICRAWL_BROWSER_ENABLED": 0}
    if not warc:
        extra["WARC_DIR"] = ""
    result = run_fronts(server, SMALL_SECTION, articles, workdir, extra)
    if warc:
        files = sorted((workdir / "warc").glob("*.warc.gz"))
        result["warc_files"] = len(files)
        result["warc_bytes"] = sum(path.stat().st_size for path in files)
        stats = json.loads((workdir / f"stats-{articles}.json").read_text())
        result["warc_stats"] = {k: v for k, v in stats.items() if k.startswith("rficrawl/warc/")}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles per crawl")
    parser.add_argument("--rounds", type=int, default=2, help="crawls with and without, each")
    args = parser.parse_args()
    root = CACHE / f"mirror-{args.articles}-{args.articles}"
    build(root, args.articles, args.articles)
    workdir = CACHE / "warc-runs"
    workdir.mkdir(parents=True, exist_ok=True)
    print("settings: the project's, politeness off, no store, RFICRAWL_BROWSER_ENABLED=0")
    on, off = [], []
    with MirrorServer(root) as server:
        for _ in range(args.rounds):
            off.append(crawl(server, args.articles, workdir, warc=False))
            on.append(crawl(server, args.articles, workdir, warc=True))
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
    best_on = max(r["pages_per_s"] for r in on)
    best_off = max(r["pages_per_s"] for r in off)
    print(f"crawl pages/s WARC on / off: {best_on / best_off:.2f}, best against best "
          "(target: >= 0.90)")


if __name__ == "__main__":
    main()
