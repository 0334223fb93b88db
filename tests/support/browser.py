"""The system Chromium for scrapy-playwright (see rficrawl.browser).

``browser_settings`` checks that the Chromium of ``RFICRAWL_BROWSER_CHROMIUM_PATH`` (the project's
default, /usr/bin/chromium, or the ``RFICRAWL_BROWSER_CHROMIUM_PATH`` environment variable) is there
and skips the test with the reason where it is not installed (CI installs it with scripts/setup.sh). It
gives the Scrapy settings of a browser crawl: the project's own browser settings (flags included)
with a short navigation timeout, so a page that never renders fails within a test's patience.
"""

from __future__ import annotations

import os

import pytest

from rficrawl.browser.chromium import chromium_problem
from tests.support.settings import settings_with_addons

# A page that has not loaded after this long is a failure (the project default is 30 s).
TEST_NAVIGATION_TIMEOUT_MS = 8_000


def chromium_settings() -> dict[str, object]:
    """The settings that choose the Chromium: only the environment can override the default."""
    path = os.environ.get("RFICRAWL_BROWSER_CHROMIUM_PATH")
    return {"RFICRAWL_BROWSER_CHROMIUM_PATH": path} if path else {}


def require_chromium() -> None:
    """Skip the calling test, with the reason, where the system Chromium is absent."""
    problem = chromium_problem(settings_with_addons(**chromium_settings()))
    if problem:
        pytest.skip(f"real headless Chromium needed: {problem}")


@pytest.fixture
def browser_settings() -> dict[str, object]:
    """Scrapy settings for a crawl that uses the real headless Chromium."""
    require_chromium()
    return {
        **chromium_settings(),
        "RFICRAWL_BROWSER_ENABLED": True,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": TEST_NAVIGATION_TIMEOUT_MS,
    }
