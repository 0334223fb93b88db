"""Find or start a MongoDB-wire server on 127.0.0.1: ``rficrawl mongo serve``, the run command, tests.

Why this exists: rficrawl stores into MongoDB, but a newsroom laptop or a CI machine rarely has a
``mongod``. So the same code picks the best server it can find, in this order:

1. ``MONGO_URI`` from the environment: use it, start nothing (kind ``external``);
2. a ``mongod`` on ``PATH``, started with its own data directory;
3. FerretDB 1.24 with its SQLite backend, through the small Go launcher in ``tools/ferretdb``
   (found as ``rficrawl.ops.ferretdb`` says; never built from here);
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
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import pymongo
from pymongo.errors import PyMongoError

from rficrawl.ops.ferretdb import LauncherError, ferretdb_argv, find_launcher
from rficrawl.ops.process import NotReady, free_port, port_in_use, wait_ready
from rficrawl.redaction import redact

FORCE_ENV = "RFICRAWL_MONGO_SERVER"
EXTERNAL = "external"
MONGOD = "mongod"
FERRETDB = "ferretdb"
NX27017 = "nx-27017"
# The order in which start_server tries the kinds it can start itself.
STARTABLE_KINDS = (MONGOD, FERRETDB, NX27017)
KINDS = (EXTERNAL, *STARTABLE_KINDS)


class ServerError(RuntimeError):
    """A MongoDB-wire server could not be found or started; the message says what was tried."""


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
        try:
            wait_ready(
                lambda: ping(self.uri, timeout=1.0),
                what=f"{self.kind} server at {redact(self.uri)}",
                timeout=self.timeout,
                process=process,
                errors=(PyMongoError,),
            )
        except NotReady as exc:
            if process is not None and exc.returncode is None:
                self.stop()
            if exc.returncode is not None:
                raise ServerError(
                    f"{self.kind} exited with code {exc.returncode} before answering ping "
                    f"({' '.join(self.argv)}); see {self.log_path}:\n{self._log_tail()}"
                ) from None
            where = f"; see {self.log_path}:\n{self._log_tail()}" if self.log_path else ""
            raise ServerError(f"{exc}{where}") from None

    def _log_tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


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
            if attempt == attempts - 1 or not port_in_use(chosen):
                raise
    raise AssertionError("unreachable")


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
        try:
            launcher = find_launcher()
        except LauncherError as exc:
            raise ServerError(str(exc)) from None
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
