"""``python -m testbed build|serve``: make a local mirror of rfi.fr and serve it on 127.0.0.1.

From a checkout (the test bed is not part of the installed package). ``build DIR`` writes the
mirror the tests crawl (``--no-captures``: only the hand-written pages, as ``make demo`` does);
``serve DIR`` serves it, or any saved mirror, with paths exactly as on www.rfi.fr. Point a crawl
at it with ``-s RFI_BASE_URL=http://127.0.0.1:PORT`` to see the whole path offline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rficrawl.cli.main import CommandError
from testbed.captures import CaptureMissing
from testbed.server import MirrorServer, RequestRecord


def register(subparsers: argparse._SubParsersAction) -> None:
    build = subparsers.add_parser(
        "build",
        help="write the test mirror of rfi.fr into DIR",
        description="Write the mirror the tests crawl into DIR (emptied first): article pages "
        "derived from the real captures in ../shared, the hand-written pages of testbed/pages, "
        "feeds, sitemaps and a robots.txt.",
    )
    build.add_argument("dir", metavar="DIR", type=Path, help="where to write the mirror")
    build.add_argument("--no-captures", dest="captures", action="store_false",
                       help="hand-written pages only (no ../shared needed), as `make demo`")
    build.set_defaults(func=run_build)

    serve = subparsers.add_parser(
        "serve",
        help="serve a saved mirror directory of rfi.fr on 127.0.0.1",
        description="Serve DIR over HTTP with paths exactly as on www.rfi.fr (percent-encoded "
        "UTF-8 paths, DIR/cn/中国/index.html for /cn/中国/, extensionless files for feeds and "
        "articles). Crawl it with: scrapy crawl SPIDER -s RFI_BASE_URL=<the printed URL>. "
        "Stop with Ctrl-C.",
    )
    serve.add_argument("dir", metavar="DIR", type=Path, help="the mirror's root directory")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000,
                       help="port to listen on; 0 picks a free one (default: %(default)s)")
    serve.add_argument("--delay", type=float, default=0.0, metavar="S",
                       help="seconds to wait before each response (default: %(default)s)")
    serve.add_argument("--quiet", action="store_true", help="do not print each request")
    serve.add_argument("--url-file", type=Path, metavar="PATH",
                       help="write the base URL to PATH once listening (for scripts)")
    serve.set_defaults(func=run_serve)


def run_build(args: argparse.Namespace) -> int:
    from testbed.build import build_mirror

    try:
        mirror = build_mirror(args.dir, use_captures=args.captures)
    except CaptureMissing as exc:
        raise CommandError(f"{exc}; pass --no-captures for the hand-written pages only") from None
    print(f"{len(mirror.articles)} article pages, {len(mirror.lists)} fronts and section lists "
          f"in {args.dir}")
    return 0


def _print_record(record: RequestRecord) -> None:
    print(f"{record.status} {record.method} {record.path}  [{record.user_agent}]", flush=True)


def run_serve(args: argparse.Namespace) -> int:
    if args.delay < 0:
        raise CommandError(f"--delay {args.delay}: must be 0 or more seconds")
    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port {args.port}: must be between 0 and 65535")
    try:
        server = MirrorServer(args.dir, host=args.host, port=args.port, delay=args.delay,
                              on_request=None if args.quiet else _print_record)
        server.start()
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}; "
                           "choose another --port (0 picks a free one)") from None
    print(f"Serving {server.root} at {server.base_url}/ (Ctrl-C to stop)", flush=True)
    print(f"Crawl it with: scrapy crawl SPIDER -s RFI_BASE_URL={server.base_url}", flush=True)
    if args.url_file:
        args.url_file.write_text(server.base_url + "\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
        print("stopped", file=sys.stderr)
    finally:
        if args.url_file:
            args.url_file.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testbed", description=__doc__.split("\n\n")[0])
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"testbed {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
