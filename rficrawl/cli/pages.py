"""Pages for the commands that look at one page (``extract``, ``listing``): a saved file or a URL.

A www.rfi.fr URL is fetched from where rfi.fr is (``--base-url``, default ``$RFI_BASE_URL``), so
the commands work against a local mirror as the spiders do. It is fetched as a crawl fetches it:
through Scrapy's download path with the project's settings (User-Agent and headers, robots.txt,
retries with backoff, politeness), since RFI refuses clients that do not look like the crawler's.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from rficrawl.cli.main import CommandError
from rficrawl.editions import DEFAULT_BASE_URL
from rficrawl.urls import to_base


def add_page_arguments(parser: argparse.ArgumentParser, *, source_help: str, url_help: str) -> None:
    """PATH_OR_URL, --url (a saved file's address) and --base-url (where rfi.fr is)."""
    parser.add_argument("source", metavar="PATH_OR_URL", help=source_help)
    parser.add_argument("--url", help=url_help)
    parser.add_argument(
        "--base-url",
        default=os.environ.get("RFI_BASE_URL") or DEFAULT_BASE_URL,
        help="where rfi.fr is (default: $RFI_BASE_URL, else %(default)s)",
    )


def read_page(path: Path, url: str | None) -> HtmlResponse:
    """A saved page, at ``url`` when given (else at its file URL)."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    return HtmlResponse(url=url or path.resolve().as_uri(), body=body)


def fetch_page(url: str, base_url: str) -> HtmlResponse:
    """GET the page from where rfi.fr is (a mirror when ``base_url`` says so), as a crawl would.

    Scrapy logs nothing meanwhile: a failure is the one line of the ``CommandError``.
    """
    target = to_base(url, base_url)
    outcome: dict[str, Any] = {}
    process = CrawlerProcess(fetch_settings(base_url))
    logging.disable(logging.CRITICAL)
    try:
        crawl = process.crawl(PageFetch, url=target, outcome=outcome)
        crawl.addErrback(lambda failure: outcome.setdefault("error", failure.getErrorMessage()))
        process.start()
    finally:
        logging.disable(logging.NOTSET)
    response = outcome.get("response")
    if response is None:
        raise CommandError(f"{target}: {outcome.get('error', 'cannot fetch the page')}")
    if isinstance(response, HtmlResponse):
        return response
    return HtmlResponse(url=response.url, body=response.body, headers=response.headers)


def fetch_settings(base_url: str) -> Settings:
    """The project's settings for fetching one page: its download path (User-Agent, headers,
    robots.txt, retries), without storage (a page looked at is neither stored nor skipped as
    known), the shared frontier, the browser or a stats file."""
    settings = Settings()
    settings.setmodule("rficrawl.settings", priority="project")
    settings.setdict(
        {
            "RFI_BASE_URL": base_url,
            "MONGO_URI": "",
            "REDIS_URL": "",
            "RFICRAWL_BROWSER_ENABLED": False,
            "STATS_FILE": "",
            "TELNETCONSOLE_ENABLED": False,
            # Messages of the command's own (extraction warnings) still reach stderr.
            "LOG_INSTALL_ROOT_HANDLER": False,
        },
        priority="cmdline",
    )
    return settings


class PageFetch(Spider):
    """Fetches one URL and keeps its response, or what went wrong, in ``outcome``."""

    name = "rficrawl-page"

    def __init__(self, url: str, outcome: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.outcome = outcome

    async def start(self):
        yield Request(self.url, callback=self.keep, errback=self.failed, dont_filter=True)

    def keep(self, response: Response) -> None:
        self.outcome["response"] = response

    def failed(self, failure: Failure) -> None:
        self.outcome["error"] = fetch_error(failure)


def fetch_error(failure: Failure) -> str:
    """What went wrong with a fetch, in a few words."""
    if failure.check(HttpError):
        response = failure.value.response
        return f"HTTP {response.status}"
    if failure.check(IgnoreRequest):
        return f"not fetched ({failure.getErrorMessage()})"
    return f"cannot fetch the page ({failure.getErrorMessage()})"
