"""Crawl health as a Scrapy add-on: on unless ``RFICRAWL_HEALTH_ENABLED`` is false.

It adds spidermon (``SPIDERMON_ENABLED``, rficrawl's suites at close and periodically), the
per-edition tally the monitors and the progress line read, the crawl history the monitors
compare with, the unreachable-site rule and the progress display, and sets the
``RFICRAWL_HEALTH_*`` defaults below (and the spidermon settings rficrawl relies on).
``-s RFICRAWL_HEALTH_ENABLED=0`` turns all of it off: a plain crawl with Scrapy's own log.
"""

from __future__ import annotations

from typing import Any

from rficrawl.addons import Feature
from rficrawl.health.actions import TEMPLATES


class HealthAddon(Feature):
    switch = "RFICRAWL_HEALTH_ENABLED"

    def components(self) -> dict[str, str | dict[str, Any]]:
        return {
            # In this order at spider_closed: the tally and history are read by the monitors,
            # whose verdict the progress summary shows; all before StatsFile (900) and the
            # storage pipeline's record.
            "EXTENSIONS": {
                "rficrawl.health.tally.CrawlTally": 400,
                "rficrawl.health.history.CrawlHistory": 410,
                "rficrawl.health.unreachable.UnreachableSite": 450,
                "spidermon.contrib.scrapy.extensions.Spidermon": 500,
                "rficrawl.health.progress.CrawlProgress": 800,
            },
            # Before Scrapy's DownloadTimeoutMiddleware (350), which fills in DOWNLOAD_TIMEOUT
            # only where a request has no timeout of its own.
            "DOWNLOADER_MIDDLEWARES": {"rficrawl.health.unreachable.FirstAnswerTimeout": 340},
        }

    def defaults(self) -> dict[str, Any]:
        return {
            # False: no monitors, no unreachable-site rule, no progress line.
            "RFICRAWL_HEALTH_ENABLED": True,
            # --- Monitors (rficrawl.health.monitors), with spidermon -----------------------
            "SPIDERMON_ENABLED": True,
            "SPIDERMON_SPIDER_CLOSE_MONITORS": ["rficrawl.health.monitors.CrawlClosedSuite"],
            # Seconds between runs of the periodic suite on the crawl so far.
            "SPIDERMON_PERIODIC_MONITORS": {"rficrawl.health.monitors.PeriodicSuite": 600},
            # Earlier crawls of the same spider the usual rates are learnt from (0: none).
            "RFICRAWL_HEALTH_HISTORY": 10,
            # Articles scraped / articles the listings promised (found, less those skipped as
            # already stored, at most max_articles).
            "RFICRAWL_HEALTH_MIN_ITEMS_RATIO": 0.8,
            # The schema's "all" fields (title, lead, body, published_at) on this share of each
            # edition's articles; its "usual" fields (image, authors, tags) at most this far
            # below their usual rate, judged on editions with enough articles.
            "RFICRAWL_HEALTH_MIN_RATE_ALL_FIELDS": 1.0,
            "RFICRAWL_HEALTH_COVERAGE_TOLERANCE": 0.15,
            "RFICRAWL_HEALTH_MIN_ARTICLES_FOR_RATES": 20,
            # Responses with a 4xx/5xx status, and requests that got no response, at most.
            "RFICRAWL_HEALTH_MAX_HTTP_ERROR_RATE": 0.05,
            "RFICRAWL_HEALTH_MAX_DOWNLOAD_ERROR_RATE": 0.05,
            # Articles dropped for one reason, at most this share of the articles; reasons that
            # are part of normal work (fnmatch patterns) are not counted.
            "RFICRAWL_HEALTH_MAX_DROPPED_RATE": 0.02,
            "RFICRAWL_HEALTH_DROPPED_EXPECTED": ["out_of_range", "not-an-article:*"],
            # Escalations to the browser that failed, at most.
            "RFICRAWL_HEALTH_MAX_ESCALATION_FAILURE_RATE": 0.5,
            # Articles with a field read past the JSON-LD: at most the usual share plus this.
            "RFICRAWL_HEALTH_MAX_FALLBACK_RISE": 0.1,
            # Spiders whose editions always have new articles, and how many earlier crawls must
            # all have had some before none is a failure.
            "RFICRAWL_HEALTH_ALWAYS_NEW_SPIDERS": ["fronts", "feeds"],
            "RFICRAWL_HEALTH_ALWAYS_NEW_MIN_CRAWLS": 3,
            # Per spider: {spider: {threshold name without the prefix: value}}. Sitemaps and the
            # archive list deleted articles (404) and old templates; a re-crawl of given URLs
            # has no listing to keep its promise to.
            "RFICRAWL_HEALTH_SPIDER_THRESHOLDS": {
                "sitemaps": {"MAX_HTTP_ERROR_RATE": 0.15, "MAX_FALLBACK_RISE": 0.2},
                "archive": {"MAX_HTTP_ERROR_RATE": 0.15, "MAX_FALLBACK_RISE": 0.2},
                "article": {"MIN_ITEMS_RATIO": 0.5},
            },
            # Spidermon actions besides the log: json, email, slack, webhook
            # (rficrawl.health.actions); "failed" sends only failed verdicts, "always" every one.
            "RFICRAWL_HEALTH_ACTIONS": [],
            "RFICRAWL_HEALTH_NOTIFY": "failed",
            "SPIDERMON_REPORT_TEMPLATE": str(TEMPLATES / "health.json.jinja"),
            "SPIDERMON_REPORT_FILENAME": (
                "data/health/{{ data.spider.name }}-"
                "{{ data.stats.start_time.strftime('%Y%m%dT%H%M%SZ') }}.json"),
            "SPIDERMON_EMAIL_SUBJECT": (
                "rficrawl {{ data.spider.name }}: monitors "
                "{{ 'failed' if monitors_failed else 'passed' }}"),
            # --- The unreachable-site rule (rficrawl.health.unreachable) -------------------
            # Close with finish reason site_unreachable when the first N requests all failed,
            # or when no response came within the timeout (seconds) of the first request. The
            # crawl then ends once the requests in flight are done (their retries' backoff);
            # until the first response, no request waits longer than the timeout.
            "RFICRAWL_HEALTH_UNREACHABLE_REQUESTS": 8,
            "RFICRAWL_HEALTH_UNREACHABLE_TIMEOUT": 40.0,
            # Later, this many failed requests in a row pause the crawl, for a backoff that
            # doubles from RETRY_BACKOFF_BASE up to RETRY_BACKOFF_MAX, until a response comes.
            "RFICRAWL_HEALTH_PAUSE_AFTER_FAILURES": 30,
            # --- Progress (rficrawl.health.progress) ----------------------------------------
            # "auto": a live line on a terminal, log lines otherwise; "live", "log" or "off".
            "RFICRAWL_HEALTH_PROGRESS": "auto",
            # Seconds between progress log lines.
            "RFICRAWL_HEALTH_PROGRESS_INTERVAL": 60.0,
        }
