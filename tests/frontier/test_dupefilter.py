"""The filter policy and the Bloom filter against a real redis-server, in-process."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from rficrawl.frontier.dupefilter import (
    FrontierDupeFilter,
    bloom_false_positive_rate,
    bloom_positions,
)
from tests.support.settings import project_settings


def dupefilter(redis_server, **settings) -> FrontierDupeFilter:
    crawler = get_crawler(settings_dict=project_settings(REDIS_URL=redis_server.url, **settings))
    df = FrontierDupeFilter.from_crawler(crawler)
    df.bind("rficrawl:unit")
    return df


def article(n: int) -> Request:
    return Request(f"http://127.0.0.1/cn/a/{n}", meta={"rfi_kind": "article"})


def test_bloom_false_positive_rate_matches_the_formula(redis_server):
    bits, hashes, items, trials = 1 << 15, 4, 4000, 10000
    df = dupefilter(redis_server, FRONTIER_DUPEFILTER="bloom", FRONTIER_BLOOM_BITS=bits,
                    FRONTIER_BLOOM_HASHES=hashes)
    for n in range(items):
        df.mark_kept(article(n))
    assert all(df.fetched_before(article(n)) for n in range(0, items, 7))  # no false negatives
    false_positives = sum(df.fetched_before(article(items + n)) for n in range(trials))
    expected = bloom_false_positive_rate(items, bits, hashes)
    assert 0.01 < expected < 0.05
    assert abs(false_positives / trials - expected) < 0.25 * expected


def test_positions_spread_over_the_whole_bitmap():
    positions = bloom_positions(bytes(range(20)), 1 << 30, 7)
    assert len(set(positions)) == 7
    assert all(0 <= p < 1 << 30 for p in positions)


def test_set_mode_policy_and_memory_report(redis_server):
    df = dupefilter(redis_server)
    front = Request("http://127.0.0.1/cn/", meta={"rfi_kind": "front"})
    assert not df.request_seen(front)
    assert df.request_seen(front)  # within a run
    df.server.delete(df.run_key)  # a new run: the front is new again
    assert not df.request_seen(front)
    for n in range(2000):
        df.mark_kept(article(n))
    assert df.request_seen(article(5))  # kept across runs
    assert not df.request_seen(article(5000))
    stats = df.memory_stats()
    assert stats["rficrawl/frontier/dupefilter/kept/fingerprints"] == 2000
    used = df.server.memory_usage(df.kept_key, samples=0)
    assert stats["rficrawl/frontier/dupefilter/kept/bytes"] == used
    assert stats["rficrawl/frontier/dupefilter/kept/bytes_per_million"] == round(used / 2000 * 1e6)


def test_bad_settings_name_the_setting(redis_server):
    with pytest.raises(ValueError, match="FRONTIER_DUPEFILTER='cuckoo'"):
        dupefilter(redis_server, FRONTIER_DUPEFILTER="cuckoo")
    with pytest.raises(ValueError, match="FRONTIER_BLOOM_BITS"):
        dupefilter(redis_server, FRONTIER_DUPEFILTER="bloom", FRONTIER_BLOOM_BITS=1 << 33)


def test_without_redis_url_it_is_scrapys_filter():
    crawler = get_crawler(settings_dict=project_settings(REDIS_URL=""))
    assert load_object(crawler.settings["DUPEFILTER_CLASS"]).__name__ == "RFPDupeFilter"
    assert load_object(crawler.settings["SCHEDULER"]).__name__ == "Scheduler"
    with pytest.raises(NotConfigured, match="REDIS_URL"):
        FrontierDupeFilter.from_crawler(crawler)
