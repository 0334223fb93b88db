"""Fixtures of the browser tests: the test bed (tests/browser/site.py) on a mirror server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.site import Site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """An empty test bed; hanging routes are released at teardown so the server stops at once."""
    bed = Site(tmp_path / "mirror")
    bed.root.mkdir()
    yield bed
    bed.release.set()
