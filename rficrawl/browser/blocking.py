"""Which of its own requests the browser drops: resource types, trackers and ads, foreign hosts.

An RFI page loads a tag manager (``tms.fmm.io``) and a consent platform (``consent.fmm.io``),
which load analytics, advertising and audience scripts from many more hosts. None of them is part
of the article, each costs a connection and often seconds of a page's ``load``, and each tells
third parties about the crawl. :class:`RequestBlock` is scrapy-playwright's
``PLAYWRIGHT_ABORT_REQUEST``: it drops, in this order,

1. requests for the resource types of ``RFICRAWL_BROWSER_BLOCKED_RESOURCE_TYPES`` (images, fonts,
   media);
2. requests to a host of ``RFICRAWL_BROWSER_BLOCKED_HOSTS`` (trackers, ads, consent), matched by
   domain suffix: ``doubleclick.net`` covers ``securepubads.g.doubleclick.net``;
3. with ``RFICRAWL_BROWSER_ALLOWED_HOSTS`` set, requests to any host outside it (the tests allow
   ``127.0.0.1`` alone, so that a browser test never reaches the network).

Each drop by host is counted in the crawl stats: ``rficrawl/browser/blocked_host`` and
``rficrawl/browser/blocked_host/<list entry>``, ``rficrawl/browser/not_allowed`` and
``rficrawl/browser/not_allowed/<host>`` (logged once per host). scrapy-playwright counts every
drop in ``playwright/request_count/aborted``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.statscollectors import StatsCollector

from rficrawl.browser import STATS

if TYPE_CHECKING:
    from playwright.async_api import Request as PlaywrightRequest

logger = logging.getLogger(__name__)


def _hosts(entries: Iterable[str]) -> tuple[str, ...]:
    return tuple(entry.strip().lower().lstrip(".") for entry in entries if entry.strip())


def matching_entry(host: str, entries: tuple[str, ...]) -> str | None:
    """The entry of a host list that ``host`` is or is a subdomain of, else None."""
    for entry in entries:
        if host == entry or host.endswith("." + entry):
            return entry
    return None


class RequestBlock:
    """``PLAYWRIGHT_ABORT_REQUEST``: whether the browser drops one of its own requests."""

    def __init__(self, resource_types: Iterable[str] = (), blocked_hosts: Iterable[str] = (),
                 allowed_hosts: Iterable[str] = ()) -> None:
        self.resource_types = frozenset(resource_types)
        self.blocked_hosts = _hosts(blocked_hosts)
        self.allowed_hosts = _hosts(allowed_hosts)
        self.stats: StatsCollector | None = None
        self._reported: set[str] = set()

    def __bool__(self) -> bool:
        """False when it would drop nothing (then the add-on does not install it)."""
        return bool(self.resource_types or self.blocked_hosts or self.allowed_hosts)

    def count_in(self, stats: StatsCollector) -> None:
        """Count the drops by host in these crawl stats (the download handler calls it)."""
        self.stats = stats

    def __call__(self, request: PlaywrightRequest) -> bool:
        if request.resource_type in self.resource_types:
            return True
        host = (urlsplit(request.url).hostname or "").lower()
        if not host:  # data:, blob:, about: URLs never leave the browser
            return False
        if entry := matching_entry(host, self.blocked_hosts):
            self._count(f"{STATS}/blocked_host", entry)
            return True
        if self.allowed_hosts and not matching_entry(host, self.allowed_hosts):
            self._count(f"{STATS}/not_allowed", host)
            if host not in self._reported:
                self._reported.add(host)
                logger.warning("Browser request to %s dropped: the host is not in "
                               "RFICRAWL_BROWSER_ALLOWED_HOSTS (%s)", request.url,
                               ", ".join(self.allowed_hosts))
            return True
        return False

    def _count(self, stat: str, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(stat)
            self.stats.inc_value(f"{stat}/{key}")

    def __repr__(self) -> str:
        return (f"RequestBlock(types={sorted(self.resource_types)}, "
                f"blocked_hosts={len(self.blocked_hosts)}, allowed_hosts={list(self.allowed_hosts)})")
