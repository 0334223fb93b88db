"""Run ``scrapy crawl`` as a user would, in a subprocess, and collect what it produced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.browser import LOCAL_ONLY, assert_stayed_local

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict]
    stats: dict
    log: str
    feed_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def urls(self) -> set[str]:
        return {item["url"] for item in self.items}


def scrapy_command(
    spider: str,
    args: dict[str, object] | None = None,
    settings: dict[str, object] | None = None,
    output: Path | None = None,
) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in (settings or {}).items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        cmd += ["-s", f"{key}={value}"]
    if output is not None:
        cmd += ["-O", str(output)]
    return cmd


@dataclass
class BackgroundCrawl:
    """A ``scrapy crawl`` running in a subprocess: its feed, stats file and log in one folder.

    Tests that must act during a crawl (stop a server, start one) wait on its log lines
    (:meth:`wait_for_log`), not on time."""

    proc: subprocess.Popen
    feed: Path
    stats_file: Path
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 120) -> str:
        """The log once it holds ``text``; fails if the crawl ends or ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while text not in (log := self.log()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the crawl never logged {text!r}:\n{log[-3000:]}")
            time.sleep(0.05)
        return log

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def finish(self, timeout: float = 240) -> CrawlResult:
        """Wait for the crawl to end (killing it after ``timeout``) and collect what it made."""
        try:
            self.proc.wait(timeout=timeout)
        finally:
            self.kill()
        items = []
        if self.feed.exists():
            items = [json.loads(line) for line in self.feed.read_text().splitlines() if line.strip()]
        stats = json.loads(self.stats_file.read_text()) if self.stats_file.exists() else {}
        assert_stayed_local(stats)
        return CrawlResult(self.proc.returncode, items, stats, self.log(), self.feed)


def start_crawl(
    spider: str,
    tmp_path: Path,
    args: dict[str, object] | None = None,
    settings: dict[str, object] | None = None,
    output_name: str = "out.jsonl",
    env: dict[str, str] | None = None,
) -> BackgroundCrawl:
    """Start one crawl in the background; items go to an -O feed, stats to STATS_FILE.

    Storage is off (``MONGO_URI`` empty) unless ``settings`` gives a ``MONGO_URI``; the browser
    contacts 127.0.0.1 alone (``tests.support.browser.LOCAL_ONLY``)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    feed = tmp_path / output_name
    stats_file = tmp_path / (output_name + ".stats.json")
    log_file = tmp_path / (output_name + ".log")
    # No store unless the test gives one: a crawl would otherwise wait for a MongoDB at the
    # default address and spill its items into ./data/spill.
    all_settings = {"STATS_FILE": str(stats_file), "REMOTE_CONTROL_ENABLED": False, "MONGO_URI": "",
                    **LOCAL_ONLY}
    all_settings.update(settings or {})
    cmd = scrapy_command(spider, args, all_settings, feed)
    with log_file.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env={**os.environ, **(env or {})},
                                stdout=log, stderr=subprocess.STDOUT)
    return BackgroundCrawl(proc, feed, stats_file, log_file)


def run_crawl(
    spider: str,
    tmp_path: Path,
    args: dict[str, object] | None = None,
    settings: dict[str, object] | None = None,
    output_name: str = "out.jsonl",
    timeout: float = 240,
    env: dict[str, str] | None = None,
) -> CrawlResult:
    """Run one crawl to completion (see :func:`start_crawl`)."""
    return start_crawl(spider, tmp_path, args, settings, output_name, env).finish(timeout)
