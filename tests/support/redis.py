"""``redis_server``: a real redis-server of its own for one test (testbed.redis), stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testbed.redis import RedisServer


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A fresh redis-server for one test, stopped at teardown."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()
