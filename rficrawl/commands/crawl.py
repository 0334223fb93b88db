"""``scrapy crawl`` that checks the spider's ``-a`` arguments before anything starts.

Scrapy reports an exception raised while a spider is created as a traceback and exits 1. An
rficrawl spider can check its arguments up front (``check_arguments``); a bad value then ends the
command like any other usage error: one line naming the argument and what to pass, exit code 2.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from rficrawl.editions import DEFAULT_BASE_URL
from rficrawl.spiders.arguments import SpiderArgumentError, check_base_url


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
        super().run(args, opts)
