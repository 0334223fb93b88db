"""The outage breaker against a real redis-server that is stopped and started again."""

from __future__ import annotations

import logging
import time

import pytest

from rficrawl.frontier.connection import RedisLink, RedisUnavailable
from rficrawl.redaction import redact
from tests.frontier.conftest import Worker, frontier_settings
from tests.frontier.probe import build_probe_site


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_down_link_backs_off_then_reconnects(redis_server, caplog):
    clock = Clock()
    link = RedisLink(redis_server.client(), redis_server.url, 0.5, 4.0, clock=clock)
    assert link.call(link.server.set, "k", "v")
    redis_server.stop()
    caplog.set_level(logging.WARNING)
    started = time.monotonic()
    with pytest.raises(RedisUnavailable):
        link.call(link.server.get, "k")
    assert time.monotonic() - started < 1.0  # refused at once, no retries inside redis-py
    assert not link.up and link.outages == 1
    with pytest.raises(RedisUnavailable):
        link.call(link.server.get, "k")  # not even tried before the backoff delay
    delays = []
    for _ in range(5):
        clock.now = link._next_probe
        assert not link.available()
        delays.append(link._next_probe - clock.now)
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert "unreachable" in caplog.text and "next try in 4.0s" in caplog.text

    redis_server.start()
    clock.now = link._next_probe
    assert link.available()
    assert link.call(link.server.get, "k") == b"v"  # the data survived the restart
    assert "is back after" in caplog.text
    assert link.outages == 1


def test_passwords_stay_out_of_logs_and_stats(redis_server, mirror_server_factory, tmp_path):
    assert redact("redis://host:6379/0") == "redis://host:6379/0"
    password = "s3cret-frontier-pw"
    redis_server.client().config_set("requirepass", password)
    url = redis_server.url.replace("redis://", f"redis://:{password}@")
    root = tmp_path / "site"
    build_probe_site(root, fronts=1, lists=1, articles=2)
    server = mirror_server_factory(root)
    settings = {**frontier_settings(server, redis_server, REDIS_URL=url),
                "SPIDER_MODULES": "tests.frontier.probe"}
    worker = Worker.start("w", "probe", tmp_path, settings, {"fronts": 1})
    worker.wait()
    worker.assert_finished()
    log = worker.log()
    assert len(worker.items()) == 2  # it did reach the password-protected frontier
    assert f"at redis://:***@127.0.0.1:{redis_server.port}/0" in log
    assert password not in log
    assert password not in worker.stats_file.read_text()
