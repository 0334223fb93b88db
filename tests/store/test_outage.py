"""No article lost when MongoDB goes away during a crawl: the real server is stopped mid-crawl."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pymongo
import pytest

from rficrawl.store.documents import loads_line
from tests.store.conftest import rficrawl
from tests.store.test_crawl import N_ARTICLES, chosen, site, store_settings, url_file
from tests.support.crawl import REPO_ROOT, scrapy_command

pytestmark = pytest.mark.slow
__all__ = ["chosen", "site"]  # fixtures shared with test_crawl


def start_crawl(settings: dict, args: dict, out: Path) -> subprocess.Popen:
    """``scrapy crawl article`` in the background; its log goes to ``out/crawl.log``."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = scrapy_command("article", args, {**settings, "STATS_FILE": str(out / "stats.json")})
    log = (out / "crawl.log").open("w")
    return subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, out: Path) -> str:
    """Wait for the crawl (killing it if it hangs) and return its log."""
    try:
        proc.wait(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return (out / "crawl.log").read_text()


def crash(server) -> None:
    """Take the server away at once, as a crash or a network cut does.

    ``stop()`` is graceful: FerretDB keeps serving open connections until they close, so a
    crawl would not notice. SIGKILL leaves the data on disk and closes every connection.
    """
    os.kill(server.pid, signal.SIGKILL)
    server.stop()  # reaps the process; the port and the data stay for start()


def wait_for_articles(uri: str, db: str, at_least: int, proc: subprocess.Popen) -> int:
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            count = client[db].articles.count_documents({})
            if count >= at_least:
                return count
            time.sleep(0.1)
    raise AssertionError(f"the crawl stored fewer than {at_least} articles in time")


def test_server_restarted_mid_crawl_loses_nothing(
    site, chosen, mirror_server_factory, fresh_mongo_server, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.4)
    settings = store_settings(
        server,
        fresh_mongo_server.uri,
        "outage",
        tmp_path,
        STORE_BATCH_SIZE=1,
        CONCURRENT_REQUESTS=1,
        STORE_TIMEOUT=1,
    )
    proc = start_crawl(settings, {"urls_file": url_file(tmp_path, chosen)}, tmp_path / "crawl")
    stored_before = wait_for_articles(fresh_mongo_server.uri, "outage", 2, proc)
    crash(fresh_mongo_server)
    time.sleep(2.5)
    fresh_mongo_server.start()
    log = finish(proc, tmp_path / "crawl")
    assert proc.returncode == 0, log[-3000:]
    assert stored_before < N_ARTICLES
    assert "retrying" in log  # the outage really happened during the crawl
    with pymongo.MongoClient(fresh_mongo_server.uri) as client:
        db = client["outage"]
        assert {d["url"] for d in db.articles.find({}, {"url": 1})} == set(chosen)
        assert db.crawls.find_one()["status"] == "finished"
        assert db.crawls.find_one()["counts"].get("spilled", 0) == 0
    assert not (tmp_path / "spill").exists()


def test_server_gone_at_the_end_spills_and_replay_loads(
    site, chosen, mirror_server_factory, fresh_mongo_server, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.4)
    settings = store_settings(
        server,
        fresh_mongo_server.uri,
        "spill",
        tmp_path,
        STORE_BATCH_SIZE=1,
        CONCURRENT_REQUESTS=1,
        STORE_TIMEOUT=0.5,
        STORE_GIVE_UP_AFTER=2,
    )
    proc = start_crawl(settings, {"urls_file": url_file(tmp_path, chosen)}, tmp_path / "crawl")
    stored = wait_for_articles(fresh_mongo_server.uri, "spill", 2, proc)
    crash(fresh_mongo_server)
    log = finish(proc, tmp_path / "crawl")
    assert proc.returncode == 0, log[-3000:]
    spills = list((tmp_path / "spill").glob("*.jsonl"))
    assert len(spills) == 1, log[-3000:]
    spilled = [loads_line(line) for line in spills[0].read_text().splitlines()]
    assert len(spilled) >= N_ARTICLES - stored
    assert f"rficrawl store replay {spills[0]}" in log

    fresh_mongo_server.start()
    target = ["--mongo-uri", fresh_mongo_server.uri, "--db", "spill"]
    replay = rficrawl("store", "replay", str(spills[0]), *target)
    assert replay.returncode == 0, replay.stderr
    with pymongo.MongoClient(fresh_mongo_server.uri) as client:
        db = client["spill"]
        assert {d["url"] for d in db.articles.find({}, {"url": 1})} == set(chosen)
        revisions = db.revisions.count_documents({})
    again = rficrawl("store", "replay", str(spills[0]), *target)
    assert again.returncode == 0, again.stderr
    assert " 0 new, 0 updated" in again.stdout
    with pymongo.MongoClient(fresh_mongo_server.uri) as client:
        assert client["spill"].articles.count_documents({}) == N_ARTICLES
        assert client["spill"].revisions.count_documents({}) == revisions == 0
