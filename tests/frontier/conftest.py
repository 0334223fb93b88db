"""Workers of the shared frontier as real ``scrapy crawl`` processes over one redis-server.

``Worker`` wraps one ``subprocess.Popen`` of ``scrapy crawl`` (several run at once), with its own
feed, stats file and log; ``frontier_settings`` points a crawl at a mirror and a Redis server with
timings short enough for tests.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from testbed.build import Mirror, build_mirror
from testbed.redis import RedisServer
from testbed.server import MirrorServer
from tests.support.crawl import REPO_ROOT, scrapy_command
from tests.support.mirror import mirror_settings


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    """The rfi.fr mirror of the spider tests, built from the real captures."""
    return build_mirror(tmp_path_factory.mktemp("rfi-mirror"), use_captures=True)


def frontier_settings(
    server: MirrorServer, redis: RedisServer, **overrides: object
) -> dict[str, object]:
    settings = mirror_settings(
        server,
        REDIS_URL=redis.url,
        MONGO_URI="",
        LOG_LEVEL="INFO",
        FRONTIER_IDLE_TIMEOUT=2,
        FRONTIER_POLL_INTERVAL=0.2,
        FRONTIER_LEASE_TIMEOUT=4,
        FRONTIER_REDIS_BACKOFF_MAX=1,
        RFICRAWL_BROWSER_ESCALATE_ENABLED=False,
    )
    settings.update(overrides)
    return settings


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen
    feed: Path
    stats_file: Path
    log_file: Path

    @classmethod
    def start(
        cls,
        name: str,
        spider: str,
        tmp_path: Path,
        settings: dict[str, object],
        args: dict[str, object] | None = None,
    ) -> Worker:
        tmp_path.mkdir(parents=True, exist_ok=True)
        feed = tmp_path / f"{name}.jsonl"
        stats_file = tmp_path / f"{name}.stats.json"
        log_file = tmp_path / f"{name}.log"
        cmd = scrapy_command(spider, args, {**settings, "STATS_FILE": str(stats_file)}, feed)
        with log_file.open("w") as log:
            proc = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT
            )
        return cls(name, proc, feed, stats_file, log_file)

    def wait(self, timeout: float = 240) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"worker {self.name} did not exit within {timeout}s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def items(self) -> list[dict]:
        if not self.feed.exists():
            return []
        return [json.loads(line) for line in self.feed.read_text().splitlines() if line.strip()]

    def stats(self) -> dict:
        return json.loads(self.stats_file.read_text()) if self.stats_file.exists() else {}

    def assert_finished(self) -> None:
        log = self.log()
        assert self.proc.returncode == 0, log[-3000:]
        assert "Traceback" not in log, log[-3000:]
        assert self.stats().get("finish_reason") == "finished", log[-3000:]


@pytest.fixture
def workers() -> list[Worker]:
    """Workers a test started; any still running at teardown are killed."""
    started: list[Worker] = []
    yield started
    for worker in started:
        if worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait()


def inflight_of(client, worker: Worker, spider: str = "fronts") -> dict[str, str]:
    """token -> URL of the requests a worker process holds in the frontier (its pid is in its id)."""
    keys = client.keys(f"rficrawl:{spider}:inflight:*:{worker.proc.pid}:*")
    held: dict[str, str] = {}
    for key in keys:
        for token, data in client.hgetall(key).items():
            held[token.decode()] = pickle.loads(data)["url"]
    return held


def wait_until(
    condition, timeout: float, what: str, workers: list[Worker] = (), interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    logs = "\n".join(f"--- {w.name}:\n{w.log()[-2000:]}" for w in workers)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{logs}")
