"""Which requests the shared frontier refuses: one filter per run, one kept across runs.

RFI's fronts, lists, feeds and sitemaps change all day and must be fetched again on every run;
an article, once archived, need not be. So the frontier keeps two fingerprint filters per spider:

``P:S:seen:run``
    every request scheduled in the current run (cleared when a new run starts), so no page is
    fetched twice within a run, whatever its kind;
``P:S:seen:kept``
    requests whose ``rfi_kind`` is in ``FRONTIER_KEPT_KINDS`` (default: articles, podcast episodes, videos) and which were
    *fetched successfully* (2xx). Marking on success, not on scheduling, means an article that
    failed is tried again next run.

Fingerprints are Scrapy's own (``crawler.request_fingerprinter``), not scrapy-redis's SHA1 of the
URL, so ``REQUEST_FINGERPRINTER_CLASS`` and ``fingerprint``-affecting meta behave as in Scrapy.

``FRONTIER_DUPEFILTER = "set"`` stores the 20-byte fingerprints in Redis sets (exact).
``"bloom"`` stores them in Redis bitmaps of ``FRONTIER_BLOOM_BITS`` bits with
``FRONTIER_BLOOM_HASHES`` positions each (double hashing of the fingerprint): constant memory
for very large backfills, at the false-positive rate given by :func:`bloom_false_positive_rate`.

The check and the push happen in one Lua script (see :data:`ENQUEUE`), so a worker that dies
between them cannot leave a request marked as seen but never queued.
"""

from __future__ import annotations

import logging
import math

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.exceptions import NotConfigured

from rficrawl.frontier.connection import client_from_settings

logger = logging.getLogger(__name__)

DUPEFILTER_MODES = ("set", "bloom")

#: Outcomes of :data:`ENQUEUE`.
QUEUED, SEEN_IN_RUN, SEEN_BEFORE = 0, 1, 2

# KEYS: queue, seen_run, seen_kept. ARGV: mode, use_run, use_kept, score, data, fingerprint or
# bit positions.
ENQUEUE = """
local mode, use_run, use_kept = ARGV[1], ARGV[2] == '1', ARGV[3] == '1'
if mode == 'set' then
  if use_kept and redis.call('SISMEMBER', KEYS[3], ARGV[6]) == 1 then return 2 end
  if use_run and redis.call('SADD', KEYS[2], ARGV[6]) == 0 then return 1 end
else
  if use_kept then
    local all = true
    for i = 6, #ARGV do
      if redis.call('GETBIT', KEYS[3], ARGV[i]) == 0 then all = false; break end
    end
    if all then return 2 end
  end
  if use_run then
    local all = true
    for i = 6, #ARGV do
      if redis.call('SETBIT', KEYS[2], ARGV[i], 1) == 0 then all = false end
    end
    if all then return 1 end
  end
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[5])
return 0
"""


def bloom_positions(fingerprint: bytes, bits: int, hashes: int) -> list[int]:
    """Kirsch-Mitzenmacher double hashing over the (uniform) request fingerprint."""
    h1 = int.from_bytes(fingerprint[:8], "big")
    h2 = int.from_bytes(fingerprint[8:16], "big") | 1
    return [(h1 + i * h2) % bits for i in range(hashes)]


def bloom_false_positive_rate(items: int, bits: int, hashes: int) -> float:
    """The standard estimate (1 - e^(-k n / m))^k for n items in m bits with k hashes."""
    return (1.0 - math.exp(-hashes * items / bits)) ** hashes


class FrontierDupeFilter(BaseDupeFilter):
    """The filter policy of the shared frontier (``DUPEFILTER_CLASS``, set by the frontier add-on).

    Without ``REDIS_URL`` the add-on leaves Scrapy's own ``RFPDupeFilter`` in place, so one machine
    needs no Redis. With it, :class:`rficrawl.frontier.scheduler.FrontierScheduler` asks
    :meth:`enqueue_args` for the arguments of its atomic check-and-push; :meth:`request_seen` is the
    same check for callers outside the scheduler (it does not push).
    """

    def __init__(self, crawler: Crawler, server: redis.Redis) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.server = server
        self.fingerprinter = crawler.request_fingerprinter
        self.mode = settings.get("FRONTIER_DUPEFILTER")
        if self.mode not in DUPEFILTER_MODES:
            raise ValueError(
                f"FRONTIER_DUPEFILTER={self.mode!r} is not supported; use one of {DUPEFILTER_MODES}"
            )
        self.bits = settings.getint("FRONTIER_BLOOM_BITS")
        self.hashes = settings.getint("FRONTIER_BLOOM_HASHES")
        if not 0 < self.bits <= 1 << 32 or self.hashes < 1:
            raise ValueError(
                f"FRONTIER_BLOOM_BITS={self.bits} / FRONTIER_BLOOM_HASHES={self.hashes}: a Redis "
                "bitmap holds 1 to 2**32 bits and needs at least one hash"
            )
        self.kept_kinds = frozenset(settings.getlist("FRONTIER_KEPT_KINDS"))
        self.debug = settings.getbool("DUPEFILTER_DEBUG")
        self.run_key = self.kept_key = ""
        self._logged = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierDupeFilter:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("FrontierDupeFilter needs REDIS_URL, the shared frontier's Redis")
        return cls(crawler, client_from_settings(crawler.settings))

    def bind(self, base_key: str) -> None:
        """Name the keys after the spider (the scheduler calls this when the spider opens)."""
        self.run_key = f"{base_key}:seen:run"
        self.kept_key = f"{base_key}:seen:kept"

    def is_kept_kind(self, request: Request) -> bool:
        return request.meta.get("rfi_kind") in self.kept_kinds

    def _members(self, request: Request) -> list[bytes] | list[int]:
        fingerprint = self.fingerprinter.fingerprint(request)
        if self.mode == "set":
            return [fingerprint]
        return bloom_positions(fingerprint, self.bits, self.hashes)

    def enqueue_args(self, request: Request, data: bytes, force_run_filter: bool) -> list:
        """ARGV of :data:`ENQUEUE`. ``dont_filter`` skips both filters, except for seeds
        (``force_run_filter``), which always pass the run filter so no worker seeds twice."""
        use_run = force_run_filter or not request.dont_filter
        use_kept = not request.dont_filter and self.is_kept_kind(request)
        return [
            self.mode,
            int(use_run),
            int(use_kept),
            -request.priority,
            data,
            *self._members(request),
        ]

    def fetched_before(self, request: Request) -> bool:
        """Whether the kept filter holds this request (fetched in this or an earlier run)."""
        return self._contains(self.kept_key, self._members(request))

    def request_seen(self, request: Request) -> bool:
        members = self._members(request)
        if self.is_kept_kind(request) and self._contains(self.kept_key, members):
            return True
        if self.mode == "set":
            return self.server.sadd(self.run_key, members[0]) == 0
        pipe = self.server.pipeline()
        for position in members:
            pipe.setbit(self.run_key, position, 1)
        return all(pipe.execute())

    def _contains(self, key: str, members: list) -> bool:
        if self.mode == "set":
            return bool(self.server.sismember(key, members[0]))
        pipe = self.server.pipeline()
        for position in members:
            pipe.getbit(key, position)
        return all(pipe.execute())

    def mark_kept(self, request: Request) -> None:
        """Record a successfully fetched request of a kept kind, for later runs."""
        members = self._members(request)
        if self.mode == "set":
            self.server.sadd(self.kept_key, members[0])
            return
        pipe = self.server.pipeline(transaction=False)
        for position in members:
            pipe.setbit(self.kept_key, position, 1)
        pipe.execute()

    def memory_stats(self) -> dict[str, int]:
        """Bytes Redis uses for each filter (``MEMORY USAGE``) and, for sets, the fingerprint
        count and the cost of a million fingerprints at that rate."""
        stats: dict[str, int] = {}
        for name, key in (("run", self.run_key), ("kept", self.kept_key)):
            used = self.server.memory_usage(key, samples=0) or 0
            stats[f"rficrawl/frontier/dupefilter/{name}/bytes"] = used
            if self.mode == "set":
                count = self.server.scard(key)
                stats[f"rficrawl/frontier/dupefilter/{name}/fingerprints"] = count
                if count:
                    stats[f"rficrawl/frontier/dupefilter/{name}/bytes_per_million"] = round(
                        used / count * 1_000_000
                    )
        return stats

    def log(self, request: Request, spider: object) -> None:
        if self.debug:
            logger.debug("Filtered duplicate request: %(request)s", {"request": request})
        elif not self._logged:
            logger.debug(
                "Filtered duplicate request %(request)s - no more duplicates will be shown "
                "(see DUPEFILTER_DEBUG to show all duplicates)",
                {"request": request},
            )
            self._logged = True
