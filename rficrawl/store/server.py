"""Start a MongoDB-wire server on 127.0.0.1 for tests, benches and the README's run command.

Why this exists: rficrawl stores into MongoDB, but a newsroom laptop or a CI machine rarely has a
``mongod``. So the same code picks the best server it can find, in this order:

1. ``MONGO_URI`` from the environment: use it, start nothing (kind ``external``);
2. a ``mongod`` on ``PATH``, started with its own data directory;
3. FerretDB 1.24 with its SQLite backend, through the small Go launcher in ``tools/ferretdb``
   (built once into ``.cache/ferretdb/`` by ``tools/ferretdb/build.sh``);
4. ``nx-27017`` from PyPI, a MongoDB wire-protocol server over SQLite written in Python.

``RFICRAWL_MONGO_SERVER=mongod|ferretdb|nx-27017`` (or the ``kind`` argument) forces one kind; a
forced kind that cannot start is an error, never a silent fallback, so CI really tests what it
asked for. Each kind keeps its data in its own sub-directory of ``data_dir`` (their files are not
interchangeable) and writes its log to ``data_dir/<kind>.log``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import pymongo
from pymongo.errors import PyMongoError

FORCE_ENV = "RFICRAWL_MONGO_SERVER"
LAUNCHER_ENV = "RFICRAWL_FERRETDB_LAUNCHER"
EXTERNAL = "external"
MONGOD = "mongod"
FERRETDB = "ferretdb"
NX27017 = "nx-27017"
# The order in which start_server tries the kinds it can start itself.
STARTABLE_KINDS = (MONGOD, FERRETDB, NX27017)
KINDS = (EXTERNAL, *STARTABLE_KINDS)

REPO_ROOT = Path(__file__).resolve().parents[2]
FERRETDB_BUILD_SCRIPT = REPO_ROOT / "tools" / "ferretdb" / "build.sh"
FERRETDB_LAUNCHER = REPO_ROOT / ".cache" / "ferretdb" / "ferretdb-launcher"


class ServerError(RuntimeError):
    """A MongoDB-wire server could not be found or started; the message says what was tried."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free right now, chosen by the kernel (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ping(uri: str, timeout: float = 2.0) -> dict:
    """Ping the server at ``uri``; return its ``buildInfo`` (raises ``PyMongoError`` if it is down)."""
    ms = max(int(timeout * 1000), 100)
    with pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms * 5
    ) as client:
        client.admin.command("ping")
        return client.admin.command("buildInfo")


def describe_server(build_info: dict) -> str:
    """A one-line name for a server from its ``buildInfo``: FerretDB says so, mongod does not."""
    version = build_info.get("version", "?")
    if "ferretdb" in build_info or "ferretdbFeatures" in build_info:
        return f"FerretDB (MongoDB {version} compatible)"
    if build_info.get("process") == "nx_27017":
        return f"nx-27017 (MongoDB {version} compatible)"
    return f"MongoDB {version}"


@dataclass
class RunningServer:
    """A MongoDB-wire server that ``start_server`` found or started.

    ``stop()`` and ``restart()`` keep the port and the data, so a test can take the server away in
    the middle of a crawl and bring it back. An ``external`` server is not ours: it cannot be
    stopped or restarted from here (``can_restart`` is False).
    """

    kind: str
    uri: str
    data_dir: Path | None = None
    log_path: Path | None = None
    argv: list[str] = field(default_factory=list)
    timeout: float = 60.0
    _process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def can_restart(self) -> bool:
        return self.kind != EXTERNAL

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running else None

    def start(self) -> RunningServer:
        """Start the process (if it is ours) and wait until it answers ``ping``."""
        if self.kind == EXTERNAL:
            self._wait_ready(None)
            return self
        if self.running:
            return self
        assert self.log_path is not None
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(self.argv)}\n".encode())
            log.flush()
            # A session of its own: Ctrl-C in a terminal reaches us, and we stop the server cleanly.
            self._process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(self._process)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``); an external one is left alone."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def restart(self) -> RunningServer:
        """Stop and start again on the same port with the same data."""
        if not self.can_restart:
            raise ServerError(f"cannot restart the external server at {redact(self.uri)}")
        self.stop()
        return self.start()

    def version(self) -> str:
        return describe_server(ping(self.uri))

    def _wait_ready(self, process: subprocess.Popen | None) -> None:
        deadline = time.monotonic() + self.timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise ServerError(
                    f"{self.kind} exited with code {process.returncode} before answering ping "
                    f"({' '.join(self.argv)}); see {self.log_path}:\n{self._log_tail()}"
                )
            try:
                ping(self.uri, timeout=1.0)
                return
            except PyMongoError as exc:
                last_error = exc
                time.sleep(0.1)
        if process is not None:
            self.stop()
        where = f"; see {self.log_path}:\n{self._log_tail()}" if self.log_path else ""
        raise ServerError(
            f"{self.kind} server at {redact(self.uri)} did not answer ping within "
            f"{self.timeout:.0f}s ({last_error}){where}"
        )

    def _log_tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def redact(uri: str) -> str:
    """The URI without its password, for messages and logs."""
    scheme, sep, rest = uri.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return uri
    credentials, _, hostpart = rest.partition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostpart}"


def forced_kind(kind: str | None = None) -> str | None:
    """The kind asked for by the argument or ``RFICRAWL_MONGO_SERVER``; None means "the best one"."""
    value = kind if kind is not None else os.environ.get(FORCE_ENV, "")
    value = value.strip().lower()
    if value in ("", "auto"):
        return None
    if value not in KINDS:
        source = "kind" if kind is not None else FORCE_ENV
        raise ServerError(
            f"{source}={value!r} is not a MongoDB server kind rficrawl knows; "
            f"use one of {', '.join(KINDS)} (or auto)"
        )
    return value


def start_server(
    data_dir: Path,
    port: int | None = None,
    kind: str | None = None,
    *,
    timeout: float = 60.0,
    use_mongo_uri: bool = True,
) -> RunningServer:
    """Find or start a MongoDB-wire server on 127.0.0.1 and wait until it answers ``ping``.

    ``data_dir`` holds one sub-directory of data and one log file per kind. ``port`` defaults to a
    free port. ``kind`` (else ``RFICRAWL_MONGO_SERVER``) forces one kind; without it, ``MONGO_URI``
    wins (unless ``use_mongo_uri`` is False: ``rficrawl mongo serve`` always starts one), then
    ``mongod``, FerretDB and nx-27017 in that order.
    """
    forced = forced_kind(kind)
    if forced == EXTERNAL or (forced is None and use_mongo_uri and os.environ.get("MONGO_URI")):
        uri = os.environ.get("MONGO_URI", "")
        if not uri:
            raise ServerError("kind 'external' needs MONGO_URI set to the server's URI")
        return RunningServer(kind=EXTERNAL, uri=uri, timeout=timeout).start()

    data_dir = Path(data_dir).resolve()
    candidates = [forced] if forced else list(STARTABLE_KINDS)
    tried: list[str] = []
    for candidate in candidates:
        try:
            argv_for = _command_builder(candidate)
        except ServerError as exc:
            if forced:
                raise ServerError(f"{FORCE_ENV}/kind {forced!r} cannot start: {exc}") from None
            tried.append(f"{candidate}: {exc}")
            continue
        try:
            return _start_kind(candidate, argv_for, data_dir, port, timeout)
        except ServerError as exc:
            if forced:
                raise
            tried.append(f"{candidate}: {exc}")
    raise ServerError("no MongoDB-wire server could be started; tried:\n  " + "\n  ".join(tried))


def _start_kind(kind, argv_for, data_dir: Path, port: int | None, timeout: float) -> RunningServer:
    """Start one kind; a port chosen here that someone grabbed meanwhile is retried with another."""
    attempts = 1 if port is not None else 3
    for attempt in range(attempts):
        chosen = port if port is not None else free_port()
        kind_dir = data_dir / kind
        kind_dir.mkdir(parents=True, exist_ok=True)
        server = RunningServer(
            kind=kind,
            uri=f"mongodb://127.0.0.1:{chosen}",
            data_dir=kind_dir,
            log_path=data_dir / f"{kind}.log",
            argv=argv_for(kind_dir, chosen),
            timeout=timeout,
        )
        try:
            return server.start()
        except ServerError:
            if attempt == attempts - 1 or not _port_in_use(chosen):
                raise
    raise AssertionError("unreachable")


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _command_builder(kind: str):
    """Return ``argv_for(data_dir, port)`` for ``kind``, or raise ServerError if it is not here."""
    if kind == MONGOD:
        mongod = shutil.which("mongod")
        if not mongod:
            raise ServerError("no mongod on PATH")
        return lambda data, port: [
            mongod, "--dbpath", str(data), "--port", str(port), "--bind_ip", "127.0.0.1",
            "--quiet",
        ]  # fmt: skip
    if kind == FERRETDB:
        launcher = ferretdb_launcher()
        return lambda data, port: ferretdb_argv(launcher, data, port)
    if kind == NX27017:
        try:
            import nx_27017  # noqa: F401
        except ImportError:
            raise ServerError(
                "the Python package nx-27017 is not installed (pip install -r requirements.txt)"
            ) from None
        return lambda data, port: [
            sys.executable, "-m", "nx_27017.nx_27017", "--data-dir", str(data),
            "--host", "127.0.0.1", "--port", str(port),
            "--log-file", str(data / "nx-27017.log"), "--pid-file", str(data / "nx-27017.pid"),
        ]  # fmt: skip
    raise ServerError(f"kind {kind!r} cannot be started by rficrawl")


def ferretdb_argv(launcher: Path, data: Path, port: int) -> list[str]:
    """The command line of the FerretDB launcher on 127.0.0.1:port with its data in ``data``,
    stopping when this process is gone."""
    return [
        str(launcher), "-listen-addr", f"127.0.0.1:{port}", "-data-dir", str(data),
        "-log-level", "error", "-exit-with-pid", str(os.getpid()),
    ]  # fmt: skip


def ferretdb_launcher() -> Path:
    """Path of the FerretDB launcher, built first by ``tools/ferretdb/build.sh`` if it is stale.

    ``RFICRAWL_FERRETDB_LAUNCHER`` may name a launcher built elsewhere (nothing is built then).
    """
    override = os.environ.get(LAUNCHER_ENV)
    if override:
        path = Path(override)
        if not os.access(path, os.X_OK):
            raise ServerError(f"{LAUNCHER_ENV}={override} is not an executable file")
        return path
    if FERRETDB_BUILD_SCRIPT.exists():
        _build_ferretdb_launcher()
    if not os.access(FERRETDB_LAUNCHER, os.X_OK):
        raise ServerError(f"no FerretDB launcher at {FERRETDB_LAUNCHER} (run tools/ferretdb/build.sh)")
    return FERRETDB_LAUNCHER


def _build_ferretdb_launcher() -> None:
    """Run build.sh (a no-op when the launcher is up to date), showing its progress on stderr:
    a first build takes a minute or two and should not look like a hang."""
    process = subprocess.Popen(
        ["bash", str(FERRETDB_BUILD_SCRIPT)],
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
        output = "\n".join(lines[-10:]) or f"{FERRETDB_BUILD_SCRIPT} exited with code {process.returncode}"
        raise ServerError(f"the FerretDB launcher could not be built: {output}")
