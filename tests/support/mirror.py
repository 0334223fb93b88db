"""The offline test bed: a local mirror of rfi.fr served on 127.0.0.1 (see testbed.server).

``mirror_server_factory(root, **options)`` starts a :class:`testbed.server.MirrorServer` on a free
port (options: delay, forbid, forbid_unless_browser, browser_check, routes); every server a test
started is stopped at teardown. ``mirror_settings(server)`` gives the Scrapy settings that point a
crawl at it. ``hold(server, paths)`` puts a :class:`Gate` on paths: their requests wait at the
mirror until the test releases them, which is how a test makes an order of events certain (a
worker joins before the work is done, a request stays in flight while something else happens)
without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from testbed.server import MirrorRequest, MirrorServer

MirrorServerFactory = Callable[..., MirrorServer]


def mirror_settings(server: MirrorServer, **overrides: object) -> dict[str, object]:
    """Scrapy settings for a crawl of ``server``: its base URL, no politeness delays, no remote
    control. robots.txt is obeyed when the mirror has one (as on the live site) and not fetched
    otherwise, so the request log holds only the requests the spider made."""
    settings: dict[str, object] = {
        "RFI_BASE_URL": server.base_url,
        "ROBOTSTXT_OBEY": (server.root / "robots.txt").is_file(),
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
    }
    settings.update(overrides)
    return settings


class Gate:
    """A mirror route that holds the requests it gets until released, then answers from the files.

    ``arrived`` lists the decoded paths in arrival order; :meth:`wait_for` blocks until enough
    have arrived. The first ``pass_first`` requests go through at once; the gate opens by itself
    once ``open_at`` requests are held (a barrier), or when :meth:`release` is called. A request
    is never held longer than ``limit`` seconds, so a failing test cannot hang the server.
    """

    def __init__(self, server: MirrorServer, *, pass_first: int = 0, open_at: int | None = None,
                 limit: float = 300.0) -> None:
        self.server = server
        self.pass_first = pass_first
        self.open_at = open_at
        self.limit = limit
        self.arrived: list[str] = []
        self._open = threading.Event()
        self._changed = threading.Condition()

    def __call__(self, request: MirrorRequest) -> tuple[int, dict[str, str], bytes]:
        with self._changed:
            self.arrived.append(request.path)
            held = len(self.arrived) - self.pass_first
            if self.open_at is not None and held >= self.open_at:
                self._open.set()
            self._changed.notify_all()
        if held > 0:
            self._open.wait(self.limit)
        return self.server.serve_file(request)

    def wait_for(self, count: int = 1, timeout: float = 120.0) -> list[str]:
        """The paths arrived so far, once at least ``count`` have; fails the test after ``timeout``."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.arrived) >= count, timeout):
                pytest.fail(f"{len(self.arrived)} requests reached the gate in {timeout}s, "
                            f"waited for {count}: {self.arrived}")
            return list(self.arrived)

    def release(self) -> None:
        self._open.set()


def hold(server: MirrorServer, paths: Iterable[str], **options: object) -> Gate:
    """Put one :class:`Gate` on these decoded paths (each a route of its own exact path)."""
    gate = Gate(server, **options)
    for path in paths:
        server.add_route(path, gate)
    return gate


@pytest.fixture
def mirror_server_factory() -> Iterator[MirrorServerFactory]:
    """Start mirror servers on free ports; all are stopped (their gates opened) when the test ends."""
    servers: list[MirrorServer] = []

    def factory(root: str | Path, **options: object) -> MirrorServer:
        server = MirrorServer(root, **options)
        servers.append(server)
        return server.start()

    yield factory
    for server in servers:
        for route in server.routes.values():
            if isinstance(route, Gate):
                route.release()
        server.stop()
