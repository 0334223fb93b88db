"""``rficrawl extract``: what the extractor makes of one page, saved or online.

The same ``extract_article`` the spiders call, so a saved page plus this command is how to see
(or report) what an archive would hold for it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from scrapy.http import Headers, HtmlResponse

from rficrawl import __version__
from rficrawl.cli.main import CommandError
from rficrawl.editions import DEFAULT_BASE_URL
from rficrawl.export.jsonfeed import jsonable
from rficrawl.export.markdown import render_markdown
from rficrawl.extract.article import NotAnArticle, extract_article
from rficrawl.urls import to_base

FETCH_TIMEOUT = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="print the article extracted from a saved page or a URL",
        description="Extract the article of one RFI page, as the crawler would, and print it as "
        "JSON or as its Markdown archive document. PATH_OR_URL is a saved HTML file or an "
        "http(s) URL; a www.rfi.fr URL is fetched from RFI_BASE_URL when that points at a "
        "mirror. A page that is not an article exits with status 2 and says why.",
    )
    parser.add_argument("source", metavar="PATH_OR_URL",
                        help="saved HTML file, page URL, or - to read the page from stdin")
    parser.add_argument(
        "--url",
        help="the page's address, for a saved file that states no canonical URL of its own "
        "(a canonical URL stated by the page wins)",
    )
    parser.add_argument("--format", choices=("json", "md"), default="json",
                        help="json (default): the item, dates in ISO 8601 UTC; md: the archive "
                        "document")
    parser.add_argument(
        "--base-url",
        default=os.environ.get("RFI_BASE_URL") or DEFAULT_BASE_URL,
        help="where rfi.fr is (default: $RFI_BASE_URL, else %(default)s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    base_url = args.base_url.rstrip("/")
    if args.source.startswith(("http://", "https://")):
        response = _fetch(args.source, base_url)
    elif args.source == "-":
        response = HtmlResponse(url=args.url or "file:///dev/stdin", body=sys.stdin.buffer.read())
    else:
        response = _read(Path(args.source), args.url)
    try:
        item = extract_article(response, base_url=base_url)
    except NotAnArticle as exc:
        if exc.reason == "no-url":
            raise CommandError(
                f"{args.source}: the page does not state its canonical URL; give it with --url URL"
            ) from None
        raise CommandError(f"{args.source}: not extracted ({exc.reason}): {exc.detail}") from None
    if args.format == "md":
        text = render_markdown(item)
    else:
        text = json.dumps(jsonable(dict(item)), ensure_ascii=False, indent=2) + "\n"
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0


def _read(path: Path, url: str | None) -> HtmlResponse:
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    page_url = url or path.resolve().as_uri()
    return HtmlResponse(url=page_url, body=body)


def _fetch(url: str, base_url: str) -> HtmlResponse:
    """GET the page from where rfi.fr is (a mirror when ``base_url`` says so)."""
    target = to_base(url, base_url)
    request = urllib.request.Request(target, headers={"User-Agent": f"rficrawl/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
            body = answer.read()
            headers = Headers({"Content-Type": answer.headers.get("Content-Type", "text/html")})
            final_url = answer.geturl()
    except urllib.error.HTTPError as exc:
        raise CommandError(f"{target}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CommandError(f"{target}: cannot fetch the page ({reason})") from None
    return HtmlResponse(url=final_url, body=body, headers=headers)
