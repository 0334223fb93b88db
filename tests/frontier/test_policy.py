"""The frontier's policies through real ``scrapy crawl`` runs of the probe spider (tests/frontier/
probe.py) over a real redis-server: what is re-polled and what is kept, seeds, failures, the Bloom
filter, outages that produce new requests, and the single-machine default without Redis."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.frontier.conftest import Worker, frontier_settings, wait_until
from tests.frontier.probe import build_probe_site

PROBE = {"SPIDER_MODULES": "tests.frontier.probe"}


@pytest.fixture
def probe_site(tmp_path: Path) -> tuple[Path, set[str]]:
    root = tmp_path / "site"
    return root, build_probe_site(root)


def run(name: str, tmp_path: Path, settings: dict, args: dict | None = None) -> Worker:
    worker = Worker.start(name, "probe", tmp_path, {**PROBE, **settings}, args)
    worker.wait()
    worker.assert_finished()
    return worker


def articles_fetched(server) -> Counter:
    return Counter(path for path in server.log.paths(status=200) if path.startswith("/probe/a/"))


def test_seeds_with_dont_filter_are_fetched_once_per_run(
    probe_site, mirror_server_factory, redis_server, tmp_path
):
    root, articles = probe_site
    server = mirror_server_factory(root)
    worker = run("w", tmp_path, frontier_settings(server, redis_server), {"repeat_seeds": 3})
    counts = Counter(server.log.paths())
    assert counts["/probe/front-0.html"] == 1 and counts["/probe/front-1.html"] == 1
    assert set(articles_fetched(server)) == articles
    assert max(counts.values()) == 1
    stats = worker.stats()
    assert stats["rficrawl/frontier/duplicates/run"] >= 4  # 2 fronts x 2 repeats, plus siblings
    assert len(worker.items()) == len(articles)


def test_an_article_that_failed_is_fetched_again_next_run(
    probe_site, mirror_server_factory, redis_server, tmp_path
):
    root, articles = probe_site
    missing = "/probe/a/1-2-5.html"
    page = root / missing.lstrip("/")
    body = page.read_bytes()
    page.unlink()
    server = mirror_server_factory(root)
    settings = frontier_settings(server, redis_server)
    run("run1", tmp_path, settings)
    assert set(articles_fetched(server)) == articles - {missing}
    assert server.log.paths(status=404).count(missing) == 1

    page.write_bytes(body)
    server.log.clear()
    second = run("run2", tmp_path, settings)
    # Fronts and lists again, and of the articles only the one that failed.
    assert articles_fetched(server) == Counter({missing: 1})
    assert {"/probe/front-0.html", "/probe/list-1-2.html"} <= set(server.log.paths())
    assert [item["title"] for item in second.items()] == ["1-2-5"]


def test_kept_kinds_setting_decides_what_is_deduplicated_across_runs(
    probe_site, mirror_server_factory, redis_server, tmp_path
):
    root, articles = probe_site
    server = mirror_server_factory(root)
    settings = frontier_settings(server, redis_server, FRONTIER_KEPT_KINDS="")
    run("run1", tmp_path, settings)
    server.log.clear()
    run("run2", tmp_path, settings)
    # With no kept kind, a second run fetches every article again (the store decides instead).
    assert set(articles_fetched(server)) == articles
    assert max(articles_fetched(server).values()) == 1


def test_bloom_filter_keeps_the_same_policy(
    probe_site, mirror_server_factory, redis_server, tmp_path
):
    root, articles = probe_site
    server = mirror_server_factory(root)
    settings = frontier_settings(
        server, redis_server, FRONTIER_DUPEFILTER="bloom", FRONTIER_BLOOM_BITS=1 << 20
    )
    first = run("run1", tmp_path, settings)
    assert set(articles_fetched(server)) == articles
    assert max(Counter(server.log.paths()).values()) == 1
    server.log.clear()
    second = run("run2", tmp_path, settings)
    assert articles_fetched(server) == Counter()
    assert "/probe/front-1.html" in server.log.paths()
    assert second.stats()["rficrawl/frontier/duplicates/kept"] >= len(articles)
    client = redis_server.client()
    assert client.type("rficrawl:probe:seen:kept") == b"string"  # a bitmap, not a set
    assert first.stats()["rficrawl/frontier/dupefilter/kept/bytes"] >= (1 << 20) // 8


def test_an_outage_keeps_new_requests_until_redis_is_back(
    probe_site, mirror_server_factory, redis_server, workers, tmp_path
):
    root, articles = probe_site
    server = mirror_server_factory(root, delay=0.2)
    settings = {**PROBE, **frontier_settings(server, redis_server, CONCURRENT_REQUESTS=2)}
    worker = Worker.start("w", "probe", tmp_path, settings)
    workers.append(worker)
    wait_until(lambda: len(articles_fetched(server)) >= 8, 60, "eight articles", workers)
    redis_server.stop()
    time.sleep(3)
    redis_server.start()
    worker.wait()
    worker.assert_finished()
    stats = worker.stats()
    assert stats["rficrawl/frontier/buffered_during_outage"] > 0
    assert {item["title"] for item in worker.items()} == {
        Path(path).stem for path in articles
    }
    assert " unreachable (" in worker.log() and "is back after" in worker.log()


def test_without_redis_url_a_crawl_uses_scrapys_own_scheduler(
    probe_site, mirror_server_factory, tmp_path
):
    root, articles = probe_site
    server = mirror_server_factory(root)
    settings = {**PROBE, "RFI_BASE_URL": server.base_url, "REDIS_URL": "", "MONGO_URI": "",
                "RFICRAWL_BROWSER_ESCALATE_ENABLED": False, "AUTOTHROTTLE_ENABLED": False}
    worker = run("local", tmp_path, settings, {"repeat_seeds": 2})
    stats = worker.stats()
    assert not [key for key in stats if key.startswith("rficrawl/frontier")]
    assert stats["scheduler/enqueued/memory"] > len(articles)
    assert set(articles_fetched(server)) == articles
    assert "FrontierSeedMiddleware" not in worker.log().split("Enabled spider middlewares")[1][:800]


def test_a_worker_started_while_redis_is_down_waits_for_it(
    probe_site, mirror_server_factory, redis_server, workers, tmp_path
):
    root, articles = probe_site
    server = mirror_server_factory(root)
    redis_server.stop()
    worker = Worker.start("w", "probe", tmp_path, {**PROBE, **frontier_settings(server, redis_server)})
    workers.append(worker)
    wait_until(lambda: " unreachable (" in worker.log(), 60, "the worker to find Redis down", workers)
    time.sleep(1)
    assert worker.proc.poll() is None  # waiting, not crashed
    assert server.log.paths() == []
    redis_server.start()
    worker.wait()
    worker.assert_finished()
    assert set(articles_fetched(server)) == articles


def test_a_stopped_run_is_resumed_by_the_next_worker(
    probe_site, mirror_server_factory, redis_server, workers, tmp_path
):
    root, articles = probe_site
    server = mirror_server_factory(root, delay=0.2)
    settings = {**PROBE, **frontier_settings(server, redis_server, CONCURRENT_REQUESTS=2)}
    first = Worker.start("first", "probe", tmp_path, settings)
    workers.append(first)
    wait_until(lambda: len(articles_fetched(server)) >= 10, 60, "ten articles", workers)
    first.proc.send_signal(signal.SIGINT)  # Ctrl-C: a graceful stop
    first.wait()
    assert first.stats()["finish_reason"] == "shutdown"
    assert "unhandled requests returned to the queue" in first.log()
    assert redis_server.client().zcard("rficrawl:probe:queue") > 0

    second = run("second", tmp_path, settings)
    assert second.stats()["rficrawl/frontier/role"] == "resume"
    assert set(articles_fetched(server)) == articles
    assert max(Counter(server.log.paths()).values()) == 1  # the resumed run fetched nothing twice
    titles = [item["title"] for item in first.items() + second.items()]
    assert sorted(titles) == sorted(Path(path).stem for path in articles)
