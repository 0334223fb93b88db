"""No article lost when MongoDB goes away during a crawl: the real server is stopped mid-crawl.

The crawl is held at a known point first: the mirror lets a few articles through and holds the
next one (tests/support/mirror.py ``hold``), and the test waits until the crawl's own record in
the store counts those articles as stored. Only then is the server taken away, so the test knows
exactly which articles were stored before the outage and which came after.
"""

from __future__ import annotations

import os
import signal
import time

import pymongo
import pytest

from rficrawl.store.documents import loads_line
from testbed.build import site_path
from tests.store.conftest import rficrawl
from tests.store.test_crawl import N_ARTICLES, chosen, site, store_settings, url_file
from tests.support.crawl import BackgroundCrawl, start_crawl
from tests.support.mirror import Gate, hold

pytestmark = pytest.mark.slow
__all__ = ["chosen", "site"]  # fixtures shared with test_crawl

BEFORE = 3  # articles stored before the outage


def crash(server) -> None:
    """Take the server away at once, as a crash or a network cut does.

    ``stop()`` is graceful: FerretDB keeps serving open connections until they close, so a
    crawl would not notice. SIGKILL leaves the data on disk and closes every connection.
    """
    os.kill(server.pid, signal.SIGKILL)
    server.stop()  # reaps the process; the port and the data stay for start()


def stored_urls(uri: str, db: str) -> set[str]:
    with pymongo.MongoClient(uri) as client:
        return {d["url"] for d in client[db].articles.find({}, {"url": 1})}


def hold_after_some_are_stored(uri: str, db: str, gate: Gate, crawl: BackgroundCrawl) -> None:
    """Return once the crawl has stored BEFORE articles (its crawls record says so: the write and
    its accounting are done) and waits at the mirror for the next one."""
    gate.wait_for(BEFORE + 1)
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000) as client:
        deadline = time.monotonic() + 120
        while True:
            record = client[db].crawls.find_one() or {}
            if record.get("counts", {}).get("new") == BEFORE:
                return
            assert crawl.proc.poll() is None, crawl.log()[-3000:]
            assert time.monotonic() < deadline, f"the crawl did not store {BEFORE} articles in time"
            time.sleep(0.05)


def start(site, chosen, mirror_server_factory, uri: str, db: str, tmp_path, **extra):
    server = mirror_server_factory(site.root)
    gate = hold(server, [site_path(url) for url in chosen], pass_first=BEFORE)
    settings = store_settings(server, uri, db, tmp_path, STORE_BATCH_SIZE=1,
                              CONCURRENT_REQUESTS=1, **extra)
    crawl = start_crawl("article", tmp_path / "crawl", {"urls_file": url_file(tmp_path, chosen)},
                        settings)
    hold_after_some_are_stored(uri, db, gate, crawl)
    first = set(stored_urls(uri, db))
    assert len(first) == BEFORE
    return gate, crawl, first


def test_server_restarted_mid_crawl_loses_nothing(
    site, chosen, mirror_server_factory, fresh_mongo_server, tmp_path
):
    uri = fresh_mongo_server.uri
    gate, crawl, _ = start(site, chosen, mirror_server_factory, uri, "outage", tmp_path,
                           STORE_TIMEOUT=1)
    crash(fresh_mongo_server)
    gate.release()
    crawl.wait_for_log("retrying")  # the crawl met the outage, and keeps its batch
    fresh_mongo_server.start()
    result = crawl.finish()
    assert result.returncode == 0, result.log[-3000:]
    assert stored_urls(uri, "outage") == set(chosen)
    with pymongo.MongoClient(uri) as client:
        record = client["outage"].crawls.find_one()
        assert record["status"] == "finished"
        assert record["counts"]["new"] == N_ARTICLES
        assert record["counts"].get("spilled", 0) == 0
    assert not (tmp_path / "spill").exists()


def test_server_gone_at_the_end_spills_and_replay_loads(
    site, chosen, mirror_server_factory, fresh_mongo_server, tmp_path
):
    uri = fresh_mongo_server.uri
    gate, crawl, first = start(site, chosen, mirror_server_factory, uri, "spill", tmp_path,
                               STORE_TIMEOUT=0.5, STORE_GIVE_UP_AFTER=2)
    crash(fresh_mongo_server)
    gate.release()
    result = crawl.finish()
    assert result.returncode == 0, result.log[-3000:]
    spills = list((tmp_path / "spill").glob("*.jsonl"))
    assert len(spills) == 1, result.log[-3000:]
    spilled = [loads_line(line) for line in spills[0].read_text().splitlines()]
    # Every article after the outage is in the spill file, once, and none stored before it.
    assert sorted(doc["url"] for doc in spilled) == sorted(set(chosen) - first)
    assert f"rficrawl store replay {spills[0]}" in result.log

    fresh_mongo_server.start()
    assert stored_urls(uri, "spill") == first
    target = ["--mongo-uri", uri, "--db", "spill"]
    replay = rficrawl("store", "replay", str(spills[0]), *target)
    assert replay.returncode == 0, replay.stderr
    assert f" {N_ARTICLES - BEFORE} new, 0 updated" in replay.stdout
    assert stored_urls(uri, "spill") == set(chosen)
    again = rficrawl("store", "replay", str(spills[0]), *target)
    assert again.returncode == 0, again.stderr
    assert " 0 new, 0 updated" in again.stdout
    with pymongo.MongoClient(uri) as client:
        assert client["spill"].articles.count_documents({}) == N_ARTICLES
        assert client["spill"].revisions.count_documents({}) == 0
