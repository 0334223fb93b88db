"""Run ``scrapy crawl`` as a user would, in a subprocess, and collect what it produced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

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


def run_crawl(
    spider: str,
    tmp_path: Path,
    args: dict[str, object] | None = None,
    settings: dict[str, object] | None = None,
    output_name: str = "out.jsonl",
    timeout: float = 240,
    env: dict[str, str] | None = None,
) -> CrawlResult:
    """Run one crawl to completion; items from the -O feed, stats from STATS_FILE.

    Storage is off (``MONGO_URI`` empty) unless ``settings`` gives a ``MONGO_URI``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    feed = tmp_path / output_name
    stats_file = tmp_path / (output_name + ".stats.json")
    # No store unless the test gives one: a crawl would otherwise wait for a MongoDB at the
    # default address and spill its items into ./data/spill.
    all_settings = {"STATS_FILE": str(stats_file), "REMOTE_CONTROL_ENABLED": False, "MONGO_URI": ""}
    all_settings.update(settings or {})
    cmd = scrapy_command(spider, args, all_settings, feed)
    proc = subprocess.run(
        cmd,
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    items = []
    if feed.exists():
        items = [json.loads(line) for line in feed.read_text().splitlines() if line.strip()]
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return CrawlResult(proc.returncode, items, stats, proc.stderr + proc.stdout, feed)
