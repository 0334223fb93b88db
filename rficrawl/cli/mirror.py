"""``rficrawl mirror DIR``: serve a saved mirror of rfi.fr on 127.0.0.1.

Point a crawl at it with ``-s RFI_BASE_URL=http://127.0.0.1:PORT`` to see the whole path offline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rficrawl.cli.main import CommandError
from rficrawl.mirror import MirrorServer, RequestRecord


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mirror",
        help="serve a saved mirror directory of rfi.fr on 127.0.0.1",
        description="Serve DIR over HTTP with paths exactly as on www.rfi.fr (percent-encoded "
        "UTF-8 paths, DIR/cn/中国/index.html for /cn/中国/, extensionless files for feeds and "
        "articles). Crawl it with: scrapy crawl SPIDER -s RFI_BASE_URL=<the printed URL>. "
        "Stop with Ctrl-C.",
    )
    parser.add_argument("dir", metavar="DIR", type=Path, help="the mirror's root directory")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000,
                        help="port to listen on; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--delay", type=float, default=0.0, metavar="S",
                        help="seconds to wait before each response (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="do not print each request")
    parser.set_defaults(func=run)


def _print_record(record: RequestRecord) -> None:
    print(f"{record.status} {record.method} {record.path}  [{record.user_agent}]", flush=True)


def run(args: argparse.Namespace) -> int:
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
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
        print("stopped", file=sys.stderr)
    return 0
