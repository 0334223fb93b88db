"""Cost of article extraction against lxml's bare parse of the same page.

Parsing is the crawler's CPU cost; the extractor should cost at most one and a half bare parses
of the page (target ratio <= 1.5). All are timed on the real capture, the same bytes, in this
process:

    .venv/bin/python bench/extract.py [--page PATH] [--runs N]

"bare lxml parse" is ``lxml.etree.HTML(bytes)``, the cheapest way lxml turns the page into a
tree; "HTML5 parse" is the extractor's own parse of the page (lexbor, through selectolax, as the
HTML standard and Chromium build the tree: ``rficrawl.extract.parsing.parse_article_page``), shown
so that the parser's share of the cost is seen; "extract" is
``extract_article(HtmlResponse(url, body=bytes))``, the whole job a spider's callback does for an
article (response object, parse, four sources, loader, body cleaning, hashing). CPU time of N runs
of each after a warm-up, timed turn about so that all see the same machine state; the median and
the best run are printed, and the ratio of the medians of extract and of the bare lxml parse is
the figure to compare with the target. Lower is better.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from scrapy.http import HtmlResponse

from rficrawl.extract.article import extract_article
from rficrawl.extract.parsing import parse_article_page

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RFI_SHARED_DIR", REPO_ROOT.parent / "shared"))
DEFAULT_PAGE = SHARED / "fixtures" / "rfi" / "cn-article-2025-11-30.html"
PAGE_URL = (
    "https://www.rfi.fr/cn/%E6%94%BF%E6%B2%BB/20251130-%E5%8F%B0%E6%B9%BE%E5%A2%9E%E5%8A%A0400"
    "%E4%BA%BF%E7%BE%8E%E5%85%83%E5%9B%BD%E9%98%B2%E5%BC%80%E6%94%AF-%E5%8A%A0%E9%80%9F%E9%83%A8"
    "%E7%BD%B2t-dome%E9%98%B2%E7%A9%BA%E7%B3%BB%E7%BB%9F"
)
TARGET_RATIO = 1.5


def interleaved_timings(*functions: Callable[[], object], runs: int) -> list[list[float]]:
    """CPU milliseconds of each run of each function (this thread's CPU time, not wall time, so
    that other processes on a shared machine count less), the functions timed turn about."""
    for _ in range(max(5, runs // 10)):
        for function in functions:
            function()
    timings: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for function, bucket in zip(functions, timings, strict=True):
            start = time.thread_time()
            function()
            bucket.append((time.thread_time() - start) * 1000)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, default=DEFAULT_PAGE, help="saved article page")
    parser.add_argument("--runs", type=int, default=300, help="timed runs of each")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"bench/extract.py: page {args.page} not found; give one with --page or set "
              "RFI_SHARED_DIR to the folder holding fixtures/rfi/", file=sys.stderr)
        return 2
    body = args.page.read_bytes()
    item = extract_article(HtmlResponse(url=PAGE_URL, body=body))  # fails loudly on a non-article

    response = HtmlResponse(url=PAGE_URL, body=body)
    parse, html5, extract = interleaved_timings(
        lambda: etree.HTML(body),
        lambda: parse_article_page(response),
        lambda: extract_article(HtmlResponse(url=PAGE_URL, body=body)),
        runs=args.runs,
    )
    ratio = statistics.median(extract) / statistics.median(parse)
    print(f"page            {args.page.name} ({len(body) / 1024:.0f} KiB, "
          f"{item['word_count']} words in the body), {args.runs} runs each")
    print("                  median      best")
    for name, timings in (("bare lxml parse", parse), ("HTML5 parse    ", html5),
                          ("extract_article", extract)):
        print(f"{name} {statistics.median(timings):8.3f} ms {min(timings):8.3f} ms")
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"ratio           {ratio:8.2f} x {min(extract) / min(parse):8.2f} x"
          f"   (the median ratio {verdict} the target of <= {TARGET_RATIO:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
