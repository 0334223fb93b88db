"""Entry point of the ``rficrawl`` command.

Each sub-command lives in its own module under ``rficrawl.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking the parsed
arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from rficrawl import __version__

# Modules that add sub-commands, in the order they are listed in --help.
COMMAND_MODULES = [
    "rficrawl.cli.extract",
    "rficrawl.cli.url",
    "rficrawl.cli.listing",
    "rficrawl.cli.mongo",
    "rficrawl.cli.query",
    "rficrawl.cli.crawls",
    "rficrawl.cli.report",
    "rficrawl.cli.store",
    "rficrawl.cli.reextract",
    "rficrawl.cli.schedule",
    "rficrawl.cli.nodes",
    "rficrawl.cli.frontier",
]


class CommandError(Exception):
    """An error the user can fix: printed as one line, exit code 2, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rficrawl",
        description="Archive the news of RFI: extract pages, query and export the store, "
        "schedule crawls. Crawls themselves run with `scrapy crawl SPIDER`.",
    )
    parser.add_argument("--version", action="version", version=f"rficrawl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"rficrawl {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

