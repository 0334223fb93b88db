"""Raw pages in WARC files as a Scrapy add-on: on unless ``WARC_DIR`` is empty (docs/warc.md).

It adds the two downloader middlewares that record what the crawl fetched (the headers as received,
then the body as the extractor sees it) and the spider middleware that puts on each article the
place of its record, and sets the ``WARC_*`` defaults below. With ``-s WARC_DIR=`` it does
nothing: no file is written and articles carry no ``warc`` pointer.
"""

from __future__ import annotations

import os
from typing import Any

from scrapy.settings import BaseSettings

from rficrawl.addons import Feature, SettingError
from rficrawl.warc.writer import GZIP_LEVELS


class WarcAddon(Feature):
    switch = "WARC_DIR"

    def components(self) -> dict[str, str | dict[str, Any]]:
        return {
            "DOWNLOADER_MIDDLEWARES": {
                # Between the redirect middleware (600) and the decompression (590): the headers
                # as the server sent them, Content-Encoding included.
                "rficrawl.warc.recorder.ReceivedHeadersMiddleware": 595,
                # Below the decompression (590) and above the meta-refresh redirect (580), the
                # retry (550) and the browser (543-546): every answer, decoded as the extractor
                # sees it, and the browser's rendered pages through their own download.
                "rficrawl.warc.recorder.WarcRecordMiddleware": 585,
            },
            "SPIDER_MIDDLEWARES": {"rficrawl.warc.recorder.WarcPointerMiddleware": 600},
        }

    def defaults(self) -> dict[str, Any]:
        return {
            # Where the crawl's WARC files go (one set per crawl): $WARC_DIR, else data/warc;
            # empty: no WARC files.
            "WARC_DIR": os.environ.get("WARC_DIR", "data/warc"),
            # A file is closed, and the next one opened, once it holds this many bytes
            # (compressed); a file ends with a whole request and response, so it may pass this by
            # one page.
            "WARC_MAX_SIZE": 1_000_000_000,
            # Also keep the fronts, lists, archive days, feeds and sitemaps (a listing unchanged
            # since its last fetch is a small revisit record); False: articles only.
            "WARC_LISTINGS": True,
            # Gzip level of each record's member, 0 to 9: 0-3 are ISA-L's (fast: at 2, about 0.6 ms
            # for a 530 KB page, against 9 ms for zlib's 6), 4-9 zlib's (a 530 KB page: 94 KB at
            # 2, 77 KB at 6). The crawl's CPU goes to parsing pages; 2 keeps WARC's share small.
            "WARC_GZIP_LEVEL": 2,
            # Where reextract and extract also look for a file that is not in WARC_DIR any more
            # (moved to cold storage): directories, tried in order, that hold the files under
            # their own names.
            "WARC_PATH_PREFIXES": [],
        }

    def check(self, settings: BaseSettings) -> None:
        value = settings.get("WARC_GZIP_LEVEL")
        try:
            level = int(value)
        except (TypeError, ValueError):
            level = None
        if level not in GZIP_LEVELS:
            raise SettingError(
                f"WARC_GZIP_LEVEL={value} is not a gzip level: give {GZIP_LEVELS[0]} to "
                f"{GZIP_LEVELS[-1]} (0-3 fast, with ISA-L; 4-9 smaller and slower, with zlib; "
                "the default is 2)")
