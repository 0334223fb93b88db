"""The real RFI captures in ../shared/fixtures/rfi (never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CAPTURES = Path(os.environ.get("RFI_SHARED_DIR", REPO_ROOT.parent / "shared")) / "fixtures" / "rfi"


def capture_path(name: str) -> Path:
    """Path of a capture; skips the calling test, with the reason, where ../shared is absent."""
    path = CAPTURES / name
    if not path.exists():
        pytest.skip(f"real capture {name} not found under {CAPTURES} (../shared is absent here)")
    return path


def capture_bytes(name: str) -> bytes:
    return capture_path(name).read_bytes()
