"""Cost of listing extraction and of URL classification, on the real captures.

A discovery crawl parses every front, section and list page and classifies every link on it; this
prints what that costs next to lxml's bare parse of the same bytes:

    .venv/bin/python bench/listing.py [--runs N]

- "bare parse": ``lxml.etree.HTML(bytes)`` of the /cn/ front of 2025-11-30;
- "extract_listing (cold)": the whole listing extraction with the URL memo cleared before each run,
  as for the first page of a crawl; "(warm)": with the memo kept, as for the next pages, whose
  navigation links repeat;
- "classify": microseconds per URL over the 1,827 distinct targets of the 2021 link graph, memo off.

Medians of N runs of CPU time; lower is better. No target is enforced: the figures show whether URL
handling stays small next to parsing.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from scrapy.http import HtmlResponse

from rficrawl import urls
from rficrawl.extract.listing import extract_listing

REPO_ROOT = Path(__file__).resolve().parents[1]
CAPTURES = Path(os.environ.get("RFI_SHARED_DIR", REPO_ROOT.parent / "shared")) / "fixtures" / "rfi"
FRONT = CAPTURES / "cn-home-2025-11-30.html"
LINKGRAPH = CAPTURES / "linkgraph-fr-2021-12-09.tsv"
MEMOISED = (urls.classify, urls.to_public, urls.to_base, urls.canonical_article_url)


def clear_memo() -> None:
    for function in MEMOISED:
        function.cache_clear()


def median_ms(action: Callable[[], object], runs: int, before: Callable[[], None] | None = None
              ) -> float:
    action()
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per figure (default 30)")
    args = parser.parse_args(argv)
    missing = [path for path in (FRONT, LINKGRAPH) if not path.exists()]
    if missing:
        print(f"bench/listing.py: capture {missing[0]} not found; set RFI_SHARED_DIR to the folder "
              "holding fixtures/rfi", file=sys.stderr)
        return 2

    body = FRONT.read_bytes()

    def listing() -> object:
        return extract_listing(HtmlResponse(url="https://www.rfi.fr/cn/", body=body,
                                            encoding="utf-8"))

    parse = median_ms(lambda: etree.HTML(body), args.runs)
    cold = median_ms(listing, args.runs, before=clear_memo)
    warm = median_ms(listing, args.runs)
    found = listing()
    print(f"page: {FRONT.name} ({len(body) / 1024:.0f} KiB, {len(found.articles)} articles)")
    print(f"bare parse                {parse:8.2f} ms")
    print(f"extract_listing (cold)    {cold:8.2f} ms   ratio {cold / parse:5.2f}")
    print(f"extract_listing (warm)    {warm:8.2f} ms   ratio {warm / parse:5.2f}")

    with LINKGRAPH.open(encoding="utf-8", newline="") as handle:
        targets = sorted({row["target_url"] for row in csv.DictReader(handle, delimiter="\t")})
    raw = urls.classify.__wrapped__
    total = median_ms(lambda: [raw(url) for url in targets], max(3, args.runs // 5))
    print(f"classify (no memo)        {total * 1000 / len(targets):8.1f} us/URL "
          f"over {len(targets)} link-graph URLs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
