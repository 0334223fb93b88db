"""The outage breaker against a real redis-server that is stopped and started again."""

from __future__ import annotations

import logging
import time

import pytest

from rficrawl.frontier.connection import RedisLink, RedisUnavailable, redacted


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


def test_passwords_stay_out_of_logs():
    assert redacted("redis://user:secret@host:6379/0") == "redis://***@host:6379/0"
    assert redacted("redis://host:6379/0") == "redis://host:6379/0"
