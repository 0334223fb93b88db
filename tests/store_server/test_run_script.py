"""scripts/run.sh, the README's main job, crawling a local mirror (never rfi.fr) into the store."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pymongo
import pytest
from pymongo.errors import PyMongoError

from rficrawl.ops.mongo import ping, start_server
from rficrawl.ops.process import free_port
from testbed.build import build_mirror

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
    env.update(env_extra)
    return subprocess.run([str(ROOT / "scripts" / "run.sh"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture
def mirror(tmp_path, mirror_server_factory):
    site = build_mirror(tmp_path / "site", use_captures=False)
    return site, mirror_server_factory(site.root)


def test_run_starts_the_embedded_server_crawls_into_it_and_stops_it(mirror, tmp_path):
    site, server = mirror
    port = free_port()
    data = tmp_path / "data"
    stats_file = tmp_path / "stats.json"
    result = _run({"RFICRAWL_DATA": str(data), "RFICRAWL_MONGO_PORT": str(port)},
                  "-a", "editions=cn", "-s", f"RFI_BASE_URL={server.base_url}",
                  "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                  "-s", f"STATS_FILE={stats_file}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "run: starting the embedded MongoDB server" in result.stderr
    assert "run: stopping the embedded MongoDB server" in result.stderr
    with pytest.raises(PyMongoError):  # stopped when the crawl ended
        ping(f"mongodb://127.0.0.1:{port}", timeout=0.5)

    # Every article the /cn/ fronts list (the mirror says which), stored once.
    expected = site.fronts_articles(["cn"])
    stats = json.loads(stats_file.read_text())
    assert stats.get("rficrawl/store/new") == len(expected)

    # The data outlived the server: start it again on the same folder and read the articles back.
    with start_server(data / "mongo") as again, pymongo.MongoClient(again.uri) as client:
        urls = {doc["url"] for doc in client.rfi.articles.find({}, {"url": 1})}
    assert urls == expected


def test_run_uses_a_server_already_answering_and_leaves_it_running(mirror, mongo_db, mongo_server, tmp_path):
    if mongo_server.kind == "external":
        pytest.skip("MONGO_URI points at an external server; its port is not ours to test")
    site, server = mirror
    port = mongo_server.uri.rsplit(":", 1)[1]
    result = _run({"RFICRAWL_DATA": str(tmp_path / "data"), "RFICRAWL_MONGO_PORT": port},
                  "-a", "editions=cn", "-s", f"RFI_BASE_URL={server.base_url}",
                  "-s", "DOWNLOAD_DELAY=0", "-s", f"MONGO_DATABASE={mongo_db.db}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"run: storing into the server already running at {mongo_server.uri}" in result.stderr
    assert "embedded" not in result.stderr
    assert ping(mongo_server.uri)["ok"]
    stored = {doc["url"] for doc in mongo_db.database.articles.find({}, {"url": 1})}
    assert stored == site.fronts_articles(["cn"])
    assert not (tmp_path / "data").exists()


def test_run_without_setup_says_what_to_do(tmp_path):
    script = tmp_path / "scripts" / "run.sh"
    script.parent.mkdir()
    script.write_bytes((ROOT / "scripts" / "run.sh").read_bytes())
    script.chmod(0o755)
    result = subprocess.run([str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "run scripts/setup.sh first" in result.stderr
