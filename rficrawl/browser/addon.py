"""The browser as a Scrapy add-on: on unless ``RFICRAWL_BROWSER_ENABLED`` is false.

It installs rficrawl's scrapy-playwright download handler for http and https and the four
middlewares that decide, from a plain response, which pages go through Chromium; it sets
rficrawl's ``RFICRAWL_BROWSER_*`` defaults and the scrapy-playwright settings rficrawl relies on
(under their own ``PLAYWRIGHT_*`` names), then completes two of those from rficrawl's settings:

- ``PLAYWRIGHT_LAUNCH_OPTIONS`` gets the system Chromium (``RFICRAWL_BROWSER_CHROMIUM_PATH``) and
  its flags (``RFICRAWL_BROWSER_CHROMIUM_ARGS``), unless the browser is remote or not Chromium;
- ``PLAYWRIGHT_ABORT_REQUEST`` drops the browser's requests for the resource types of
  ``RFICRAWL_BROWSER_BLOCKED_RESOURCE_TYPES``, to the trackers, ads and consent hosts of
  ``RFICRAWL_BROWSER_BLOCKED_HOSTS`` and, when ``RFICRAWL_BROWSER_ALLOWED_HOSTS`` is set, to any
  other host (``rficrawl.browser.blocking``), unless a ``PLAYWRIGHT_ABORT_REQUEST`` is given.

With ``-s RFICRAWL_BROWSER_ENABLED=0`` it does nothing: Scrapy's plain HTTP handler fetches every
page and no Playwright process ever starts (docs/browser.md).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.settings import BaseSettings

from rficrawl.addons import PRIORITY, Feature
from rficrawl.browser.blocking import RequestBlock
from rficrawl.browser.chromium import launch_options

logger = logging.getLogger(__name__)

HANDLER = "rficrawl.browser.handler.BrowserDownloadHandler"

# Hosts of trackers, advertising and consent platforms: nothing of an article comes from them, and
# each costs a rendered page time and tells a third party about the crawl. Matched by domain
# suffix (an entry covers its subdomains).
BLOCKED_HOSTS = [
    # France Medias Monde's tag manager and consent platform, on every RFI page.
    "tms.fmm.io", "consent.fmm.io",
    # Consent platforms news sites use.
    "privacy-center.org", "didomi.io", "cookielaw.org", "onetrust.com", "privacy-mgmt.com",
    # Audience measurement and analytics.
    "google-analytics.com", "analytics.google.com", "googletagmanager.com", "xiti.com",
    "ati-host.net", "aticdn.net", "chartbeat.com", "chartbeat.net", "scorecardresearch.com",
    "hotjar.com", "quantserve.com", "permutive.com", "batch.com",
    # Advertising.
    "doubleclick.net", "googlesyndication.com", "googleadservices.com", "adservice.google.com",
    "amazon-adsystem.com", "smartadserver.com", "criteo.com", "criteo.net", "adnxs.com",
    "rubiconproject.com", "pubmatic.com", "casalemedia.com", "teads.tv", "taboola.com",
    "outbrain.com",
    # Social widgets' tracking scripts.
    "facebook.net",
]

# rficrawl's browser settings once had scrapy-playwright's prefix; a crawl given an old name says
# which name replaced it, rather than silently ignoring it.
RENAMED = {
    f"PLAYWRIGHT_{name}": f"RFICRAWL_BROWSER_{name}"
    for name in (
        "ENABLED", "CHROMIUM_PATH", "CHROMIUM_ARGS", "WAIT_UNTIL", "BLOCKED_RESOURCE_TYPES",
        "EXPAND_WAIT", "LIVEBLOG_ENABLED", "LIVEBLOG_MAX_LOADS", "LOAD_MORE_ENABLED",
        "LOAD_MORE_MAX_PAGES", "ESCALATE_ENABLED", "ESCALATE_HTTP_CODES",
        "ESCALATE_EXPECTED_MARKUP", "ESCALATE_MAX_FAILURES", "RENDER_KINDS",
    )
}


class BrowserAddon(Feature):
    switch = "RFICRAWL_BROWSER_ENABLED"

    def components(self) -> dict[str, str | dict[str, Any]]:
        return {
            "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
            # After the retry middleware (550) in the response chain: 429s are retried plainly
            # first.
            "DOWNLOADER_MIDDLEWARES": {
                "rficrawl.browser.always.RenderKindsMiddleware": 546,
                "rficrawl.browser.escalation.EscalationMiddleware": 545,
                "rficrawl.browser.liveblog.LiveBlogMiddleware": 544,
                "rficrawl.browser.loadmore.LoadMoreMiddleware": 543,
            },
        }

    def defaults(self) -> dict[str, Any]:
        return {
            # False: no browser at all (plain HTTP for everything, no Playwright process).
            "RFICRAWL_BROWSER_ENABLED": True,
            # The system Chromium (Debian's `chromium`; never `playwright install`) and the flags
            # it needs in containers and sandboxes (no GPU, no user namespaces, no background
            # traffic of its own).
            "RFICRAWL_BROWSER_CHROMIUM_PATH": "/usr/bin/chromium",
            "RFICRAWL_BROWSER_CHROMIUM_ARGS": [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
            ],
            # When a page counts as loaded: "load" (every subresource) or "domcontentloaded" (HTML
            # parsed, deferred scripts run; faster where ads and trackers are slow).
            "RFICRAWL_BROWSER_WAIT_UNTIL": "load",
            # Resource types the browser does not download (empty: everything).
            "RFICRAWL_BROWSER_BLOCKED_RESOURCE_TYPES": ["image", "font", "media"],
            # Hosts the browser never contacts: trackers, ads and consent scripts (domain
            # suffixes; empty: none).
            "RFICRAWL_BROWSER_BLOCKED_HOSTS": BLOCKED_HOSTS,
            # When not empty, the only hosts the browser contacts (domain suffixes): the tests
            # allow 127.0.0.1 alone. Empty: every host not blocked above.
            "RFICRAWL_BROWSER_ALLOWED_HOSTS": [],
            # Seconds to wait for each batch a "load more" press or a scroll brings.
            "RFICRAWL_BROWSER_EXPAND_WAIT": 5.0,
            # Live blogs: render and press "load more" at most this many times.
            "RFICRAWL_BROWSER_LIVEBLOG_ENABLED": True,
            "RFICRAWL_BROWSER_LIVEBLOG_MAX_LOADS": 50,
            # Load-more / infinite-scroll lists: expanded up to the spider's max_pages, else this
            # many pages.
            "RFICRAWL_BROWSER_LOAD_MORE_ENABLED": True,
            "RFICRAWL_BROWSER_LOAD_MORE_MAX_PAGES": 10,
            # Blocked pages (these statuses, challenge pages, pages of a kind without their markup)
            # are fetched once more through the browser; after this many failures in a row
            # escalation stops for the crawl.
            "RFICRAWL_BROWSER_ESCALATE_ENABLED": True,
            "RFICRAWL_BROWSER_ESCALATE_HTTP_CODES": [403, 429],
            "RFICRAWL_BROWSER_ESCALATE_EXPECTED_MARKUP": {"article": "div.t-content__body"},
            "RFICRAWL_BROWSER_ESCALATE_MAX_FAILURES": 10,
            # Seconds the browser waits for a bot wall's JavaScript challenge (a script that
            # stores a cookie and reloads) to let an escalated page through; 0: no wait.
            "RFICRAWL_BROWSER_CHALLENGE_WAIT": 15.0,
            # Kinds of pages (rfi_kind: article, front, ...; "*" for all) sent straight to the
            # browser, for a network where every plain request of that kind is refused. Empty:
            # decide page by page.
            "RFICRAWL_BROWSER_RENDER_KINDS": [],
            # scrapy-playwright's own settings. Chromium, headless; executable_path and args come
            # from the settings above.
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {"headless": True},
            # The browser sends its own headers (a real browser's User-Agent), not Scrapy's: it is
            # used where plain requests are refused.
            "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
            # Resource limits: one browser context, a few pages at a time, closed after each
            # response (errors included); every navigation bounded (milliseconds).
            "PLAYWRIGHT_MAX_CONTEXTS": 1,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        }

    def configure(self, settings: BaseSettings) -> None:
        for old, new in RENAMED.items():
            if settings.get(old) is not None:
                logger.warning("Setting %s is now %s: %s is ignored", old, new, old)
        remote = settings.get("PLAYWRIGHT_CDP_URL") or settings.get("PLAYWRIGHT_CONNECT_URL")
        if settings.get("PLAYWRIGHT_BROWSER_TYPE") == "chromium" and not remote:
            # At the priority it has, so that options given with -s are completed, not replaced.
            settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch_options(settings),
                         priority=settings.getpriority("PLAYWRIGHT_LAUNCH_OPTIONS"))
        rule = RequestBlock(settings.getlist("RFICRAWL_BROWSER_BLOCKED_RESOURCE_TYPES"),
                            settings.getlist("RFICRAWL_BROWSER_BLOCKED_HOSTS"),
                            settings.getlist("RFICRAWL_BROWSER_ALLOWED_HOSTS"))
        if rule:
            settings.set("PLAYWRIGHT_ABORT_REQUEST", rule, priority=PRIORITY)
