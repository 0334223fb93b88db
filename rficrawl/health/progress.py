"""What a crawl shows while it runs, and its summary at the end.

On a terminal (``RFICRAWL_HEALTH_PROGRESS = "auto"`` and stderr a terminal, no ``LOG_FILE``)
a live table with rich, redrawn every second below the log: per edition, pages, articles, new,
revised, unchanged, dropped and errors, and their totals. Elsewhere (a log
file, scrapyd) the same figures go out as one INFO log line every
``RFICRAWL_HEALTH_PROGRESS_INTERVAL`` seconds. When the spider closes, a summary table (the
same counts, the duration and the monitors' verdict) is printed on the terminal, or logged.
"""

from __future__ import annotations

import io
import logging
import sys

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.log import get_scrapy_root_handler
from twisted.internet import task

from rficrawl.health import HEALTH_STAT
from rficrawl.health.tally import CrawlTally

logger = logging.getLogger(__name__)
STORE = "rficrawl/store/"


def _number(value: int | None) -> str:
    return "–" if value is None else str(value)


class CrawlProgress:
    """Extension: the progress display (see the module's docstring)."""

    def __init__(self, crawler: Crawler, live: bool, interval: float) -> None:
        self.crawler = crawler
        self.live_mode = live
        self.interval = interval
        self.live: Live | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        mode = crawler.settings.get("RFICRAWL_HEALTH_PROGRESS")
        if mode == "off":
            raise NotConfigured("RFICRAWL_HEALTH_PROGRESS is off")
        if mode not in ("auto", "live", "log"):
            raise ValueError(f"RFICRAWL_HEALTH_PROGRESS={mode!r}: use auto, live, log or off")
        terminal = sys.stderr.isatty() and not crawler.settings.get("LOG_FILE")
        live = mode == "live" or (mode == "auto" and terminal)
        interval = 1.0 if live else crawler.settings.getfloat("RFICRAWL_HEALTH_PROGRESS_INTERVAL")
        progress = cls(crawler, live, interval)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    @property
    def tally(self) -> CrawlTally:
        return self.crawler.get_extension(CrawlTally)

    def spider_opened(self, spider: Spider) -> None:
        if self.live_mode:
            self.live = Live(self.table(), console=Console(stderr=True), auto_refresh=False,
                             redirect_stderr=True, transient=True)
            self.live.start()
            handler = get_scrapy_root_handler()
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sys.stderr)  # the live display's proxy: lines go above it
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def tick(self) -> None:
        if self.live is not None:
            self.live.update(self.table(), refresh=True)
        else:
            logger.info("Progress: %s", self.line())

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        table = self.table(final=reason)
        if self.live is not None:
            self.live.stop()
            handler = get_scrapy_root_handler()
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sys.stderr)
            Console(stderr=True).print(table)
            return
        text = io.StringIO()
        Console(file=text, width=110, no_color=True).print(table)
        logger.info("Crawl summary:\n%s", text.getvalue().rstrip())

    # --- What is shown ---------------------------------------------------------------------

    def totals(self) -> dict[str, int | None]:
        stats = self.crawler.stats.get_stats()
        stored = self.tally.new() is not None
        tally = self.tally
        return {
            "pages": sum(tally.pages.values()),
            "articles": sum(tally.articles.values()),
            "new": stats.get(STORE + "new", 0) if stored else None,
            "revised": stats.get(STORE + "updated", 0) if stored else None,
            "unchanged": stats.get(STORE + "unchanged", 0) if stored else None,
            "dropped": sum(tally.dropped.values()),
            "errors": sum(tally.failed_fetches(e) for e in tally.editions()),
        }

    def line(self) -> str:
        """The log line: totals, then each edition's pages (p), articles (a), new (n), and the
        revised (r), unchanged (u), dropped (d) and errors (e) it has."""
        totals = self.totals()
        head = ", ".join(f"{name} {_number(value)}" for name, value in totals.items())
        figures = self.tally.figures()
        editions = "; ".join(
            f"{edition} {f['pages']}p {f['articles']}a {_number(f['new'])}n"
            + (f" {f['revised']}r" if f["revised"] else "")
            + (f" {f['unchanged']}u" if f["unchanged"] else "")
            + (f" {f['dropped']}d" if f["dropped"] else "")
            + (f" {f['errors']}e" if f["errors"] else "")
            for edition, f in figures.items())
        return f"{head} in {self.tally.elapsed:.0f} s" + (f" | {editions}" if editions else "")

    def table(self, final: str | None = None) -> Table:
        totals = self.totals()
        elapsed = self.tally.elapsed
        if final is None:
            title = f"crawling for {elapsed:.0f} s"
        else:
            health = self.crawler.stats.get_value(HEALTH_STAT) or {}
            verdict = health.get("verdict", "not run")
            title = f"crawl {final} in {elapsed:.0f} s; monitors {verdict}"
        table = Table(title=title, title_justify="left")
        for column in ("edition", "pages", "articles", "new", "revised", "unchanged",
                       "dropped", "errors"):
            table.add_column(column, justify="left" if column == "edition" else "right")
        for edition, f in self.tally.figures().items():
            table.add_row(edition, str(f["pages"]), str(f["articles"]), _number(f["new"]),
                          _number(f["revised"]), _number(f["unchanged"]), str(f["dropped"]),
                          str(f["errors"]))
        table.add_row("all", *(_number(totals[name]) for name in (
            "pages", "articles", "new", "revised", "unchanged", "dropped", "errors")),
            style="bold")
        if final is not None:
            health = self.crawler.stats.get_value(HEALTH_STAT) or {}
            for failure in health.get("failed", []):
                table.caption = (table.caption + "\n" if table.caption else "") + f"FAILED {failure}"
        return table

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'live' if self.live_mode else 'log'})"

