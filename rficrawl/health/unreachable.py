"""A site that cannot be reached ends the crawl fast, and a long outage pauses it.

Without this, a crawl of a site it has no route to retries every DNS failure with backoff and
logs "Crawled 0 pages" for as long as its queue lasts. The rule reads the downloader's stats once a
second (as Scrapy's own CloseSpider and LogStats do):

- **At the start**: when the first ``RFICRAWL_HEALTH_UNREACHABLE_REQUESTS`` requests have all
  failed without any response (DNS failure, connection refused, timeout...), or when no response
  has come ``RFICRAWL_HEALTH_UNREACHABLE_TIMEOUT`` seconds after the first request, the crawl
  closes with the finish reason ``site_unreachable``, after one ERROR line naming the base URL
  and what failed; ``scrapy crawl`` then exits with status 3. Until the first response, each
  request waits at most that timeout (``FirstAnswerTimeout``), so a site that takes connections
  and never answers ends the crawl then, not after ``DOWNLOAD_TIMEOUT`` (three minutes).
- **Later**: a site that answered once is not judged again on its failures. After
  ``RFICRAWL_HEALTH_PAUSE_AFTER_FAILURES`` failed requests in a row the crawl pauses (the engine's
  ``pause``), for ``RETRY_BACKOFF_BASE`` seconds doubling with each pause up to
  ``RETRY_BACKOFF_MAX``, then tries again; the first response ends the run of failures.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from twisted.internet import task

logger = logging.getLogger(__name__)

REASON = "site_unreachable"
STATS = "rficrawl/unreachable"
# Request meta: its download_timeout is FirstAnswerTimeout's bound, not its own.
BOUNDED = "rficrawl_first_answer_bound"
EXCEPTION_TYPES = "downloader/exception_type_count/"
# What the downloader's exception types mean, for the ERROR line.
PLAIN_NAMES = {
    "CannotResolveHostError": "DNS lookup failed",
    "DNSLookupError": "DNS lookup failed",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "timed out",
    "TimeoutError": "timed out",
    "TCPTimedOutError": "timed out",
    "DownloadFailedError": "download failed",
    "ResponseDataLossError": "response cut off",
    "ConnectError": "could not connect",
    "ConnectionLost": "connection lost",
    "ResponseNeverReceived": "no response",
    "NoRouteError": "no route to host",
}


def download_failures(stats: Mapping[str, Any]) -> dict[str, int]:
    """Requests that got no response, by the exception's class name; requests a middleware
    chose not to send (``IgnoreRequest``: robots.txt, articles already stored) are no failure."""
    counts: dict[str, int] = {}
    for key, count in stats.items():
        if key.startswith(EXCEPTION_TYPES):
            name = key.rsplit(".", 1)[-1].removeprefix(EXCEPTION_TYPES)
            if name != "IgnoreRequest":
                counts[name] = counts.get(name, 0) + count
    return counts


def failures(stats: Mapping[str, Any]) -> str:
    """What failed, in words: ``DNS lookup failed ×10``."""
    return ", ".join(f"{PLAIN_NAMES.get(name, name)} ×{count}"
                     for name, count in sorted(download_failures(stats).items())) or "no response"


class UnreachableSite:
    """Extension: the unreachable-site rule (see the module's docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.first_requests = settings.getint("RFICRAWL_HEALTH_UNREACHABLE_REQUESTS")
        self.timeout = settings.getfloat("RFICRAWL_HEALTH_UNREACHABLE_TIMEOUT")
        self.pause_after = settings.getint("RFICRAWL_HEALTH_PAUSE_AFTER_FAILURES")
        self.base = settings.getfloat("RETRY_BACKOFF_BASE") or 1.0
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX") or 60.0
        self.base_url = settings.get("RFI_BASE_URL")
        self.first_request_at: float | None = None
        self.answered = False
        self.closing = False
        # The run of failures since the last response: exception count at its start.
        self.responses_seen = 0
        self.exceptions_at_response = 0
        self.pauses = 0
        self.resume_at: float | None = None
        self.loop: task.LoopingCall | None = None
        self.closed: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableSite:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.base_url = getattr(spider, "base_url", None) or self.base_url
        self.loop = task.LoopingCall(self.check)
        self.loop.start(1.0, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.resume_at is not None:
            self.crawler.engine.unpause()

    def check(self) -> None:
        """One look at the stats. A failure here is logged and the next look still comes (an
        exception would stop the LoopingCall for the rest of the crawl, silently)."""
        try:
            self._check()
        except Exception:
            logger.exception("The unreachable-site rule failed to read the crawl's stats")

    def _check(self) -> None:
        stats = dict(self.crawler.stats.get_stats())
        requests = stats.get("downloader/request_count", 0)
        responses = stats.get("downloader/response_count", 0)
        exceptions = sum(download_failures(stats).values())
        now = time.monotonic()
        if requests and self.first_request_at is None:
            self.first_request_at = now
        if responses:
            self.answered = True
        if not self.answered:
            self._judge_start(requests, exceptions, now, stats)
        else:
            self._watch_run(responses, exceptions, now, stats)

    def _judge_start(self, requests: int, exceptions: int, now: float, stats: dict) -> None:
        if self.closing or self.first_request_at is None:
            return
        waited = now - self.first_request_at
        if exceptions >= self.first_requests or waited >= self.timeout:
            self.closing = True
            what = (f"the first {exceptions} requests failed" if exceptions >= self.first_requests
                    else f"no response {waited:.0f} s after the first request")
            logger.error(
                "Site unreachable: %s (RFI_BASE_URL) did not answer: %s (%s). Check the "
                "network, the DNS, or RFI_BASE_URL; the crawl stops (finish reason %s).",
                self.base_url, what, failures(stats), REASON)
            self.crawler.stats.set_value(f"{STATS}/failures", failures(stats))
            self.closed = asyncio.ensure_future(
                self.crawler.engine.close_spider_async(reason=REASON))

    def _watch_run(self, responses: int, exceptions: int, now: float, stats: dict) -> None:
        engine = self.crawler.engine
        if responses > self.responses_seen:
            self.responses_seen = responses
            self.exceptions_at_response = exceptions
            self.pauses = 0
        if self.resume_at is not None:
            if now >= self.resume_at:
                self.resume_at = None
                logger.info("Resuming the crawl after a pause: trying %s again", self.base_url)
                engine.unpause()
            return
        run = exceptions - self.exceptions_at_response
        if self.pause_after > 0 and run >= self.pause_after:
            delay = min(self.base * 2 ** self.pauses, self.cap)
            self.pauses += 1
            self.exceptions_at_response = exceptions
            self.resume_at = now + delay
            self.crawler.stats.inc_value(f"{STATS}/pauses")
            logger.warning(
                "%s failed %d requests in a row (so far: %s); pausing the crawl for %.1f s",
                self.base_url, run, failures(stats), delay)
            engine.pause()


class FirstAnswerTimeout:
    """Downloader middleware: until the site has answered once, a request's ``download_timeout``
    is at most ``RFICRAWL_HEALTH_UNREACHABLE_TIMEOUT``; once the rule has closed the crawl as
    unreachable, requests still waiting to go out (behind robots.txt, retries) are not sent.

    A closing crawl waits for its requests in flight: without this, a request to a host that
    accepts the connection and never answers holds the end for the whole ``DOWNLOAD_TIMEOUT``,
    and each queued request after it for as long again. Once a response came, requests keep
    their own timeout."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.timeout = crawler.settings.getfloat("RFICRAWL_HEALTH_UNREACHABLE_TIMEOUT")
        self.rule: UnreachableSite | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FirstAnswerTimeout:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        meta = request.meta
        # The site has answered once: the downloader's own count, which the rule reads too.
        if self.crawler.stats.get_value("downloader/response_count"):
            # A request bounded before the first answer and sent again (a retry) gets its own
            # timeout back.
            if meta.pop(BOUNDED, False):
                meta.pop("download_timeout", None)
            return
        if self.rule is None:
            self.rule = self.crawler.get_extension(UnreachableSite)
        if self.rule.closing:
            raise IgnoreRequest(f"not sent: the site is unreachable, the crawl is closing ({REASON})")
        if self.timeout > 0:
            current = meta.get("download_timeout")
            if current is None or current > self.timeout:
                meta["download_timeout"] = self.timeout
                meta[BOUNDED] = True
