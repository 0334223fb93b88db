"""A real redis-server for tests and benches: its own config and data directory, a free port.

The server persists with an append-only file (as docs/frontier.md asks of production), so
``restart()`` (a graceful shutdown and a new process on the same port) keeps the frontier, and
``stop()``/``start()`` let a test hold an outage open for as long as it needs.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from rficrawl.ops.process import NotReady, free_port, wait_ready

REDIS_SERVER = "redis-server"


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
        try:
            wait_ready(
                lambda: self.client().ping(),
                what=f"redis-server on port {self.port}",
                timeout=timeout,
                process=self.proc,
                errors=(redis.exceptions.ConnectionError,),
                interval=0.05,
            )
        except NotReady as exc:
            raise RuntimeError(f"{exc}; see {self.log}") from None
        return self

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
