"""A real redis-server for tests: its own config and data directory, a free port on 127.0.0.1.

``redis_server`` starts one server per test and stops it afterwards. The server persists with an
append-only file (as docs/frontier.md asks of production), so ``restart()`` — a graceful shutdown
and a new process on the same port — keeps the frontier, and ``stop()``/``start()`` let a test hold
an outage open for as long as it needs.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

REDIS_SERVER = "redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process, restartable on the same port with the same data."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.conf = workdir / "redis.conf"
        self.log = workdir / "redis.log"
        self.proc: subprocess.Popen | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    f"dir {workdir}",
                    "daemonize no",
                    f"logfile {self.log}",
                    "save ''",
                    "appendonly yes",
                    "appendfsync always",
                    "",
                ]
            )
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self, timeout: float = 10) -> RedisServer:
        if self.proc is not None:
            return self
        self.proc = subprocess.Popen(
            [REDIS_SERVER, str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited at start; see {self.log}")
            try:
                if self.client().ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}; see {self.log}")

    def stop(self) -> None:
        """Graceful shutdown (SIGTERM): the append-only file is complete on disk."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self, down_for: float = 0.0) -> RedisServer:
        self.stop()
        if down_for:
            time.sleep(down_for)
        return self.start()


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A fresh redis-server for one test, stopped at teardown."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()
