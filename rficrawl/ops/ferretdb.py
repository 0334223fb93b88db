"""The FerretDB launcher: where it is, and building it from a checkout when asked.

The launcher (``tools/ferretdb``: FerretDB 1.24 over SQLite with the project's patches) is a Go
program built by ``tools/ferretdb/build.sh`` into the checkout's ``.cache/ferretdb/``. An installed
rficrawl (a wheel, a scrapyd egg) has no checkout, so it is looked for, in this order:

1. ``RFICRAWL_FERRETDB_LAUNCHER``: the path of a launcher built elsewhere;
2. ``ferretdb-launcher`` on ``PATH``;
3. the checkout's ``.cache/ferretdb/ferretdb-launcher``, when rficrawl runs from a checkout.

Finding never builds: a build takes minutes and needs Go, so it happens only when asked
(``scripts/setup.sh``, ``rficrawl mongo build``, or the tests' and benches' harness), and a
missing launcher is an error that says how to get one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

LAUNCHER_ENV = "RFICRAWL_FERRETDB_LAUNCHER"
LAUNCHER_NAME = "ferretdb-launcher"
# Where a checkout keeps the launcher's sources and its build; absent from an installed package.
CHECKOUT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = CHECKOUT / "tools" / "ferretdb" / "build.sh"
CHECKOUT_LAUNCHER = CHECKOUT / ".cache" / "ferretdb" / LAUNCHER_NAME


class LauncherError(RuntimeError):
    """No FerretDB launcher here, or it could not be built; the message says what to do."""


def in_checkout() -> bool:
    """Whether rficrawl runs from a checkout that can build the launcher."""
    return BUILD_SCRIPT.is_file()


def find_launcher() -> Path:
    """The FerretDB launcher to run (see the module's docstring for the order); never builds."""
    override = os.environ.get(LAUNCHER_ENV)
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise LauncherError(f"{LAUNCHER_ENV}={override} is not an executable file")
        return path
    on_path = shutil.which(LAUNCHER_NAME)
    if on_path:
        return Path(on_path)
    if os.access(CHECKOUT_LAUNCHER, os.X_OK):
        return CHECKOUT_LAUNCHER
    if in_checkout():
        raise LauncherError(
            f"the FerretDB launcher is not built yet ({CHECKOUT_LAUNCHER}); build it with "
            "`rficrawl mongo build` (needs Go >= 1.24)"
        )
    raise LauncherError(
        f"no FerretDB launcher: set {LAUNCHER_ENV} to one, or put {LAUNCHER_NAME} on PATH "
        "(build it in a checkout of rficrawl with `rficrawl mongo build`)"
    )


def build_launcher(force: bool = False) -> Path:
    """Build the checkout's launcher with ``tools/ferretdb/build.sh`` (a no-op when up to date).

    Its progress goes to stderr as it comes: a first build takes a minute or two and should not
    look like a hang.
    """
    if not in_checkout():
        raise LauncherError(
            f"the FerretDB launcher is built from a checkout of rficrawl ({BUILD_SCRIPT} is not "
            f"here); build it there and set {LAUNCHER_ENV}, or put {LAUNCHER_NAME} on PATH"
        )
    process = subprocess.Popen(
        ["bash", str(BUILD_SCRIPT), *(["--force"] if force else [])],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line.rstrip())
        print(line, end="", file=sys.stderr, flush=True)
    if process.wait() != 0:
        output = "\n".join(lines[-10:]) or f"{BUILD_SCRIPT} exited with code {process.returncode}"
        raise LauncherError(f"the FerretDB launcher could not be built: {output}")
    return CHECKOUT_LAUNCHER


def ferretdb_argv(launcher: Path, data: Path, port: int) -> list[str]:
    """The command line of the launcher on 127.0.0.1:port with its data in ``data``, stopping
    when this process is gone."""
    return [
        str(launcher), "-listen-addr", f"127.0.0.1:{port}", "-data-dir", str(data),
        "-log-level", "error", "-exit-with-pid", str(os.getpid()),
    ]  # fmt: skip
