"""The system Chromium (Debian's ``chromium`` package) as scrapy-playwright's browser.

rficrawl never downloads a browser (no ``playwright install``): it launches the executable named by
``RFICRAWL_BROWSER_CHROMIUM_PATH`` with the flags of ``RFICRAWL_BROWSER_CHROMIUM_ARGS``. Whether
that browser is usable is decided here once, so the download handler and the middlewares give the
same clear message instead of a Playwright traceback.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from scrapy.settings import BaseSettings


class BrowserUnavailable(RuntimeError):
    """A request needed the browser but the configured Chromium cannot be launched."""


def chromium_path(settings: BaseSettings) -> str:
    """The Chromium executable to launch: ``RFICRAWL_BROWSER_CHROMIUM_PATH`` (a path or a command
    name)."""
    configured = settings.get("RFICRAWL_BROWSER_CHROMIUM_PATH")
    if os.sep in configured:
        return configured
    return shutil.which(configured) or configured


def chromium_problem(settings: BaseSettings) -> str | None:
    """Why the configured Chromium cannot be used, as a message for the user; None if it can."""
    if settings.get("PLAYWRIGHT_CDP_URL") or settings.get("PLAYWRIGHT_CONNECT_URL"):
        return None  # a remote browser: nothing to check on this machine
    path = chromium_path(settings)
    if not Path(path).is_file():
        return (
            f"Chromium not found at {path!r} (setting RFICRAWL_BROWSER_CHROMIUM_PATH): install it "
            "with `apt-get install -y chromium` (scripts/setup.sh does), set "
            "RFICRAWL_BROWSER_CHROMIUM_PATH to the browser's executable, or turn the browser off "
            "with -s RFICRAWL_BROWSER_ENABLED=0"
        )
    if not os.access(path, os.X_OK):
        return (
            f"Chromium at {path!r} (setting RFICRAWL_BROWSER_CHROMIUM_PATH) is not executable: fix "
            "its permissions or point RFICRAWL_BROWSER_CHROMIUM_PATH at another Chromium"
        )
    return None


def launch_options(settings: BaseSettings) -> dict:
    """``PLAYWRIGHT_LAUNCH_OPTIONS`` completed with the executable and the sandbox flags.

    Options given explicitly in ``PLAYWRIGHT_LAUNCH_OPTIONS`` win; flags from
    ``RFICRAWL_BROWSER_CHROMIUM_ARGS`` are added to its ``args`` without duplicates.
    """
    options = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    options.setdefault("executable_path", chromium_path(settings))
    args = list(options.get("args") or [])
    flags = settings.getlist("RFICRAWL_BROWSER_CHROMIUM_ARGS")
    args += [flag for flag in flags if flag not in args]
    options["args"] = args
    return options
