"""Leases against trouble, through real ``scrapy crawl`` workers of the probe spider (tests/frontier/
probe.py) over a real redis-server: a live worker on a slow request keeps what it holds, a seeder
that dies while seeding leaves a run another worker completes, and a worker that closes during a
Redis outage says what it lost, which the leases then bring back.

Each test holds requests at the mirror (tests/support/mirror.py ``hold``) and reads Redis's own
clock and keys to know where the workers are; nothing waits on a fixed time.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from tests.frontier.conftest import Worker, frontier_settings, inflight_of, wait_until
from tests.frontier.probe import build_probe_site
from tests.support.mirror import hold

PROBE = {"SPIDER_MODULES": "tests.frontier.probe"}
KEYS = "rficrawl:probe"


def redis_now_ms(client) -> int:
    seconds, micros = client.time()
    return seconds * 1000 + micros // 1000


def worker_id(client, worker: Worker) -> str:
    """The frontier's id of a worker process (``host:pid:random``), from the workers key."""
    for member in client.zrange(f"{KEYS}:workers", 0, -1):
        if f":{worker.proc.pid}:" in member.decode():
            return member.decode()
    pytest.fail(f"worker {worker.name} is not registered in the frontier")


def wait_for_redis_time(client, at_ms: float, workers: list[Worker]) -> None:
    """Until Redis's clock (the one the lease scripts read) has passed ``at_ms``."""
    wait_until(lambda: redis_now_ms(client) > at_ms, 120, "Redis's clock to pass a lease deadline",
               workers, interval=0.05)


def fetched(server, prefix: str = "/probe/a/") -> Counter:
    return Counter(path for path in server.log.paths(status=200) if path.startswith(prefix))


def test_a_live_worker_keeps_its_lease_through_a_slow_request(
    mirror_server_factory, redis_server, workers, tmp_path
):
    root = tmp_path / "site"
    articles = build_probe_site(root, fronts=1, lists=1, articles=6)
    slow = "/probe/a/0-0-3.html"
    server = mirror_server_factory(root)
    gate = hold(server, [slow])
    lease = 3.0
    settings = {**PROBE, **frontier_settings(server, redis_server, FRONTIER_LEASE_TIMEOUT=lease,
                                             CONCURRENT_REQUESTS=2)}
    holder = Worker.start("holder", "probe", tmp_path, settings, {"fronts": 1})
    workers.append(holder)
    gate.wait_for(1)  # the holder, alone in the run, is fetching the slow page
    client = redis_server.client()
    assert server.url(slow) in inflight_of(client, holder, "probe").values()
    first_deadline = client.zscore(f"{KEYS}:workers", worker_id(client, holder))
    other = Worker.start("other", "probe", tmp_path, settings, {"fronts": 1})
    workers.append(other)
    wait_until(lambda: "joins run" in other.log(), 120, "the other worker to join", workers)
    # Hold the page until a whole lease has run past the holder's first deadline: the other
    # worker, looking for dead workers every lease / 3, would have taken it back by then.
    wait_for_redis_time(client, first_deadline + lease * 1000, workers)
    assert server.url(slow) in inflight_of(client, holder, "probe").values()
    assert client.zscore(f"{KEYS}:workers", worker_id(client, holder)) > first_deadline
    gate.release()
    for worker in (holder, other):
        worker.wait()
        worker.assert_finished()
    assert server.log.count(slow) == 1
    assert set(fetched(server)) == articles and max(fetched(server).values()) == 1
    assert "0-0-3" in {item["title"] for item in holder.items()}
    for worker in (holder, other):
        assert "rficrawl/frontier/requeued_from_dead_workers" not in worker.stats()


def test_a_seeder_dying_mid_seed_leaves_a_run_another_worker_completes(
    mirror_server_factory, redis_server, workers, tmp_path
):
    root = tmp_path / "site"
    articles = build_probe_site(root, fronts=2, lists=1, articles=6)
    first_front = {path for path in articles if path.startswith("/probe/a/0-")}
    server = mirror_server_factory(root)
    # A few articles go through, then the rest wait at the mirror while the seeder dies.
    gate = hold(server, sorted(first_front), pass_first=2)
    settings = {**PROBE, **frontier_settings(server, redis_server, CONCURRENT_REQUESTS=2)}
    # The seeder pushes the first front, then its seed source hangs: it is still seeding.
    seeder = Worker.start("seeder", "probe", tmp_path, settings, {"fronts": 2, "stall_after": 1})
    workers.append(seeder)
    gate.wait_for(3)
    client = redis_server.client()
    assert client.hget(f"{KEYS}:run", "seeding").decode() == worker_id(client, seeder)
    joiner = Worker.start("joiner", "probe", tmp_path, settings, {"fronts": 2})
    workers.append(joiner)
    wait_until(lambda: "joins run" in joiner.log(), 120, "the joiner to join", workers)
    held = {url for url in inflight_of(client, seeder, "probe").values() if "/probe/a/" in url}
    seeder.kill()
    gate.release()

    joiner.wait()
    joiner.assert_finished()
    stats = joiner.stats()
    assert stats["rficrawl/frontier/role"] == "join"
    assert stats["rficrawl/frontier/requeued_from_dead_workers"] >= len(held) >= 1
    # Everything the pushed seed leads to was fetched; the seed never pushed was not.
    assert set(fetched(server)) == first_front
    assert not fetched(server, "/probe/front-1.html")
    assert {server.url(f"/probe/a/{item['title']}.html") for item in joiner.items()} >= held
    # The run is over and nothing is left in it.
    assert not client.exists(f"{KEYS}:run")
    assert client.zcard(f"{KEYS}:queue") == 0 and not client.keys(f"{KEYS}:inflight:*")

    # The next worker opens a new run and seeds it in full; the articles kept are not refetched.
    server.log.clear()
    after = Worker.start("after", "probe", tmp_path, settings, {"fronts": 2})
    workers.append(after)
    after.wait()
    after.assert_finished()
    assert after.stats()["rficrawl/frontier/role"] == "seed"
    assert set(fetched(server)) == articles - first_front


def test_a_worker_closing_during_an_outage_counts_what_it_lost_and_the_lease_brings_it_back(
    mirror_server_factory, redis_server, workers, tmp_path
):
    root = tmp_path / "site"
    articles = build_probe_site(root, fronts=1, lists=3, articles=2)
    server = mirror_server_factory(root)
    gate = hold(server, ["/probe/front-0.html"])
    settings = {**PROBE, **frontier_settings(server, redis_server, FRONTIER_CLOSE_TIMEOUT=1)}
    worker = Worker.start("w", "probe", tmp_path, settings, {"fronts": 1})
    workers.append(worker)
    gate.wait_for(1)
    client = redis_server.client()
    lease_of_w = worker_id(client, worker)
    redis_server.stop()
    # Ctrl-C while the front is in flight: its three list links are found during the outage and
    # can only wait in memory; the worker gives up on them after FRONTIER_CLOSE_TIMEOUT.
    worker.proc.send_signal(signal.SIGINT)
    gate.release()
    worker.wait()
    log = worker.log()
    assert worker.proc.returncode == 0, log[-3000:]
    stats = worker.stats()
    assert stats["finish_reason"] == "shutdown"
    assert stats["rficrawl/frontier/lost_on_close"] == 3
    assert "3 queued requests held by this worker are lost" in log
    assert "1 leased ones return to the queue after FRONTIER_LEASE_TIMEOUT" in log

    # Redis back: the front is still leased to the dead worker; once its lease has run out the
    # next worker takes it back and finds the lists again.
    redis_server.start()
    client = redis_server.client()
    assert list(inflight_of(client, worker, "probe").values()) == [server.url("/probe/front-0.html")]
    wait_for_redis_time(client, client.zscore(f"{KEYS}:workers", lease_of_w), workers)
    server.log.clear()
    again = Worker.start("again", "probe", tmp_path, settings, {"fronts": 1})
    workers.append(again)
    again.wait()
    again.assert_finished()
    assert again.stats()["rficrawl/frontier/role"] == "resume"
    assert again.stats()["rficrawl/frontier/requeued_from_dead_workers"] == 1
    assert set(fetched(server)) == articles
    assert {Path(p).stem for p in articles} == {item["title"] for item in again.items()}
