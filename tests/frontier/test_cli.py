"""``rficrawl frontier status|reset`` as a user runs it, against a real redis-server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scrapy import Request, Spider

from rficrawl.frontier.queue import LeasedQueue
from tests.support.crawl import REPO_ROOT

RFICRAWL = str(Path(sys.executable).parent / "rficrawl")  # the installed command


def rficrawl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RFICRAWL, *args], check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )


def test_status_and_reset(redis_server):
    client = redis_server.client()
    worker = LeasedQueue(client, Spider(name="fronts"), "rficrawl", "host:1:abc", 60_000)
    worker.open("rficrawl:fronts:seen:run", "run-42")
    for n in range(3):
        client.zadd(worker.key, {worker.encode(Request(f"http://x/{n}")): 0})
    worker.lease(1)
    client.sadd("rficrawl:fronts:seen:kept", b"x" * 20, b"y" * 20)

    status = rficrawl("frontier", "--redis-url", redis_server.url, "status", "--json")
    assert status.returncode == 0, status.stderr
    (entry,) = json.loads(status.stdout)
    assert entry["spider"] == "fronts" and entry["run"] == "run-42"
    assert (entry["queued"], entry["in_flight"], entry["live_workers"]) == (2, 1, 1)
    assert entry["filters"]["kept"]["fingerprints"] == 2
    text = rficrawl("frontier", "--redis-url", redis_server.url, "status")
    assert "fronts: run run-42; 2 queued, 1 in flight, 1 live workers, seeding" in text.stdout

    refused = rficrawl("frontier", "--redis-url", redis_server.url, "reset", "fronts")
    assert refused.returncode == 2
    assert "1 worker(s) of fronts are alive" in refused.stderr
    assert client.zcard(worker.key) == 2

    client.zadd(worker.workers_key, {worker.worker: 0})  # its lease ran out: it died
    done = rficrawl("frontier", "--redis-url", redis_server.url, "reset", "fronts")
    assert done.returncode == 0, done.stderr
    assert not client.exists(worker.key, worker.inflight_key, worker.run_key)
    assert client.scard("rficrawl:fronts:seen:kept") == 2  # kept unless --kept
    rficrawl("frontier", "--redis-url", redis_server.url, "reset", "fronts", "--kept")
    assert not client.exists("rficrawl:fronts:seen:kept")


def test_unreachable_redis_is_one_clear_line(redis_server):
    url = redis_server.url
    redis_server.stop()
    result = rficrawl("frontier", "--redis-url", url, "status")
    assert result.returncode == 2
    assert result.stderr.startswith(f"rficrawl frontier: Redis at {url} is unreachable")
    assert "Traceback" not in result.stderr
