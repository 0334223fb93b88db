"""The scrapy-playwright internals of rficrawl/_private/playwright.py still exist and behave: its
handler starts Playwright when the engine starts, through the method rficrawl replaces, and
``_launch`` starts it (once) when rficrawl asks. Checked in real crawls without a browser
(tests/private/playwright_probe.py); tests/browser checks the real Chromium."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.crawl import REPO_ROOT


def probe(mode: str, tmp_path) -> dict:
    out = tmp_path / f"{mode}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.private.playwright_probe", mode, str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize("mode", ["stock", "deferred"])
def test_playwright_starts_with_the_engine_unless_deferred_then_once_on_demand(mode, tmp_path):
    observed = probe(mode, tmp_path)
    assert observed["handlers"] == 1
    if mode == "stock":
        # What LaunchOnFirstUse undoes: scrapy-playwright starts Playwright with the engine.
        assert observed["starts_before_first_use"] == 1
        return
    assert observed["starts_before_first_use"] == 0
    assert observed["starts_after_use"] == 1
    assert observed["provider_kept"] is True
