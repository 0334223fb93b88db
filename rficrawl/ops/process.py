"""Free ports and readiness waits, for every server rficrawl, its tests or its benches start.

A server is started on a port the kernel chose free a moment before, then asked until it answers;
if its process dies first, waiting longer is pointless, and the caller says so with its log.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable


class NotReady(RuntimeError):
    """A server did not answer in time, or its process exited first; the message says which."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on ``host``, chosen by the kernel (a bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) == 0


def wait_ready(
    answers: Callable[[], object],
    *,
    what: str,
    timeout: float,
    process: subprocess.Popen | None = None,
    errors: tuple[type[BaseException], ...] = (OSError,),
    interval: float = 0.1,
) -> None:
    """Call ``answers()`` until it returns a true value without raising one of ``errors``.

    Raises :class:`NotReady` when ``process`` (the server's, if ours) exits first, with its exit
    code, or after ``timeout`` seconds, with the last error ``answers`` raised.
    """
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        if process is not None and process.poll() is not None:
            raise NotReady(
                f"{what} exited with code {process.returncode} before answering",
                process.returncode,
            )
        try:
            if answers():
                return
        except errors as exc:
            last = exc
        if time.monotonic() >= deadline:
            reason = f" ({last})" if last is not None else ""
            raise NotReady(f"{what} did not answer within {timeout:.0f}s{reason}")
        time.sleep(interval)
