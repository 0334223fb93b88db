"""Scrapy settings for rficrawl: the project's profile.

The site, politeness, discovery and export formats are set here. Each feature (the shared frontier,
storage, the browser) is a Scrapy add-on listed in ``ADDONS``, which adds its components and sets
its own settings' defaults when its switch is on (rficrawl/addons.py; the README's table lists
them). Override any setting, a feature's included, with ``-s NAME=VALUE`` or in a scrapyd/scrapy.cfg
profile. The sections follow the data's path: site, politeness, discovery, parsing and export.
"""

import os

BOT_NAME = "rficrawl"
SPIDER_MODULES = ["rficrawl.spiders"]
NEWSPIDER_MODULE = "rficrawl.spiders"

# Scrapy 2.19 starts a remote-control server by default; an archive crawler does not need one, and
# several workers on one machine would fight for its port. Turn it on with -s REMOTE_CONTROL_ENABLED=1.
REMOTE_CONTROL_ENABLED = False
# scrapy-playwright needs the asyncio reactor (Scrapy's default since 2.13, pinned here on purpose).
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("RFICRAWL_LOG_LEVEL", "INFO")

# --- Features (Scrapy add-ons) ---------------------------------------------------------------------
# Each is on when its switch is: the shared frontier when REDIS_URL is set (docs/frontier.md),
# storage unless MONGO_URI is empty (docs/storage.md), the browser unless RFICRAWL_BROWSER_ENABLED is
# false (docs/browser.md), crawl health (monitors, the unreachable-site rule, progress) unless
# RFICRAWL_HEALTH_ENABLED is false (docs/health.md), raw pages in WARC files unless WARC_DIR is
# empty (docs/warc.md). An add-on that is off leaves Scrapy's own components in place.
ADDONS = {
    "rficrawl.frontier.addon.FrontierAddon": 100,
    "rficrawl.store.addon.StoreAddon": 200,
    "rficrawl.browser.addon.BrowserAddon": 300,
    "rficrawl.health.addon.HealthAddon": 400,
    "rficrawl.warc.addon.WarcAddon": 500,
}

EXTENSIONS = {
    "rficrawl.extensions.statsfile.StatsFile": 900,
}
# Path of a JSON file that receives the final crawl stats (off when empty).
STATS_FILE = ""

# --- The site ------------------------------------------------------------------------------------
# Where rfi.fr is. Tests and `make demo` point this at a local mirror on 127.0.0.1.
RFI_BASE_URL = os.environ.get("RFI_BASE_URL", "https://www.rfi.fr")

# --- Politeness ------------------------------------------------------------------------------------
# RFI is a public broadcaster's site: crawl it gently by default (docs/spiders.md). Tests and
# benches turn the delays off with -s, not by code paths.
ROBOTSTXT_OBEY = True
# The User-Agent sent with every request. RFI answers 403 to clients that do not look like a
# browser (a crawler name in the User-Agent is enough), so the default is a current desktop Chrome.
# robots.txt rules are matched for the product token "rficrawl" (then "*").
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
ROBOTSTXT_USER_AGENT = "rficrawl"
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8,zh-CN;q=0.7",
    "Upgrade-Insecure-Requests": "1",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Site": "none",
}
# The one concurrency knob for rfi.fr (everything is on www.rfi.fr); AutoThrottle adapts the delay
# to the site's latency within it.
CONCURRENT_REQUESTS_PER_DOMAIN = 4
CONCURRENT_REQUESTS = 16
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Retries on 429/5xx and network errors wait RETRY_BACKOFF_BASE * 2**(n-1) s (capped at
# RETRY_BACKOFF_MAX, or the server's Retry-After) instead of retrying at once.
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "rficrawl.backoff.BackoffRetryMiddleware": 550,
}

# --- Discovery -----------------------------------------------------------------------------------
# `scrapy crawl` checks spider arguments before the crawl starts (rficrawl/commands/crawl.py).
COMMANDS_MODULE = "rficrawl.commands"
# Names of further -a arguments that other components read from the spider (the spiders reject
# unknown names so that a typo such as -a edition=cn is an error, not a crawl of every edition).
SPIDER_EXTRA_ARGUMENTS: list[str] = []

# --- Parsing and export ----------------------------------------------------------------------------
FEED_EXPORTERS = {
    # One Markdown file per article (the newsroom's archive format); the feed file is their index.
    "md": "rficrawl.export.markdown.MarkdownArchiveExporter",
    # JSON feeds write dates as ISO 8601 UTC with "Z" (Scrapy's own drop the time zone).
    "json": "rficrawl.export.jsonfeed.JsonExporter",
    "jsonlines": "rficrawl.export.jsonfeed.JsonLinesExporter",
    "jsonl": "rficrawl.export.jsonfeed.JsonLinesExporter",
    "jl": "rficrawl.export.jsonfeed.JsonLinesExporter",
    # CSV: the same dates; lists and objects (tags, authors, image) as JSON text in their cells.
    "csv": "rficrawl.export.jsonfeed.CsvExporter",
}
# Directory of the md feed's article files; empty: next to the feed file, named after it
# (-O archive.md:md writes archive/{edition}/{YYYY-MM-DD}/{content_id}.md and the index archive.md).
MARKDOWN_ARCHIVE_DIR = ""
