"""The leased queue's Lua scripts against a real redis-server, in-process (no crawl)."""

from __future__ import annotations

import time

import pytest
from scrapy import Request, Spider

from rficrawl.frontier.queue import LeasedQueue

SEEN = "rficrawl:unit:seen:run"


@pytest.fixture
def client(redis_server):
    return redis_server.client()


def queue(client, worker: str, lease_ms: int = 60_000) -> LeasedQueue:
    return LeasedQueue(client, Spider(name="unit"), "rficrawl", worker, lease_ms)


def push(q: LeasedQueue, url: str, priority: int = 0) -> None:
    q.server.zadd(q.key, {q.encode(Request(url, priority=priority)): -priority})


def test_roles_first_worker_seeds_others_join_a_stale_run_resumes(client):
    first, second = queue(client, "a"), queue(client, "b")
    client.sadd(SEEN, "left from an old run")
    assert first.open(SEEN, "run-1") == ("seed", "run-1")
    assert not client.exists(SEEN)  # a new run starts with an empty run filter
    assert second.open(SEEN, "run-2") == ("join", "run-1")
    push(first, "http://x/1")
    assert first.close() == 0 and second.close() == 0
    assert client.exists(first.run_key)  # a request is still queued: the run is not over

    # Nobody alive, work left: the next worker resumes the same run without seeding.
    third = queue(client, "c")
    assert third.open(SEEN, "run-3") == ("resume", "run-1")
    third.lease(1)
    third.ack([token for token in client.hkeys(third.inflight_key)])
    assert third.close() == 0
    assert not client.exists(third.run_key)  # drained: the run is over
    assert queue(client, "d").open(SEEN, "run-4") == ("seed", "run-4")


def redis_now_ms(client) -> int:
    seconds, micros = client.time()
    return seconds * 1000 + micros // 1000


def expire(client, q: LeasedQueue) -> None:
    """The worker's last renewal, with a lease of 1 ms; returns once Redis's clock (the one the
    scripts read) has passed that deadline."""
    LeasedQueue(client, Spider(name="unit"), "rficrawl", q.worker, 1).renew()
    deadline = client.zscore(q.workers_key, q.worker)
    limit = time.monotonic() + 10
    while redis_now_ms(client) <= deadline:
        assert time.monotonic() < limit, "Redis's clock did not pass the lease deadline"
        time.sleep(0.001)


def test_leases_of_a_dead_worker_are_requeued_with_their_priority(client):
    dead, alive = queue(client, "dead"), queue(client, "alive")
    dead.open(SEEN, "r")
    alive.open(SEEN, "r")
    for n, priority in ((1, 10), (2, 0), (3, 5)):
        push(dead, f"http://x/{n}", priority)
    taken = [request.url for _, request in dead.lease(2)]
    assert taken == ["http://x/1", "http://x/3"]  # highest priority first
    assert len(dead) == 1
    assert alive.reap() == 0  # the lease (60 s) still runs
    expire(client, dead)  # the worker died: its lease ran out
    assert alive.reap() == 2
    assert alive.status().in_flight == 0
    again = alive.lease(3)
    assert [request.url for _, request in again] == ["http://x/1", "http://x/3", "http://x/2"]
    assert [request.priority for _, request in again] == [10, 5, 0]


def test_close_returns_unacknowledged_requests_and_status_counts_everything(client):
    q = queue(client, "w")
    q.open(SEEN, "r")
    for n in range(3):
        push(q, f"http://x/{n}")
    leased = q.lease(2)
    status = q.status()
    assert (status.queued, status.in_flight, status.live_workers) == (1, 2, 1)
    assert status.seeding  # the seeder has not said it is done
    q.end_seeding()
    assert not q.status().seeding
    q.ack([leased[0][0]])
    assert q.close() == 1
    assert len(q) == 2
    assert q.status().live_workers == 0
