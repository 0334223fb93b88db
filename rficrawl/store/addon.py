"""Storage as a Scrapy add-on: on unless ``MONGO_URI`` is empty (docs/storage.md).

It adds the storage pipeline (validate, batch, insert / touch / revise, spill while MongoDB is away)
and the known-article skip, and sets the ``STORE_*`` and ``KNOWN_ARTICLES_*`` defaults below. With
``-s MONGO_URI=`` it does nothing: a crawl then only writes its feeds.
"""

from __future__ import annotations

from typing import Any

from rficrawl.addons import Feature
from rficrawl.store.connection import default_database, default_uri


class StoreAddon(Feature):
    switch = "MONGO_URI"

    def components(self) -> dict[str, str | dict[str, Any]]:
        return {
            "ITEM_PIPELINES": {"rficrawl.store.pipeline.StoragePipeline": 800},
            # Early (50): a known article is skipped before robots.txt, retries or the browser
            # see it.
            "DOWNLOADER_MIDDLEWARES": {"rficrawl.store.known.KnownArticlesMiddleware": 50},
        }

    def defaults(self) -> dict[str, Any]:
        return {
            # Where articles are stored: $MONGO_URI, else a local server. Passwords in the URI are
            # never logged.
            "MONGO_URI": default_uri(),
            "MONGO_DATABASE": default_database(),
            # Articles per bulk write, and the longest time (seconds) an article waits in the
            # buffer.
            "STORE_BATCH_SIZE": 500,
            "STORE_FLUSH_INTERVAL": 5.0,
            # Acknowledged writes: an item leaves the pipeline only once stored (or spilled), so a
            # worker killed with articles in its buffer loses none of them: their requests stay
            # leased in the shared frontier and another worker fetches them again. Empty: on when
            # REDIS_URL is set. The buffer is then flushed at least every STORE_ACK_FLUSH_INTERVAL
            # seconds, since items wait for it.
            "STORE_ACK_WRITES": "",
            "STORE_ACK_FLUSH_INTERVAL": 0.5,
            # Seconds a client call may wait for an unreachable server before it counts as a
            # failure.
            "STORE_TIMEOUT": 5.0,
            # While MongoDB is away a batch is retried with backoff (up to STORE_RETRY_MAX_DELAY s
            # between tries); after STORE_GIVE_UP_AFTER s it goes to a JSON lines spill file under
            # STORE_SPILL_DIR, which `rficrawl store replay FILE` loads later.
            "STORE_GIVE_UP_AFTER": 60.0,
            "STORE_RETRY_MAX_DELAY": 10.0,
            "STORE_SPILL_DIR": "data/spill",
            # An unchanged article's last_seen_at is rewritten only when older than this (seconds),
            # so that re-crawling unchanged articles costs reads, not writes.
            "STORE_SEEN_RESOLUTION": 3600.0,
            # The known-article skip (rficrawl.store.known): the re-crawl policy when the spider
            # gets no -a refresh=never|modified|all, and its lookup cache and batching.
            "KNOWN_ARTICLES_REFRESH": "never",
            "KNOWN_ARTICLES_CACHE_SIZE": 100_000,
            "KNOWN_ARTICLES_BATCH_SIZE": 200,
            "KNOWN_ARTICLES_BATCH_DELAY": 0.05,
        }
