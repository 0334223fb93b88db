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
DOWNLOADER_MIDDLEWARES.update({
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "rficrawl.backoff.BackoffRetryMiddleware": 550,
})

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

# --- Storage (MongoDB) -----------------------------------------------------------------------------
# Where articles are stored (docs/storage.md). An empty MONGO_URI (-s MONGO_URI=) turns storage and
# the known-article skip off, for feed-export-only runs. Passwords in the URI are never logged.
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017")
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "rfi")
ITEM_PIPELINES["rficrawl.store.pipeline.StoragePipeline"] = 800
# Articles per bulk write, and the longest time (seconds) an article waits in the buffer.
STORE_BATCH_SIZE = 500
STORE_FLUSH_INTERVAL = 5.0
# Acknowledged writes: an item leaves the pipeline only once stored (or spilled), so a worker
# killed with articles in its buffer loses none of them: their requests stay leased in the shared
# frontier and another worker fetches them again. Empty: on when REDIS_URL is set. The buffer is
# then flushed at least every STORE_ACK_FLUSH_INTERVAL seconds, since items wait for it.
STORE_ACK_WRITES = ""
STORE_ACK_FLUSH_INTERVAL = 0.5
# Seconds a client call may wait for an unreachable server before it counts as a failure.
STORE_TIMEOUT = 5.0
# While MongoDB is away a batch is retried with backoff (up to STORE_RETRY_MAX_DELAY s between
# tries); after STORE_GIVE_UP_AFTER s it goes to a JSON lines spill file under STORE_SPILL_DIR,
# which `rficrawl store replay FILE` loads later.
STORE_GIVE_UP_AFTER = 60.0
STORE_RETRY_MAX_DELAY = 10.0
STORE_SPILL_DIR = "data/spill"
# An unchanged article's last_seen_at is rewritten only when older than this (seconds), so that
# re-crawling unchanged articles costs reads, not writes.
STORE_SEEN_RESOLUTION = 3600.0
# Skip article requests whose public URL is already stored (rficrawl.store.known). The re-crawl
# policy is the spider argument -a refresh=never|modified|all, else this setting.
DOWNLOADER_MIDDLEWARES["rficrawl.store.known.KnownArticlesMiddleware"] = 50
KNOWN_ARTICLES_REFRESH = "never"
KNOWN_ARTICLES_CACHE_SIZE = 100_000
KNOWN_ARTICLES_BATCH_SIZE = 200
KNOWN_ARTICLES_BATCH_DELAY = 0.05

# --- Browser (scrapy-playwright) -------------------------------------------------------------------
# Only requests with meta["playwright"]=True use Chromium; every other one keeps Scrapy's plain
# HTTP downloader. The middlewares below decide, from a plain response, which pages need it
# (docs/browser.md). PLAYWRIGHT_ENABLED=0 turns the browser off entirely (nothing is started).
PLAYWRIGHT_ENABLED = True
DOWNLOAD_HANDLERS = {
    "http": "rficrawl.browser.handler.BrowserDownloadHandler",
    "https": "rficrawl.browser.handler.BrowserDownloadHandler",
}
# The system Chromium (Debian's `chromium`; never `playwright install`) and the flags it needs in
# containers and sandboxes (no GPU, no user namespaces, no background traffic of its own).
PLAYWRIGHT_CHROMIUM_PATH = "/usr/bin/chromium"
PLAYWRIGHT_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {"headless": True}  # executable_path and args come from the above
# The browser sends its own headers (a real browser's User-Agent), not Scrapy's: it is used where
# plain requests are refused.
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None
# Resource limits: one browser context, a few pages at a time, closed after each response (errors
# included); no images, fonts or media downloaded; every navigation bounded (milliseconds).
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
# When a page counts as loaded: "load" (every subresource) or "domcontentloaded" (HTML parsed,
# deferred scripts run; faster where ads and trackers are slow).
PLAYWRIGHT_WAIT_UNTIL = "load"
PLAYWRIGHT_BLOCKED_RESOURCE_TYPES = ["image", "font", "media"]
# Seconds to wait for each batch a "load more" press or a scroll brings.
PLAYWRIGHT_EXPAND_WAIT = 5.0
# Live blogs: render and press "load more" at most this many times.
PLAYWRIGHT_LIVEBLOG_ENABLED = True
PLAYWRIGHT_LIVEBLOG_MAX_LOADS = 50
# Load-more / infinite-scroll lists: expanded up to the spider's max_pages, else this many pages.
PLAYWRIGHT_LOAD_MORE_ENABLED = True
PLAYWRIGHT_LOAD_MORE_MAX_PAGES = 10
# Blocked pages (these statuses, challenge pages, pages of a kind without their markup) are fetched
# once more through the browser; after this many failures in a row escalation stops for the crawl.
PLAYWRIGHT_ESCALATE_ENABLED = True
PLAYWRIGHT_ESCALATE_HTTP_CODES = [403, 429]
PLAYWRIGHT_ESCALATE_EXPECTED_MARKUP = {"article": "div.t-content__body"}
PLAYWRIGHT_ESCALATE_MAX_FAILURES = 10
# Kinds of pages (rfi_kind: article, front, ...; "*" for all) sent straight to the browser, for a
# network where every plain request of that kind is refused. Empty: decide page by page.
PLAYWRIGHT_RENDER_KINDS: list[str] = []
# After RetryMiddleware (550) in the response chain: 429s are retried plainly first.
DOWNLOADER_MIDDLEWARES.update({
    "rficrawl.browser.always.RenderKindsMiddleware": 546,
    "rficrawl.browser.escalation.EscalationMiddleware": 545,
    "rficrawl.browser.liveblog.LiveBlogMiddleware": 544,
    "rficrawl.browser.loadmore.LoadMoreMiddleware": 543,
})

# --- Distributed frontier (scrapy-redis) -----------------------------------------------------------
# Off unless REDIS_URL is set (e.g. redis://host:6379/0): then every worker running the same spider
# with the same REDIS_URL shares one request queue and its duplicate filters (docs/frontier.md).
# Without it both classes below build Scrapy's own scheduler and filter: no Redis needed.
REDIS_URL = os.environ.get("REDIS_URL", "")
SCHEDULER = "rficrawl.frontier.scheduler.FrontierScheduler"
DUPEFILTER_CLASS = "rficrawl.frontier.dupefilter.FrontierDupeFilter"
SPIDER_MIDDLEWARES["rficrawl.frontier.seeding.FrontierSeedMiddleware"] = 10
# Keys are FRONTIER_KEY_PREFIX:<spider>:queue, :workers, :inflight:<worker>, :run, :seen:run|kept.
FRONTIER_KEY_PREFIX = "rficrawl"
# Request kinds (meta rfi_kind) kept in the cross-run filter once fetched (2xx); every other kind is
# filtered within a run only, so fronts, lists, feeds and sitemaps are re-polled on every run.
FRONTIER_KEPT_KINDS = ["article", "podcast_episode", "video"]
# "set" (exact, Redis sets of 20-byte fingerprints) or "bloom" (Redis bitmaps, constant memory).
FRONTIER_DUPEFILTER = "set"
# Bloom filter size and hash count: 2**30 bits = 128 MiB per filter; false positives 4e-9 at
# 10 million URLs, 5.8e-3 at 100 million (docs/frontier.md).
FRONTIER_BLOOM_BITS = 1 << 30
FRONTIER_BLOOM_HASHES = 7
# Seconds a worker's lease lasts without renewal; then its in-flight requests are requeued.
FRONTIER_LEASE_TIMEOUT = 60.0
# Seconds the whole frontier must stay empty before a worker closes (reason "finished").
FRONTIER_IDLE_TIMEOUT = 30.0
# Seconds between a worker's housekeeping rounds (lease renewal, polling when starved, flushing).
FRONTIER_POLL_INTERVAL = 1.0
# Redis socket timeout and the longest pause between reconnection attempts during an outage.
FRONTIER_REDIS_TIMEOUT = 5.0
FRONTIER_REDIS_BACKOFF_MAX = 30.0
# Seconds a closing worker keeps trying to hand its buffered requests back to an unreachable Redis.
FRONTIER_CLOSE_TIMEOUT = 60.0
