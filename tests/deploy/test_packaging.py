"""What `pip install .` gives: the runtime package with its dependencies declared, and commands
that work outside the checkout."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.crawl import REPO_ROOT

BIN = Path(sys.executable).parent


def _names(requirements: str) -> set[str]:
    names = set()
    for line in requirements.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_pyproject_declares_every_locked_dependency():
    """`pip install .` must give a working rficrawl: pyproject.toml names what requirements.txt
    pins (scrapyd and scrapyd-client in the `deploy` extra), and only the runtime package ships
    (the egg's contents are checked in test_deploy_files.py)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    declared = _names("\n".join(project["project"]["dependencies"]))
    extras = _names("\n".join(project["project"]["optional-dependencies"]["deploy"]))
    locked = _names((REPO_ROOT / "requirements.txt").read_text())
    assert extras == {"scrapyd", "scrapyd-client"}
    assert declared == locked - extras
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["rficrawl*"]


def test_the_commands_work_outside_the_checkout(tmp_path):
    help_text = subprocess.run(
        [str(BIN / "rficrawl"), "--help"], cwd=tmp_path, capture_output=True, text=True,
        check=True, timeout=60,
    ).stdout  # fmt: skip
    assert "mongo" in help_text and "extract" in help_text
    spiders = subprocess.run(
        [str(BIN / "scrapy"), "list"], cwd=tmp_path, capture_output=True, text=True, check=True,
        timeout=120, env={"PATH": "/usr/bin:/bin", "SCRAPY_SETTINGS_MODULE": "rficrawl.settings"},
    ).stdout.split()  # fmt: skip
    assert {"fronts", "sitemaps", "feeds", "archive", "article"} <= set(spiders)
