"""The Scrapy internals of rficrawl/_private/scrapy.py still exist and behave as the shared
frontier needs: a request counts as in progress while it downloads, while its callback runs and
while its items are in the pipelines, and no longer once Scrapy is done; ``wake`` makes the engine
ask the scheduler again at once. Checked in a real crawl (tests/private/engine_probe.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.crawl import REPO_ROOT


def test_requests_in_progress_and_wake_behave_as_the_frontier_needs(tmp_path):
    out = tmp_path / "observed.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.private.engine_probe", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    observed = json.loads(out.read_text())
    assert observed["check"] == "passed"
    assert observed["downloading"] == [True, True]
    assert observed["first_in_callback"] is True
    assert observed["first_in_pipeline"] is True
    assert observed["idle"] == {"first": False, "second": False}
    assert observed.get("asked_again_after_turns") is not None, observed
