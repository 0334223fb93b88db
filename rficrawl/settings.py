"""Scrapy settings for rficrawl.

Every feature is a Scrapy component (middleware, pipeline, exporter, extension) switched on here,
with its own settings and documented defaults. Override any of them with ``-s NAME=VALUE`` or in a
scrapyd/scrapy.cfg profile. The sections follow the data's path: site, politeness, discovery,
parsing, storage, browser, distributed frontier.
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

# Components; each section below adds its own entries with its order number.
DOWNLOADER_MIDDLEWARES: dict[str, int] = {}
SPIDER_MIDDLEWARES: dict[str, int] = {}
ITEM_PIPELINES: dict[str, int] = {}
EXTENSIONS: dict[str, int] = {
    "rficrawl.extensions.statsfile.StatsFile": 900,
}
# Path of a JSON file that receives the final crawl stats (off when empty).
STATS_FILE = ""

# --- The site ------------------------------------------------------------------------------------
# Where rfi.fr is. Tests and `make demo` point this at a local mirror on 127.0.0.1.
RFI_BASE_URL = os.environ.get("RFI_BASE_URL", "https://www.rfi.fr")

# --- Politeness ------------------------------------------------------------------------------------

# --- Discovery -----------------------------------------------------------------------------------

# --- Parsing and export ----------------------------------------------------------------------------
FEED_EXPORTERS = {
    "md": "rficrawl.export.markdown.MarkdownArchiveExporter",
}

# --- Storage (MongoDB) -----------------------------------------------------------------------------

# --- Browser (scrapy-playwright) -------------------------------------------------------------------

# --- Distributed frontier (scrapy-redis) -----------------------------------------------------------
