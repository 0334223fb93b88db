"""``scrapy crawl`` that checks the spider's ``-a`` arguments before anything starts, and whose
exit status says how the crawl went.

Scrapy reports an exception raised while a spider is created as a traceback and exits 1. An
rficrawl spider can check its arguments up front (``check_arguments``), and each feature that is
on its settings (``rficrawl.addons.check_settings``); a bad value then ends the command like any
other usage error: one line naming the argument or setting and what to pass, exit code 2.

Scrapy exits 0 whenever a crawl ran. Here a crawl closed for a reason that means it could not do
its work exits non-zero (``site_unreachable``: 3), and so does a crawl whose monitors failed (4;
``rficrawl.health``), so that cron, scrapyd's users and scripts see it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from rficrawl.addons import SettingError, check_settings
from rficrawl.editions import DEFAULT_BASE_URL
from rficrawl.health import HEALTH_STAT
from rficrawl.spiders.arguments import SpiderArgumentError, check_base_url

# Exit statuses of a crawl that ran (2 is a usage error, 1 a crawl that could not start): a
# finish reason that means the crawl did not do its work, and failed monitors.
CLOSE_REASON_STATUS = {"site_unreachable": 3}
MONITORS_FAILED = 4


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1 and self.crawler_process is not None:
            try:
                spidercls = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                raise UsageError(
                    f"no spider named {args[0]!r}; `scrapy list` shows the spiders", print_help=False
                ) from None
            check = getattr(spidercls, "check_arguments", None)
            if check is not None:
                try:
                    base_url = check_base_url(self.settings.get("RFI_BASE_URL") or DEFAULT_BASE_URL)
                    check(opts.spargs, self.settings.getlist("SPIDER_EXTRA_ARGUMENTS"), base_url)
                except SpiderArgumentError as exc:
                    raise UsageError(str(exc), print_help=False) from None
            try:
                check_settings(self.settings)
            except SettingError as exc:
                raise UsageError(str(exc), print_help=False) from None
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        self.exitcode = exit_status(crawler.stats.get_stats())


def exit_status(stats: Mapping[str, Any]) -> int:
    """The exit status of a crawl that ran, from its final stats: by its finish reason
    (``CLOSE_REASON_STATUS``), else 4 when its monitors failed, else 0."""
    status = CLOSE_REASON_STATUS.get(stats.get("finish_reason"))
    if status is not None:
        return status
    health = stats.get(HEALTH_STAT)
    if isinstance(health, Mapping) and health.get("verdict") == "failed":
        return MONITORS_FAILED
    return 0
