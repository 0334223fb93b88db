"""Two scrapyd nodes, one Redis frontier: a scheduled job fired on both crawls each article once.

The deployed project (scrapyd-deploy, as in production) runs `fronts` on both nodes with the same
REDIS_URL; together they must store every article the mirror's fronts list, and the mirror must
see each article requested exactly once.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from rficrawl.cli.main import main
from testbed.build import build_mirror, site_path
from testbed.server import MirrorServer
from tests.support.mirror import hold, mirror_settings
from tests.support.scrapyd import PASSWORD, USERNAME, ScrapydProcess, deploy_to_nodes

pytestmark = pytest.mark.slow


@pytest.fixture
def two_nodes(scrapyd_factory) -> Iterator[dict[str, ScrapydProcess]]:
    nodes = {name: scrapyd_factory(name) for name in ("node1", "node2")}
    deploy_to_nodes(nodes)
    yield nodes


def scraped_count(job_log: str) -> int:
    """item_scraped_count from the stats a crawl dumps at its end (0 when it scraped none)."""
    found = re.search(r"'item_scraped_count': (\d+)", job_log)
    return int(found.group(1)) if found else 0


def test_a_job_fired_on_two_nodes_shares_one_frontier(
    two_nodes, redis_server, mongo_db, tmp_path, monkeypatch, capsys
):
    site = build_mirror(tmp_path / "mirror")
    expected = site.fronts_articles(["cn"], max_pages=2)
    assert len(expected) >= 10
    # A fixed delay per response, as against the real site, and two requests at a time per
    # worker. The articles wait at the mirror until both jobs are in the run (the second scrapyd
    # may start its crawl seconds later on a loaded machine), so both surely find work.
    with MirrorServer(site.root, delay=0.2) as mirror:
        gate = hold(mirror, {site_path(url) for url in expected})
        settings = mirror_settings(
            mirror,
            CONCURRENT_REQUESTS=2,
            CONCURRENT_REQUESTS_PER_DOMAIN=2,
            REDIS_URL=redis_server.url,
            FRONTIER_IDLE_TIMEOUT=5,
            MONGO_URI=mongo_db.uri,
            MONGO_DATABASE=mongo_db.db,
        )
        config = tmp_path / "schedule.toml"
        lines = ['project = "rficrawl"']
        for name, node in two_nodes.items():
            lines += [
                f"[nodes.{name}]",
                f'url = "{node.url}"',
                'username = "${TEST_SCRAPYD_USER}"',
                'password = "${TEST_SCRAPYD_PASSWORD}"',
            ]
        lines += [
            "[jobs.shared]",
            'spider = "fronts"',
            'cron = "0 4 * * *"',
            'args = { editions = "cn", max_pages = 2 }',
            "settings = { "
            + ", ".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())
            + " }",
        ]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.setenv("TEST_SCRAPYD_USER", USERNAME)
        monkeypatch.setenv("TEST_SCRAPYD_PASSWORD", PASSWORD)

        assert main(["schedule", "once", "shared", "--config", str(config)]) == 0
        assert capsys.readouterr().out.count(": fired") == 2
        redis = redis_server.client()
        deadline = time.monotonic() + 180
        while redis.zcard("rficrawl:fronts:workers") < 2:
            assert time.monotonic() < deadline, "the two jobs never both joined the frontier"
            time.sleep(0.1)
        gate.release()
        logs = {}
        for name, node in two_nodes.items():
            jobs = node.wait_for(
                lambda jobs: [e["id"][:7] for e in jobs["finished"]] == ["shared."], timeout=180
            )
            logs[name] = node.job_log("fronts", jobs["finished"][0]["id"])
            assert "Spider closed (finished)" in logs[name], logs[name][-3000:]
        fetched = Counter(mirror.log.paths(status=200))

    # Each node did part of the work, and together they scraped each article once.
    scraped = {name: scraped_count(log) for name, log in logs.items()}
    assert all(count > 0 for count in scraped.values()), scraped
    assert sum(scraped.values()) == len(expected), scraped
    wanted_paths = {site_path(url) for url in expected}
    assert {path: fetched[path] for path in wanted_paths} == dict.fromkeys(wanted_paths, 1)
    stored = {unquote(doc["url"]) for doc in mongo_db.database["articles"].find({}, {"url": 1})}
    assert stored == {unquote(url) for url in expected}
