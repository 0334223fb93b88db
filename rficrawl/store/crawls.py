"""The ``crawls`` collection: one record per crawl run, written when it opens, completed at close.

A record that says ``running`` long after its start is a crawl that crashed or was killed. Counts
come from the storage pipeline (new, updated, unchanged, stale, dropped, spilled) and errors by
reason from the crawl stats; URIs are redacted so no password lands in the database.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Mapping
from typing import Any

from scrapy import Spider

from rficrawl.redaction import redact

# Stats whose keys name an error and its reason, copied into the record's ``errors``.
ERROR_STATS_PREFIXES = (
    "downloader/exception_type_count/",
    "spider_exceptions/",
    "downloader/response_status_count/4",
    "downloader/response_status_count/5",
    "log_count/ERROR",
    "log_count/CRITICAL",
    "item_dropped_reasons_count/",
)
# Attributes every spider has, which are not crawl arguments.
NOT_ARGUMENTS = {"name", "crawler", "settings", "custom_settings", "start_urls", "allowed_domains"}


def new_crawl_id(spider_name: str, started: dt.datetime) -> str:
    return f"{spider_name}-{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def spider_arguments(spider: Spider) -> dict[str, str]:
    """The ``-a`` arguments of a crawl (Scrapy sets them as spider attributes), redacted."""
    args = getattr(spider, "arguments", None)
    if not isinstance(args, Mapping):
        args = {
            k: v
            for k, v in vars(spider).items()
            if not k.startswith("_") and k not in NOT_ARGUMENTS and isinstance(v, (str, int, float))
        }
    return {str(k): redact(str(v)) for k, v in args.items()}


def crawl_record(
    crawl_id: str, spider: Spider, started: dt.datetime, uri: str, database: str
) -> dict[str, Any]:
    """The record written when a crawl opens."""
    return {
        "_id": crawl_id,
        "spider": spider.name,
        "arguments": spider_arguments(spider),
        "started_at": started,
        "finished_at": None,
        "status": "running",
        "finish_reason": None,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "store": {"uri": redact(uri), "database": database},
        "base_url": spider.settings.get("RFI_BASE_URL") if spider.settings else None,
        "counts": {},
        "dropped": {},
        "errors": {},
    }


def error_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """Errors of the crawl by reason, from its stats (dots become ``_``: Mongo keys)."""
    return {
        key.replace(".", "_"): value
        for key, value in sorted(stats.items())
        if key.startswith(ERROR_STATS_PREFIXES) and isinstance(value, int)
    }
