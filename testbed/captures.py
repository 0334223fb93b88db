"""The real RFI captures in ../shared/fixtures/rfi (never copied into the project).

A missing capture raises :class:`CaptureMissing`, a ``unittest.SkipTest``: a test that needs it is
skipped with the reason (pytest reads SkipTest so), and a bench or script stops with it.
"""

from __future__ import annotations

import os
import unittest
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CAPTURES = Path(os.environ.get("RFI_SHARED_DIR", REPO_ROOT.parent / "shared")) / "fixtures" / "rfi"


class CaptureMissing(unittest.SkipTest):
    """A real capture is not here (../shared is absent, or RFI_SHARED_DIR points elsewhere)."""


def capture_path(name: str) -> Path:
    """Path of a capture; raises :class:`CaptureMissing` (a skip in a test) where it is absent."""
    path = CAPTURES / name
    if not path.exists():
        raise CaptureMissing(f"real capture {name} not found under {CAPTURES} (../shared is absent here)")
    return path


def capture_bytes(name: str) -> bytes:
    return capture_path(name).read_bytes()
