"""``rficrawl url URL...``: what rficrawl takes each URL to be, and how it stores it.

The same ``rficrawl.urls.classify`` the spiders put on every request (``meta["rfi_kind"]``), so a
surprising skip or follow in a crawl can be checked on its URL.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from rficrawl.editions import DEFAULT_BASE_URL
from rficrawl.urls import canonical_article_url, classify, to_base, to_public


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "url",
        help="classify rfi.fr URLs (article, section, tag, archive day, feed...)",
        description="Print, one JSON line per URL, its kind (article, front, section, list_page, "
        "tag, archive_year, archive_day, feed, sitemap, podcast_episode, podcast_show, author, "
        "video, page, offsite...), its edition, section, date, page number, the public URL it is "
        "stored under and the URL a crawl requests. URLs may be percent-encoded or not.",
    )
    parser.add_argument("urls", metavar="URL", nargs="+", help="absolute or site-relative URLs")
    parser.add_argument(
        "--base-url",
        default=os.environ.get("RFI_BASE_URL") or DEFAULT_BASE_URL,
        help="where rfi.fr is (default: $RFI_BASE_URL, else %(default)s)",
    )
    parser.set_defaults(func=run)


def describe(url: str, base_url: str) -> dict[str, object]:
    info = classify(url, base_url)
    fields = {key: value for key, value in dataclasses.asdict(info).items() if value not in (None, "")}
    fields["kind"] = info.kind.value
    if info.list_of is not None:
        fields["list_of"] = info.list_of.value
    if "date" in fields:
        fields["date"] = info.date.isoformat()
    if info.kind.value != "offsite":
        fields["public_url"] = (canonical_article_url(url, base_url) if info.is_article
                                else to_public(url, base_url))
        fields["request_url"] = to_base(fields["public_url"], base_url)
    return fields


def run(args: argparse.Namespace) -> int:
    base_url = args.base_url.rstrip("/")
    for url in args.urls:
        line = json.dumps(describe(url, base_url), ensure_ascii=False)
        sys.stdout.buffer.write(line.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0
