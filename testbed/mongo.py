"""The MongoDB-wire server of tests and benches: the checkout's FerretDB launcher is built first.

``rficrawl.ops.mongo.start_server`` never builds (an installed rficrawl has nothing to build
from); a checkout's tests and benches want the launcher of the sources they run, so
:func:`start_test_server` asks ``tools/ferretdb/build.sh`` for it first (a no-op when it is up to
date) whenever FerretDB may be the server started.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rficrawl.ops.ferretdb import LAUNCHER_ENV, LauncherError, build_launcher, in_checkout
from rficrawl.ops.mongo import FERRETDB, RunningServer, ServerError, forced_kind, start_server


def prepare_ferretdb(kind: str | None = None, use_mongo_uri: bool = True) -> None:
    """Build the checkout's launcher when ``start_server(kind=kind)`` may start FerretDB.

    A build that fails is an error only when FerretDB is forced; otherwise ``start_server`` says
    FerretDB is missing and starts the next kind, as on a machine without Go.
    """
    forced = forced_kind(kind)
    if forced not in (None, FERRETDB) or os.environ.get(LAUNCHER_ENV) or not in_checkout():
        return
    if forced is None and (
        (use_mongo_uri and os.environ.get("MONGO_URI")) or shutil.which("mongod")
    ):
        return  # an external server or mongod comes before FerretDB
    try:
        build_launcher()
    except LauncherError as exc:
        if forced == FERRETDB:
            raise ServerError(str(exc)) from None


def start_test_server(
    data_dir: Path, port: int | None = None, kind: str | None = None, **options: object
) -> RunningServer:
    """``start_server`` (same arguments), with the checkout's FerretDB launcher built first."""
    prepare_ferretdb(kind, bool(options.get("use_mongo_uri", True)))
    return start_server(data_dir, port, kind, **options)  # type: ignore[arg-type]
