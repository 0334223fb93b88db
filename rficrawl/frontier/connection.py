"""The workers' link to Redis: a client that never stalls the crawl, and a breaker for outages.

scrapy-redis gives its client 30-second timeouts and redis-py retries each command with sleeps; a
Scrapy worker calls Redis from the reactor thread, so during an outage every call would freeze
downloads for that long. Here the client has short timeouts and no retries of its own, and
:class:`RedisLink` decides when to try again: after a failure it stays *down* (callers buffer
their writes and serve what they hold locally) and probes the server with exponential backoff,
logging each step, until a PING succeeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from scrapy.settings import BaseSettings
from scrapy_redis import connection as scrapy_redis_connection

from rficrawl.redaction import redact

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: What an outage looks like to redis-py: refused or dropped connections, timeouts, a server
#: still loading its data after a restart.
OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class RedisUnavailable(Exception):
    """Redis is down; the caller keeps its data locally and tries again later."""


def client_from_settings(settings: BaseSettings) -> redis.Redis:
    """A redis-py client for ``REDIS_URL`` (and scrapy-redis's ``REDIS_PARAMS``), tuned so that a
    dead server costs milliseconds, not seconds, per call."""
    params = {
        "socket_timeout": settings.getfloat("FRONTIER_REDIS_TIMEOUT"),
        "socket_connect_timeout": settings.getfloat("FRONTIER_REDIS_TIMEOUT"),
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 30,
    }
    params.update(settings.getdict("REDIS_PARAMS"))
    url = settings.get("REDIS_URL")
    return scrapy_redis_connection.get_redis(url=url, redis_cls=redis.Redis, **params)


class RedisLink:
    """Tracks whether Redis is reachable and runs calls only when it is (or is due a probe).

    ``call(fn, ...)`` raises :class:`RedisUnavailable` while the link is down, so the callers'
    outage path is one ``except`` clause. Backoff doubles from ``backoff_start`` up to
    ``backoff_max`` seconds.
    """

    def __init__(
        self,
        server: redis.Redis,
        url: str,
        backoff_start: float = 0.5,
        backoff_max: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.url = redact(url)
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.clock = clock
        self.up = True
        self.outages = 0
        self.down_since: float | None = None
        self.last_reconnect: float | None = None
        self._delay = backoff_start
        self._next_probe = 0.0

    def call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        if not self.available():
            raise RedisUnavailable(self.url)
        try:
            return fn(*args, **kwargs)
        except OUTAGE_ERRORS as exc:
            self._fail(exc)
            raise RedisUnavailable(self.url) from exc

    def available(self) -> bool:
        """True when up; when down, probe once the backoff delay has passed."""
        if self.up:
            return True
        now = self.clock()
        if now < self._next_probe:
            return False
        try:
            self.server.ping()
        except OUTAGE_ERRORS as exc:
            self._fail(exc)
            return False
        downtime = now - (self.down_since or now)
        logger.warning("Redis at %s is back after %.1fs; flushing buffered work", self.url, downtime)
        self.up = True
        self.down_since = None
        self.last_reconnect = now
        self._delay = self.backoff_start
        return True

    def _fail(self, exc: BaseException) -> None:
        now = self.clock()
        if self.up:
            self.up = False
            self.outages += 1
            self.down_since = now
            self._delay = self.backoff_start
        else:
            self._delay = min(self._delay * 2, self.backoff_max)
        self._next_probe = now + self._delay
        logger.warning(
            "Redis at %s unreachable (%s: %s); keeping requests locally, next try in %.1fs",
            self.url,
            type(exc).__name__,
            exc,
            self._delay,
        )
