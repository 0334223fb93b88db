"""Pages for the commands that look at one page (``extract``, ``listing``): a saved file or a URL.

A www.rfi.fr URL is fetched from where rfi.fr is (``--base-url``, default ``$RFI_BASE_URL``), so
the commands work against a local mirror as the spiders do.
"""

from __future__ import annotations

import argparse
import os
import urllib.error
import urllib.request
from pathlib import Path

from scrapy.http import Headers, HtmlResponse

from rficrawl import __version__
from rficrawl.cli.main import CommandError
from rficrawl.editions import DEFAULT_BASE_URL
from rficrawl.urls import to_base

FETCH_TIMEOUT = 30


def add_page_arguments(parser: argparse.ArgumentParser, *, source_help: str, url_help: str) -> None:
    """PATH_OR_URL, --url (a saved file's address) and --base-url (where rfi.fr is)."""
    parser.add_argument("source", metavar="PATH_OR_URL", help=source_help)
    parser.add_argument("--url", help=url_help)
    parser.add_argument(
        "--base-url",
        default=os.environ.get("RFI_BASE_URL") or DEFAULT_BASE_URL,
        help="where rfi.fr is (default: $RFI_BASE_URL, else %(default)s)",
    )


def read_page(path: Path, url: str | None) -> HtmlResponse:
    """A saved page, at ``url`` when given (else at its file URL)."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    return HtmlResponse(url=url or path.resolve().as_uri(), body=body)


def fetch_page(url: str, base_url: str) -> HtmlResponse:
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
