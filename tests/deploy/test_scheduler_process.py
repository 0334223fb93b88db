"""`rficrawl schedule run` as a process: decisions logged, SIGHUP reload, clean SIGTERM stop.

The node is a closed port, so every decision is "skipped: node unreachable" and no scrapyd is
needed; firing on real scrapyd nodes is tested in test_scrapyd_nodes.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.scrapyd import REPO_ROOT, free_port


def schedule_text(port: int, job: str, cron: str = "* * * * * *") -> str:
    return f"""
[nodes.ghost]
url = "http://127.0.0.1:{port}"
[jobs.{job}]
spider = "fronts"
cron = "{cron}"
args = {{ editions = "cn" }}
settings = {{ RFI_BASE_URL = "http://127.0.0.1:{port}" }}
"""


def wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float = 60,
             times: int = 1, after: str = "") -> str:
    """The log once ``text`` is in it ``times`` times (counting after the last ``after``)."""
    deadline = time.monotonic() + timeout
    while True:
        log = path.read_text()
        if (log.rsplit(after, 1)[-1] if after else log).count(text) >= times:
            return log
        assert process.poll() is None, log
        assert time.monotonic() < deadline, f"{text!r} not logged {times}x in {timeout}s:\n{log}"
        time.sleep(0.1)


def test_scheduler_logs_decisions_reloads_on_sighup_and_stops_on_sigterm(tmp_path):
    port = free_port()  # nothing listens there
    config = tmp_path / "schedule.toml"
    config.write_text(schedule_text(port, "alpha"), encoding="utf-8")
    log_path = tmp_path / "scheduler.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "rficrawl", "schedule", "run", "--config", str(config)],
            cwd=REPO_ROOT,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(log_path, "job alpha next fires at", process)
        wait_for(log_path, "job alpha on node ghost: skipped: node unreachable", process)

        config.write_text(schedule_text(port, "beta"), encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        wait_for(log_path, "schedule reloaded from", process)
        # beta fires every second from now on; alpha never again once beta has fired.
        log = wait_for(log_path, "job beta on node ghost: skipped: node unreachable", process,
                       times=3, after="schedule reloaded from")
        after_reload = log.split("schedule reloaded from", 1)[1]
        assert "job alpha on node" not in after_reload.split("job beta on node", 1)[1]

        config.write_text(schedule_text(port, "gamma").replace('"fronts"', '"nope"'))
        process.send_signal(signal.SIGHUP)
        # The bad schedule is refused and beta keeps firing.
        wait_for(log_path, "schedule not reloaded, the previous one stays in force", process)
        wait_for(log_path, "job beta on node ghost", process, times=2,
                 after="schedule not reloaded, the previous one stays in force")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    text = log_path.read_text()
    assert code == 0, text
    assert "unknown spider 'nope'" in text
    assert "job gamma" not in text
    assert "Traceback" not in text
