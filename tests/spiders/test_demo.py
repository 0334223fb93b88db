"""`make demo` (scripts/demo.sh) on the hand-written mirror: no captures, JSON lines and Markdown."""

from __future__ import annotations

import json
import subprocess

from testbed.build import build_mirror
from tests.support.crawl import REPO_ROOT


def test_demo_crawls_the_hand_written_mirror(tmp_path):
    expected = build_mirror(tmp_path / "mirror", use_captures=False).fronts_articles(["cn", "tw"])
    out = tmp_path / "out"
    proc = subprocess.run([str(REPO_ROOT / "scripts" / "demo.sh"), str(out)], check=False, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"demo: {len(expected)} articles" in proc.stdout
    items = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert {item["url"] for item in items} == expected
    assert len(list((out / "archive").rglob("*.md"))) == len(expected)
    assert "Traceback" not in (out / "crawl.log").read_text()
