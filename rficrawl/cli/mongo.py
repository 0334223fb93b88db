"""``rficrawl mongo serve|build|status``: run the embedded MongoDB-wire server, build its FerretDB
launcher, or check the server in use.

A user without MongoDB still gets a store: ``serve`` starts the best server this machine has
(mongod, else FerretDB over SQLite, else nx-27017; see rficrawl.ops.mongo) on the port that the
default ``MONGO_URI`` points at, so ``scrapy crawl`` and the query commands find it unchanged.
``build`` builds the FerretDB launcher in a checkout (``serve`` never builds: it takes minutes).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

import pymongo
from pymongo.errors import PyMongoError

from rficrawl.cli.main import CommandError
from rficrawl.ops.ferretdb import LAUNCHER_ENV, LauncherError, build_launcher
from rficrawl.ops.mongo import (
    FORCE_ENV,
    STARTABLE_KINDS,
    ServerError,
    describe_server,
    ping,
    start_server,
)
from rficrawl.redaction import redact
from rficrawl.store.connection import DEFAULT_URI, default_database, default_uri

DEFAULT_DATA = Path("data/mongo")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mongo",
        help="run the embedded MongoDB-wire server, or check which server the store uses",
        description="Without MongoDB installed, `rficrawl mongo serve` gives rficrawl a store: "
        "mongod if it is on PATH, else FerretDB over SQLite (tools/ferretdb), else nx-27017. "
        f"{FORCE_ENV}=mongod|ferretdb|nx-27017 forces one.",
    )
    commands = parser.add_subparsers(dest="mongo_command", metavar="ACTION", required=True)

    serve = commands.add_parser(
        "serve",
        help="start a MongoDB-wire server in the foreground (Ctrl-C stops it)",
        description="Start a MongoDB-wire server on 127.0.0.1 and keep it running until Ctrl-C "
        "or SIGTERM. Its data and log stay under --data (one sub-directory per server kind).",
    )
    serve.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR",
                       help="data directory (default: %(default)s)")
    serve.add_argument("--port", type=int, default=27017,
                       help="port on 127.0.0.1; 0 picks a free one (default: %(default)s, the "
                       "port of the default MONGO_URI)")
    serve.add_argument("--kind", choices=STARTABLE_KINDS, default=None,
                       help=f"server to start (default: {FORCE_ENV}, else the first available "
                       "of mongod, ferretdb, nx-27017)")
    serve.add_argument("--uri-file", type=Path, metavar="PATH",
                       help="write the server's URI to PATH once it answers (for scripts)")
    serve.set_defaults(func=run_serve)

    build = commands.add_parser(
        "build",
        help="build the FerretDB launcher of this checkout (needs Go >= 1.24)",
        description="Build tools/ferretdb (FerretDB 1.24 over SQLite with the project's patches) "
        "into .cache/ferretdb/ferretdb-launcher; nothing is done when it is up to date. Only "
        f"from a checkout: an installed rficrawl finds a launcher through {LAUNCHER_ENV} or "
        "ferretdb-launcher on PATH.",
    )
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.set_defaults(func=run_build)

    status = commands.add_parser(
        "status",
        help="ping the server that MONGO_URI (or the default) points at",
        description=f"Ping the server at --uri, else $MONGO_URI, else {DEFAULT_URI}, print what "
        "it is and what the archive database holds. Exit code 1 when it does not answer.",
    )
    status.add_argument("--uri", default=None, help="MongoDB URI to check")
    status.add_argument("--database", default=None, metavar="NAME",
                        help="archive database (default: $MONGO_DATABASE, else rfi)")
    status.set_defaults(func=run_status)


def run_serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port {args.port}: must be between 0 and 65535")
    port = args.port or None
    if port is not None:
        uri = f"mongodb://127.0.0.1:{port}"
        try:
            running = describe_server(ping(uri, timeout=1.0))
        except PyMongoError:
            running = None
        if running:
            raise CommandError(f"{running} already answers at {uri}; use it (MONGO_URI={uri}) "
                               "or choose another --port (0 picks a free one)")
    print(f"Starting a MongoDB-wire server with data in {args.data} ...", file=sys.stderr, flush=True)
    try:
        server = start_server(args.data, port=port, kind=args.kind, use_mongo_uri=False)
    except ServerError as exc:
        raise CommandError(str(exc)) from None

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        print(server.uri, flush=True)
        print(f"{server.version()} ({server.kind}), data in {server.data_dir}, log {server.log_path}",
              file=sys.stderr, flush=True)
        print(f"Use it with: scrapy crawl SPIDER -s MONGO_URI={server.uri}  (Ctrl-C to stop)",
              file=sys.stderr, flush=True)
        if args.uri_file:
            args.uri_file.write_text(server.uri + "\n")
        while not stopping:
            if not server.running:
                print(f"rficrawl mongo serve: the {server.kind} server stopped by itself; "
                      f"see {server.log_path}", file=sys.stderr)
                return 1
            time.sleep(0.3)
    finally:
        server.stop()
        if args.uri_file:
            args.uri_file.unlink(missing_ok=True)
    print("stopped", file=sys.stderr)
    return 0


def run_build(args: argparse.Namespace) -> int:
    try:
        launcher = build_launcher(force=args.force)
    except LauncherError as exc:
        raise CommandError(str(exc)) from None
    print(launcher)
    return 0


def run_status(args: argparse.Namespace) -> int:
    uri = args.uri or default_uri()
    source = "--uri" if args.uri else "MONGO_URI" if os.environ.get("MONGO_URI") else "default"
    started = time.monotonic()
    try:
        info = ping(uri, timeout=3.0)
    except PyMongoError as exc:
        print(f"{redact(uri)} ({source}): no answer ({exc.__class__.__name__})")
        print("Start one with `rficrawl mongo serve` or `scripts/run.sh`, or set MONGO_URI.")
        return 1
    elapsed = (time.monotonic() - started) * 1000
    print(f"{redact(uri)} ({source}): {describe_server(info)}, ping {elapsed:.0f} ms")
    name = args.database or default_database()
    try:
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=3000) as client:
            database = client[name]
            counts = {c: database[c].estimated_document_count()
                      for c in sorted(database.list_collection_names())}
    except PyMongoError as exc:
        print(f"database {name}: cannot be read ({exc})")
        return 1
    if counts:
        print(f"database {name}: " + ", ".join(f"{n} {c}" for c, n in counts.items()))
    else:
        print(f"database {name}: empty (nothing stored yet)")
    return 0
