"""WARC files for the commands that read them (``reextract``, ``extract``): where, and how.

They are looked for where the project's settings say (``WARC_DIR``, then the folders old files
were moved to, ``WARC_PATH_PREFIXES``), as a crawl from this directory has them; ``--warc-dir`` and
``--warc-prefix`` change that for one run. ``extract`` reads one page of a file, at an offset
(``FILE#OFFSET``) or by URL.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse
from scrapy.utils.project import get_project_settings

from rficrawl.cli.main import CommandError
from rficrawl.warc.addon import WarcAddon
from rficrawl.warc.reader import RecordError, find_file, find_page, read_at
from rficrawl.warc.reextract import same_page


def add_place_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warc-dir", type=Path, default=None,
                        help="the crawls' WARC folder (default: the setting WARC_DIR, data/warc)")
    parser.add_argument("--warc-prefix", type=Path, action="append", default=[],
                        metavar="DIR", help="a folder WARC files were moved to (repeatable; "
                        "tried after --warc-dir, before the setting WARC_PATH_PREFIXES)")


def warc_places(args: argparse.Namespace) -> list[Path]:
    """WARC_DIR (or --warc-dir), the --warc-prefix folders, then WARC_PATH_PREFIXES."""
    settings = get_project_settings()
    WarcAddon().set_defaults(settings)
    directory = args.warc_dir or Path(settings.get("WARC_DIR") or "data/warc")
    prefixes = [Path(p) for p in settings.getlist("WARC_PATH_PREFIXES")]
    return [directory, *args.warc_prefix, *prefixes]


def is_warc_source(source: str) -> bool:
    """A WARC file, or ``FILE#OFFSET`` of one (by its name: .warc.gz or .warc)."""
    path = source.rsplit("#", 1)[0] if "#" in source else source
    return path.endswith((".warc.gz", ".warc")) and not source.startswith(("http://", "https://"))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def read_warc_page(args: argparse.Namespace) -> HtmlResponse:
    """The page of ``FILE#OFFSET``, or of ``--url`` in FILE, as the extractor reads it."""
    source: str = args.source
    name, offset = source, None
    if "#" in source:
        name, _, number = source.rpartition("#")
        if not number.isdigit():
            raise CommandError(f"{source}: after '#' give the record's offset in bytes "
                               "(`warcio index FILE` lists them)")
        offset = int(number)
    elif not args.url:
        raise CommandError(f"{source}: say which page to read: --url URL, or {source}#OFFSET "
                           "(`warcio index FILE` lists the records)")
    path = Path(name)
    try:
        if not path.is_file() and path.name == name:
            path = find_file(name, warc_places(args))
        with path.open("rb") as stream:
            if offset is not None:
                record = read_at(stream, path.name, offset)
            else:
                record = find_page(stream, path.name, args.url, same_page)
            return record.response()
    except RecordError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
