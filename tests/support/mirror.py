"""The offline test bed: a local mirror of rfi.fr served on 127.0.0.1 (see rficrawl.mirror).

``mirror_server_factory(root, **options)`` starts a :class:`rficrawl.mirror.MirrorServer` on a free
port (options: delay, forbid, forbid_unless_browser, browser_check, routes); every server a test
started is stopped at teardown. ``mirror_settings(server)`` gives the Scrapy settings that point a
crawl at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rficrawl.mirror import MirrorServer

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


@pytest.fixture
def mirror_server_factory() -> Iterator[MirrorServerFactory]:
    """Start mirror servers on free ports; all are stopped when the test ends."""
    servers: list[MirrorServer] = []

    def factory(root: str | Path, **options: object) -> MirrorServer:
        server = MirrorServer(root, **options)
        servers.append(server)
        return server.start()

    yield factory
    for server in servers:
        server.stop()
