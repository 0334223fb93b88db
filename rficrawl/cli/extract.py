"""``rficrawl extract``: what the extractor makes of one page, saved or online.

The same ``extract_article`` the spiders call, so a saved page plus this command is how to see
(or report) what an archive would hold for it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.http import HtmlResponse

from rficrawl.cli.main import CommandError
from rficrawl.cli.pages import add_page_arguments, fetch_page, read_page
from rficrawl.cli.warcfiles import add_place_arguments, is_warc_source, origin, read_warc_page
from rficrawl.dates import to_json
from rficrawl.export.markdown import render_markdown
from rficrawl.extract.article import NotAnArticle, extract_article


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="print the article extracted from a saved page or a URL",
        description="Extract the article of one RFI page, as the crawler would, and print it as "
        "JSON or as its Markdown archive document. PATH_OR_URL is a saved HTML file, a page "
        "kept in a WARC file, or an http(s) URL; a www.rfi.fr URL is fetched from RFI_BASE_URL "
        "when that points at a mirror. A page that is not an article exits with status 2 and says why.",
    )
    add_page_arguments(
        parser,
        source_help="saved HTML file, page URL, - to read the page from stdin, or a WARC file "
        "(.warc.gz or .warc, with --url, or FILE.warc.gz#OFFSET for the record at that offset; "
        "a bare file name is looked for in WARC_DIR and WARC_PATH_PREFIXES)",
        url_help="the page's address, for a saved file that states no canonical URL of its own "
        "(a canonical URL stated by the page wins); for a WARC file, the page to read (its last "
        "record in the file; the URL fetched or its www.rfi.fr form)",
    )
    add_place_arguments(parser)
    parser.add_argument("--format", choices=("json", "md"), default="json",
                        help="json (default): the item, dates in ISO 8601 UTC; md: the archive "
                        "document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    base_url = args.base_url.rstrip("/")
    if is_warc_source(args.source):
        response = read_warc_page(args)
        base_url = origin(response.url)  # where the page was fetched from, as the record says
    elif args.source.startswith(("http://", "https://")):
        response = fetch_page(args.source, base_url)
    elif args.source == "-":
        response = HtmlResponse(url=args.url or "file:///dev/stdin", body=sys.stdin.buffer.read())
    else:
        response = read_page(Path(args.source), args.url)
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
        text = to_json(dict(item), indent=2) + "\n"
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0
