"""The system Chromium for scrapy-playwright (see rficrawl.browser).

``browser_settings`` checks that the Chromium of ``RFICRAWL_BROWSER_CHROMIUM_PATH`` (the project's
default, /usr/bin/chromium, or the ``RFICRAWL_BROWSER_CHROMIUM_PATH`` environment variable) is there
and skips the test with the reason where it is not installed (CI installs it with scripts/setup.sh). It
gives the Scrapy settings of a browser crawl: the project's own browser settings (flags included)
with a short navigation timeout, so a page that never renders fails within a test's patience.

No test reaches the network. The real captures load third-party scripts (``tms.fmm.io``,
``consent.fmm.io``...); every test crawl (``tests/support/crawl.py`` adds :data:`LOCAL_ONLY` to its
settings) lets the browser contact 127.0.0.1 alone: Chromium resolves no other host name (so not
even a preconnect leaves the machine), and ``RFICRAWL_BROWSER_ALLOWED_HOSTS`` drops every request
to another host. Such a request fails the test (:func:`assert_stayed_local`, called on every
crawl's stats) unless the project's own rules already drop it (images, fonts, media; the hosts of
``RFICRAWL_BROWSER_BLOCKED_HOSTS``): one that fails is a request a real crawl would send to a
third party no rule foresaw.
"""

from __future__ import annotations

import os

import pytest

from rficrawl.browser.chromium import chromium_problem
from tests.support.settings import settings_with_addons

# A page that has not loaded after this long is a failure (the project default is 30 s).
TEST_NAVIGATION_TIMEOUT_MS = 8_000
# The browser of a test crawl contacts this machine only (see the module docstring).
LOCAL_ONLY: dict[str, object] = {
    "RFICRAWL_BROWSER_ALLOWED_HOSTS": "127.0.0.1",  # a list setting given with -s: comma-separated
    "PLAYWRIGHT_LAUNCH_OPTIONS": {
        "headless": True,
        "args": ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
    },
}
NOT_ALLOWED = "rficrawl/browser/not_allowed"


def chromium_settings() -> dict[str, object]:
    """The settings that choose the Chromium: only the environment can override the default."""
    path = os.environ.get("RFICRAWL_BROWSER_CHROMIUM_PATH")
    return {"RFICRAWL_BROWSER_CHROMIUM_PATH": path} if path else {}


def require_chromium() -> None:
    """Skip the calling test, with the reason, where the system Chromium is absent."""
    problem = chromium_problem(settings_with_addons(**chromium_settings()))
    if problem:
        pytest.skip(f"real headless Chromium needed: {problem}")


def assert_stayed_local(stats: dict) -> None:
    """Fail when the browser tried a host other than 127.0.0.1 that no project rule drops."""
    tried = {key[len(NOT_ALLOWED) + 1:]: count for key, count in stats.items()
             if key.startswith(NOT_ALLOWED + "/")}
    assert not tried, (
        f"the browser tried to reach the network: {tried} (requests by host, dropped by the tests' "
        "RFICRAWL_BROWSER_ALLOWED_HOSTS); block the host for real crawls too "
        "(RFICRAWL_BROWSER_BLOCKED_HOSTS) or serve it from the mirror"
    )


@pytest.fixture
def browser_settings() -> dict[str, object]:
    """Scrapy settings for a crawl that uses the real headless Chromium."""
    require_chromium()
    return {
        **chromium_settings(),
        **LOCAL_ONLY,
        "RFICRAWL_BROWSER_ENABLED": True,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": TEST_NAVIGATION_TIMEOUT_MS,
    }
