"""The real spiders, several ``scrapy crawl`` workers, one real redis-server, the local mirror.

Each test checks the mirror's request log (what was fetched, how often) against the site's own
description (testbed/build.py), not against the crawlers' output.
"""

from __future__ import annotations

from collections import Counter

from rficrawl import urls
from testbed.build import site_path
from tests.frontier.conftest import Worker, frontier_settings, inflight_of, wait_until
from tests.support.mirror import hold

ARGS = {"editions": "cn"}


def article_requests(server) -> Counter:
    """Decoded article paths requested from the mirror, with their counts (2xx answers only)."""
    return Counter(
        path for path in server.log.paths(status=200)
        if urls.classify(path, server.base_url).is_article
    )


def pages_fetched_twice(server) -> dict[str, int]:
    """Pages (robots.txt aside: each worker reads it once) requested more than once."""
    counts = Counter(path for path in server.log.paths() if path != "/robots.txt")
    return {path: n for path, n in counts.items() if n > 1}


def expected_paths(site) -> set[str]:
    return {site_path(url) for url in site.fronts_articles(["cn"])}


def test_two_workers_share_the_work_and_fetch_every_article_once(
    site, mirror_server_factory, redis_server, workers, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.05)
    # Articles wait at the mirror until both workers are in the run, so that the second one
    # (whose start-up may take seconds on a loaded machine) surely finds work left.
    gate = hold(server, expected_paths(site))
    settings = frontier_settings(server, redis_server, CONCURRENT_REQUESTS=2)
    workers += [Worker.start(name, "fronts", tmp_path, settings, ARGS) for name in ("w1", "w2")]
    client = redis_server.client()
    wait_until(lambda: client.zcard("rficrawl:fronts:workers") == 2, 120,
               "both workers to register in the frontier", workers)
    gate.release()
    for worker in workers:
        worker.wait()
        worker.assert_finished()

    fetched = article_requests(server)
    expected = expected_paths(site)
    assert len(expected) > 50
    assert set(fetched) == expected
    assert max(fetched.values()) == 1, [p for p, n in fetched.items() if n > 1]
    # No page of any kind was fetched twice within the run.
    assert pages_fetched_twice(server) == {}
    # Both did part of the work, and together they scraped every article once.
    per_worker = [{item["url"] for item in worker.items()} for worker in workers]
    assert all(len(urls_) >= 5 for urls_ in per_worker), [len(u) for u in per_worker]
    assert not per_worker[0] & per_worker[1]
    assert per_worker[0] | per_worker[1] == site.fronts_articles(["cn"])
    roles = sorted(worker.stats()["rficrawl/frontier/role"] for worker in workers)
    assert roles == ["join", "seed"]
    # The frontier is left empty: queue drained, no worker registered, no run open.
    client = redis_server.client()
    assert client.zcard("rficrawl:fronts:queue") == 0
    assert client.zcard("rficrawl:fronts:workers") == 0
    assert not client.exists("rficrawl:fronts:run")


def test_second_run_repolls_fronts_but_fetches_no_article_again(
    site, mirror_server_factory, redis_server, workers, tmp_path
):
    server = mirror_server_factory(site.root)
    settings = frontier_settings(server, redis_server)
    first = Worker.start("run1", "fronts", tmp_path, settings, ARGS)
    workers.append(first)
    first.wait()
    first.assert_finished()
    assert set(article_requests(server)) == expected_paths(site)
    fronts_first = Counter(server.log.paths())["/cn/"]
    server.log.clear()

    second = Worker.start("run2", "fronts", tmp_path, settings, ARGS)
    workers.append(second)
    second.wait()
    second.assert_finished()
    requested = server.log.paths()
    assert fronts_first == 1
    assert requested.count("/cn/") == 1  # the front was fetched again
    assert len(requested) > 5  # and its lists
    assert article_requests(server) == Counter()  # but no article seen in the first run
    assert second.items() == []
    stats = second.stats()
    assert stats["rficrawl/frontier/role"] == "seed"  # a new run, not a join of the old one
    assert stats["rficrawl/frontier/duplicates/kept"] >= len(expected_paths(site))


def test_workers_exit_once_the_frontier_is_idle(
    site, mirror_server_factory, redis_server, workers, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.05)
    # The first worker's articles wait at the mirror (after five) until the late one has joined.
    gate = hold(server, expected_paths(site), pass_first=5)
    settings = frontier_settings(server, redis_server, FRONTIER_IDLE_TIMEOUT=3)
    first = Worker.start("first", "fronts", tmp_path, settings, ARGS)
    workers.append(first)
    gate.wait_for(6)
    # A worker that joins a running crawl stops on its own, as does the one that opened it.
    late = Worker.start("joiner", "fronts", tmp_path, settings, ARGS)
    workers.append(late)
    wait_until(lambda: "joins run" in late.log(), 120, "the late worker to join", workers)
    gate.release()
    for worker in (first, late):
        worker.wait(timeout=120)
        worker.assert_finished()
        log = worker.log()
        empty_at = log.index("Frontier: empty")
        assert log.index("Closing spider (finished)") > empty_at
    assert late.stats()["rficrawl/frontier/role"] == "join"
    assert late.stats()["rficrawl/frontier/seeds/left_to_seeder"] >= 1
    assert pages_fetched_twice(server) == {}


def is_article(url: str, server) -> bool:
    return urls.classify(url, server.base_url).is_article


def test_a_worker_killed_mid_crawl_loses_nothing(
    site, mirror_server_factory, redis_server, workers, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.5)
    settings = frontier_settings(server, redis_server, CONCURRENT_REQUESTS=2)
    victim = Worker.start("victim", "fronts", tmp_path, settings, ARGS)
    workers.append(victim)
    client = redis_server.client()
    wait_until(
        lambda: any(is_article(url, server) for url in inflight_of(client, victim).values()),
        90,
        "the victim to hold article requests",
        workers,
    )
    survivor = Worker.start("survivor", "fronts", tmp_path, settings, ARGS)
    workers.append(survivor)
    wait_until(lambda: "joins run" in survivor.log(), 90, "the survivor to join", workers)
    victim.kill()
    held = inflight_of(client, victim)  # what it had taken and not finished, as Redis saw it
    assert held
    survivor.wait()
    survivor.assert_finished()

    # Everything the victim held went back to the queue and the survivor handled it.
    stats = survivor.stats()
    assert stats["rficrawl/frontier/requeued_from_dead_workers"] >= len(held)
    survivor_paths = {site_path(item["url"]) for item in survivor.items()}
    held_articles = {site_path(url) for url in held.values() if is_article(url, server)}
    assert held_articles <= survivor_paths
    # Every article was fetched; the only ones fetched twice are those the victim died holding.
    fetched = article_requests(server)
    assert set(fetched) == expected_paths(site)
    twice = {path for path, n in fetched.items() if n > 1}
    assert twice <= held_articles
    assert not client.keys("rficrawl:fronts:inflight:*")


def test_redis_restarted_mid_crawl_loses_no_request(
    site, mirror_server_factory, redis_server, workers, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.3)
    settings = frontier_settings(server, redis_server, CONCURRENT_REQUESTS=2)
    workers += [Worker.start(name, "fronts", tmp_path, settings, ARGS) for name in ("w1", "w2")]
    wait_until(
        lambda: len(article_requests(server)) >= 10
        and all("Frontier: worker" in w.log() for w in workers),
        90,
        "both workers in the run and ten articles fetched",
        workers,
    )
    redis_server.stop()
    during = len(server.log)
    # The outage lasts until both workers have noticed it.
    wait_until(lambda: all(" unreachable (" in w.log() for w in workers), 60,
               "both workers to notice the outage", workers)
    redis_server.start()
    for worker in workers:
        worker.wait()
        worker.assert_finished()
        log = worker.log()
        assert " unreachable (" in log and "is back after" in log, log[-3000:]
    assert len(server.log) > during + 10  # the crawl went on after the outage
    fetched = article_requests(server)
    assert set(fetched) == expected_paths(site)
    scraped = set().union(*({item["url"] for item in w.items()} for w in workers))
    assert scraped == site.fronts_articles(["cn"])


def test_killed_worker_leaves_no_article_missing_in_mongodb(
    site, mirror_server_factory, redis_server, mongo_db, workers, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.5)
    # With REDIS_URL set the storage pipeline acknowledges writes (STORE_ACK_WRITES): an item
    # leaves it only once stored, so a request is released only once its article is in MongoDB,
    # whatever the batch size (docs/frontier.md).
    settings = frontier_settings(
        server, redis_server, CONCURRENT_REQUESTS=2, MONGO_URI=mongo_db.uri,
        MONGO_DATABASE=mongo_db.db,
    )
    victim = Worker.start("victim", "fronts", tmp_path, settings, ARGS)
    workers.append(victim)
    client = redis_server.client()
    wait_until(
        lambda: len(article_requests(server)) >= 6
        and any(is_article(url, server) for url in inflight_of(client, victim).values()),
        120,
        "the victim to store articles and hold more",
        workers,
    )
    survivor = Worker.start("survivor", "fronts", tmp_path, settings, ARGS)
    workers.append(survivor)
    wait_until(lambda: "joins run" in survivor.log(), 90, "the survivor to join", workers)
    victim.kill()
    assert inflight_of(client, victim)
    survivor.wait()
    survivor.assert_finished()

    stored = {doc["url"] for doc in mongo_db.database["articles"].find({}, {"url": 1})}
    assert stored == site.fronts_articles(["cn"])
    assert survivor.stats()["rficrawl/frontier/requeued_from_dead_workers"] >= 1
