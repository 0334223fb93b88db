"""``rficrawl listing PATH_OR_URL``: what a crawl would follow from one listing page.

The same ``extract_listing`` the discovery spiders call: the articles (with the title and time the
listing gives), tags, sections, archive years and days, feeds, pager links and load-more markers
of a front, section, tag, programme or archive page, saved or online; and the article links it
skipped as advertising or sponsored, so that a user can see why a crawl did not follow them.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from urllib.parse import unquote

from parsel import Selector
from scrapy.http import HtmlResponse

from rficrawl.cli.main import CommandError
from rficrawl.cli.pages import add_page_arguments, fetch_page, read_page
from rficrawl.dates import to_json
from rficrawl.extract.listing import Listing, extract_listing

_LISTS = ("articles", "tags", "sections", "archive_years", "archive_days", "feeds", "pages",
          "podcast_shows", "skipped")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "listing",
        help="print what a crawl would follow from a front, section, tag or archive page",
        description="Extract the links of one RFI listing page as the discovery spiders do and "
        "print them as JSON (URLs public and percent-encoded, dates ISO 8601 UTC) or as a short "
        "summary; 'skipped' lists the article links only advertising or sponsored content shows, "
        "which a crawl does not follow. PATH_OR_URL is a saved HTML file or an http(s) URL; a www.rfi.fr URL is fetched "
        "from RFI_BASE_URL when that points at a mirror.",
    )
    add_page_arguments(
        parser,
        source_help="saved HTML file, or page URL",
        url_help="the page's URL on rfi.fr, for a saved file (default: the file's canonical link)",
    )
    parser.add_argument("--format", choices=("json", "summary"), default="json",
                        help="json (default), or summary: counts and decoded URLs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    base_url = args.base_url.rstrip("/")
    if args.source.startswith(("http://", "https://")):
        response = fetch_page(args.source, base_url)
        listing = extract_listing(response, base_url=base_url)
    else:
        response = _saved_page(Path(args.source), args.url)
        listing = extract_listing(response)
    text = _summary(listing) if args.format == "summary" else (
        to_json(_as_dict(listing), indent=2) + "\n")
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0


def _saved_page(path: Path, url: str | None) -> HtmlResponse:
    """A saved file, placed at its rfi.fr URL so that its relative links resolve."""
    page = read_page(path, None)
    page_url = url or Selector(text=page.text).css('link[rel="canonical"]::attr(href)').get()
    if not page_url or not page_url.startswith(("http://", "https://")):
        raise CommandError(f"{path}: the page does not state its canonical URL; give it with "
                           "--url https://www.rfi.fr/...")
    return page.replace(url=page_url)


def _as_dict(listing: Listing) -> dict[str, object]:
    fields = dataclasses.asdict(listing)
    fields["kind"] = listing.kind.value
    fields["next_page"] = listing.next_page
    for entry in fields["articles"]:
        entry["kind"] = entry["kind"].value
    return fields


def _summary(listing: Listing) -> str:
    lines = [f"{unquote(listing.url)}  ({listing.kind.value}, page {listing.page})"]
    for name in _LISTS:
        values = getattr(listing, name)
        lines.append(f"{name}: {len(values)}")
        for value in values:
            if name == "articles":
                when = value.published_at.isoformat() if value.published_at else "-"
                lines.append(f"  [{value.source}] {when}  {unquote(value.url)}  {value.title or ''}")
            else:
                lines.append(f"  {unquote(value)}")
    if listing.next_page:
        lines.append(f"next page: {unquote(listing.next_page)}")
    if listing.load_more:
        lines.append(f"load more: {listing.load_more.selector} {listing.load_more.url or ''}")
    return "\n".join(lines) + "\n"
