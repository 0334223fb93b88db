"""The shared request queue, with leases so that a worker that dies loses nothing.

scrapy-redis pops a request and forgets it: if the worker dies before the response is handled,
the request is gone. Here a pop *leases* the request: it moves, in one Lua script, from the
priority queue (a sorted set, as scrapy-redis's ``PriorityQueue``) into the worker's in-flight
hash. The worker renews its lease in the ``workers`` sorted set (score = deadline, Redis server
time) while it lives, and acknowledges each request once Scrapy has finished with it. Any worker
requeues the in-flight requests of workers whose lease has expired.

Keys, for a spider ``S`` and prefix ``P`` (setting ``FRONTIER_KEY_PREFIX``)::

    P:S:queue            sorted set  serialized request -> -priority
    P:S:workers          sorted set  worker id -> lease deadline (ms, Redis TIME)
    P:S:inflight:<id>    hash        token "<score>|<n>" -> serialized request
    P:S:seq              counter     for tokens
    P:S:run              hash        id, seeder, seeding, started: the current run
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from scrapy import Request, Spider
from scrapy_redis.queue import Base

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# Requeue every in-flight request of one worker and forget the worker.
_RELEASE_FN = """
local function release(queue, workers, prefix, worker)
  local key = prefix .. worker
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    local score = tonumber(string.match(flat[i], '^([^|]+)|'))
    redis.call('ZADD', queue, score, flat[i + 1])
  end
  redis.call('DEL', key)
  redis.call('ZREM', workers, worker)
  return #flat / 2
end
local function inflight_total(workers, prefix)
  local n = 0
  for _, w in ipairs(redis.call('ZRANGE', workers, 0, -1)) do
    n = n + redis.call('HLEN', prefix .. w)
  end
  return n
end
"""

# KEYS: queue, workers, run, seen_run. ARGV: worker, lease_ms, run_id, inflight prefix.
OPEN = (
    _NOW
    + _RELEASE_FN
    + """
local queue, workers, run, seen_run = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local worker, lease, run_id, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local live = redis.call('ZCOUNT', workers, now, '+inf')
local busy = redis.call('ZCARD', queue) > 0 or inflight_total(workers, prefix) > 0
redis.call('ZADD', workers, now + lease, worker)
if redis.call('EXISTS', run) == 1 and live > 0 then
  return {'join', redis.call('HGET', run, 'id')}
end
if busy then
  if redis.call('HSETNX', run, 'id', run_id) == 1 then
    redis.call('HSET', run, 'started', now, 'seeding', '')
  end
  return {'resume', redis.call('HGET', run, 'id')}
end
redis.call('DEL', run, seen_run)
redis.call('HSET', run, 'id', run_id, 'started', now, 'seeder', worker, 'seeding', worker)
return {'seed', run_id}
"""
)

# KEYS: queue, workers, inflight, seq. ARGV: worker, lease_ms, count.
LEASE = (
    _NOW
    + """
local queue, workers, inflight, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
redis.call('ZADD', workers, now + tonumber(ARGV[2]), ARGV[1])
local popped = redis.call('ZPOPMIN', queue, tonumber(ARGV[3]))
local out = {}
for i = 1, #popped, 2 do
  local token = popped[i + 1] .. '|' .. redis.call('INCR', seq)
  redis.call('HSET', inflight, token, popped[i])
  table.insert(out, token)
  table.insert(out, popped[i])
end
return out
"""
)

# KEYS: workers. ARGV: worker, lease_ms.
RENEW = _NOW + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])"

# KEYS: queue, workers. ARGV: inflight prefix. Returns the number of requests requeued.
REAP = (
    _NOW
    + _RELEASE_FN
    + """
local n = 0
for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)) do
  n = n + release(KEYS[1], KEYS[2], ARGV[1], w)
end
return n
"""
)

# KEYS: queue, workers, run. ARGV: worker, inflight prefix. Requeues the worker's in-flight
# requests; ends the run when nothing is left anywhere and no other worker lives.
CLOSE = (
    _NOW
    + _RELEASE_FN
    + """
local queue, workers, run = KEYS[1], KEYS[2], KEYS[3]
local n = release(queue, workers, ARGV[2], ARGV[1])
if redis.call('HGET', run, 'seeding') == ARGV[1] then redis.call('HSET', run, 'seeding', '') end
if redis.call('ZCARD', queue) == 0 and inflight_total(workers, ARGV[2]) == 0
   and redis.call('ZCOUNT', workers, now, '+inf') == 0 then
  redis.call('DEL', run)
end
return n
"""
)

# KEYS: queue, workers, run. ARGV: inflight prefix.
STATUS = (
    _NOW
    + _RELEASE_FN
    + """
local queue, workers, run = KEYS[1], KEYS[2], KEYS[3]
local seeder = redis.call('HGET', run, 'seeding')
local seeding = 0
if seeder and seeder ~= '' then
  local deadline = redis.call('ZSCORE', workers, seeder)
  if deadline and tonumber(deadline) >= now then seeding = 1 end
end
return {redis.call('ZCARD', queue), inflight_total(workers, ARGV[1]),
        redis.call('ZCOUNT', workers, now, '+inf'), seeding}
"""
)


@dataclass(frozen=True)
class FrontierStatus:
    queued: int
    in_flight: int
    live_workers: int
    seeding: bool

    @property
    def empty(self) -> bool:
        return not (self.queued or self.in_flight or self.seeding)


class LeasedQueue(Base):
    """Per-spider priority queue whose pops are leases; serialization is scrapy-redis's."""

    def __init__(
        self,
        server: redis.Redis,
        spider: Spider,
        prefix: str,
        worker: str,
        lease_ms: int,
        serializer: object | None = None,
    ) -> None:
        self.base = f"{prefix}:{spider.name}"
        super().__init__(server, spider, f"{self.base}:queue", serializer)
        self.worker = worker
        self.lease_ms = lease_ms
        self.workers_key = f"{self.base}:workers"
        self.inflight_prefix = f"{self.base}:inflight:"
        self.inflight_key = self.inflight_prefix + worker
        self.run_key = f"{self.base}:run"
        self.seq_key = f"{self.base}:seq"
        self._open = server.register_script(OPEN)
        self._lease = server.register_script(LEASE)
        self._renew = server.register_script(RENEW)
        self._reap = server.register_script(REAP)
        self._close = server.register_script(CLOSE)
        self._status = server.register_script(STATUS)

    def __len__(self) -> int:
        return self.server.zcard(self.key)

    def encode(self, request: Request) -> bytes:
        return self._encode_request(request)

    def open(self, seen_run_key: str, run_id: str) -> tuple[str, str]:
        """Register this worker; returns (role, run id), role being seed, join or resume."""
        role, run = self._open(
            keys=[self.key, self.workers_key, self.run_key, seen_run_key],
            args=[self.worker, self.lease_ms, run_id, self.inflight_prefix],
        )
        return role.decode(), run.decode()

    def lease(self, count: int = 1) -> list[tuple[str, Request]]:
        flat = self._lease(
            keys=[self.key, self.workers_key, self.inflight_key, self.seq_key],
            args=[self.worker, self.lease_ms, count],
        )
        return [
            (flat[i].decode(), self._decode_request(flat[i + 1])) for i in range(0, len(flat), 2)
        ]

    def ack(self, tokens: list[str]) -> None:
        if tokens:
            self.server.hdel(self.inflight_key, *tokens)

    def renew(self) -> None:
        self._renew(keys=[self.workers_key], args=[self.worker, self.lease_ms])

    def reap(self) -> int:
        """Requeue the in-flight requests of workers whose lease expired."""
        return int(self._reap(keys=[self.key, self.workers_key], args=[self.inflight_prefix]))

    def end_seeding(self) -> None:
        if self.server.hget(self.run_key, "seeding") == self.worker.encode():
            self.server.hset(self.run_key, "seeding", "")

    def close(self) -> int:
        """Requeue what this worker still holds and leave; returns how many were requeued."""
        return int(
            self._close(
                keys=[self.key, self.workers_key, self.run_key],
                args=[self.worker, self.inflight_prefix],
            )
        )

    def status(self) -> FrontierStatus:
        queued, in_flight, live, seeding = self._status(
            keys=[self.key, self.workers_key, self.run_key], args=[self.inflight_prefix]
        )
        return FrontierStatus(int(queued), int(in_flight), int(live), bool(seeding))
