"""Retries with exponential backoff on 429 and 5xx (replaces Scrapy's RetryMiddleware).

Scrapy retries a failed request at once; a site that answers 429 or 503 because it is overloaded
(or is throttling us) only gets hammered again. This middleware keeps Scrapy's retry rules
(RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS, the ``retry/*`` stats) and waits before each retry:
``RETRY_BACKOFF_BASE * 2 ** (attempt - 1)`` seconds, capped at ``RETRY_BACKOFF_MAX``, with up to
50% random jitter, or the server's ``Retry-After`` header when it sends one (also capped). The wait
is asynchronous (the crawl goes on) and holds the request's place in the downloader, so retries also
slow the crawl down while the site is struggling.
"""

from __future__ import annotations

import email.utils
import random
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import sleep


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX")

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            await self._wait(retry, response)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        retry = super().process_exception(request, exception)
        if retry is not None:
            await self._wait(retry, None)
        return retry

    async def _wait(self, retry: Request, response: Response | None) -> None:
        delay = self.delay_for(retry.meta.get("retry_times", 1), response)
        if delay > 0:
            self.crawler.stats.inc_value("retry/backoff_seconds", delay)
            await sleep(delay)

    def delay_for(self, attempt: int, response: Response | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
        advised = retry_after(response) if response is not None else None
        if advised is not None:
            return min(advised, self.cap)
        delay = min(self.base * 2 ** (attempt - 1), self.cap)
        return delay * random.uniform(0.5, 1.0)


def retry_after(response: Response) -> float | None:
    """The Retry-After header in seconds (given as seconds or as an HTTP date), if any."""
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
