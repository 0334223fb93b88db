"""The project deployed with scrapyd-deploy to two real scrapyd processes, and scheduled on them.

Both nodes run the project's deploy/scrapyd.conf (authentication, SQLite job storage). Crawls are
real `fronts` crawls of a local mirror built from the real /cn/ front capture.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from rficrawl.cli.main import main
from testbed.captures import capture_bytes
from testbed.server import MirrorServer
from tests.support.mirror import mirror_settings
from tests.support.scrapyd import (
    PASSWORD,
    REPO_ROOT,
    USERNAME,
    ScrapydProcess,
    deploy_to_nodes,
    free_port,
)

pytestmark = pytest.mark.slow

PROJECT = "rficrawl"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ScrapydProcess]]:
    """Two scrapyd nodes with the project deployed by `scrapyd-deploy node1` / `node2`."""
    started: dict[str, ScrapydProcess] = {}
    try:
        for name in ("node1", "node2"):
            started[name] = ScrapydProcess(tmp_path_factory.mktemp(name), free_port()).start()
        for answer in deploy_to_nodes(started).values():
            assert answer["project"] == PROJECT and answer["spiders"] >= 2
        yield started
    finally:
        for node in started.values():
            node.stop()


# The real article capture, at its path on rfi.fr; the real /cn/ front links to it.
ARTICLE_PATH = "cn/政治/20251130-台湾增加400亿美元国防开支-加速部署t-dome防空系统"


@pytest.fixture(scope="module")
def front_mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MirrorServer]:
    """The real /cn/ front and one real article it links to; its other links answer 404."""
    root = tmp_path_factory.mktemp("mirror")
    (root / "cn").mkdir()
    (root / "cn" / "index.html").write_bytes(capture_bytes("cn-home-2025-11-30.html"))
    article = root / ARTICLE_PATH
    article.parent.mkdir(parents=True)
    article.write_bytes(capture_bytes("cn-article-2025-11-30.html"))
    with MirrorServer(root) as server:
        yield server


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SCRAPYD_USER", USERNAME)
    monkeypatch.setenv("TEST_SCRAPYD_PASSWORD", PASSWORD)


def crawl_settings(
    mirror: MirrorServer, mongo_uri: str = "", database: str = ""
) -> dict[str, object]:
    """Settings of a scheduled crawl of the mirror; storage off unless a MongoDB is given."""
    return mirror_settings(mirror, MONGO_URI=mongo_uri, MONGO_DATABASE=database or "rfi")


def schedule_file(
    path: Path,
    nodes: dict[str, str],
    jobs: dict[str, dict],
) -> Path:
    """Write a schedule.toml; node credentials come from the environment, as in production."""
    lines = [f'project = "{PROJECT}"']
    for name, url in nodes.items():
        lines += [
            f"[nodes.{name}]",
            f'url = "{url}"',
            'username = "${TEST_SCRAPYD_USER}"',
            'password = "${TEST_SCRAPYD_PASSWORD}"',
        ]
    for name, job in jobs.items():
        lines += [f"[jobs.{name}]", f'spider = "{job["spider"]}"', f'cron = "{job["cron"]}"']
        lines.append("nodes = [" + ", ".join(f'"{n}"' for n in job["nodes"]) + "]")
        for table in ("args", "settings"):
            items = ", ".join(f"{k} = {json.dumps(v)}" for k, v in job.get(table, {}).items())
            lines.append(f"{table} = {{ {items} }}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wait_for_line(path: Path, text: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until a process's log file holds ``text`` (its start-up is done)."""
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        assert process.poll() is None, path.read_text()
        assert time.monotonic() < deadline, f"{text!r} not logged in {timeout}s: {path.read_text()}"
        time.sleep(0.2)


def runs_of(jobs: dict[str, list[dict]], job_name: str) -> list[tuple[str, dict]]:
    return [
        (state, entry)
        for state in ("pending", "running", "finished")
        for entry in jobs.get(state, [])
        if entry["id"].startswith(job_name + ".")
    ]


def test_scrapyd_refuses_requests_without_credentials(nodes):
    node = nodes["node1"]
    calls = [
        ("daemonstatus.json", "GET", {}),
        ("listjobs.json", "GET", {"params": {"project": PROJECT}}),
        ("schedule.json", "POST", {"data": {"project": PROJECT, "spider": "fronts"}}),
        ("delproject.json", "POST", {"data": {"project": PROJECT}}),
    ]
    for endpoint, method, kwargs in calls:
        assert node.api(endpoint, method, auth=False, **kwargs).status_code == 401, endpoint
    wrong = ScrapydProcess(node.workdir, node.port, password="not-the-password")
    assert wrong.api("daemonstatus.json").status_code == 401
    # Nothing was queued or deleted by the refused calls.
    assert node.api("listspiders.json", params={"project": PROJECT}).json()["status"] == "ok"
    assert node.api("daemonstatus.json").json()["pending"] == 0


def test_deploy_targets_come_from_scrapy_cfg(nodes):
    env = {**os.environ, "SCRAPYD_NODE1_URL": "http://10.0.0.11:6800"}
    out = subprocess.run(
        [str(Path(sys.executable).parent / "scrapyd-client"), "targets"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "node1" in out and "http://10.0.0.11:6800" in out and "local" in out
    for node in nodes.values():
        spiders = node.api("listspiders.json", params={"project": PROJECT}).json()["spiders"]
        assert {"fronts", "article"} <= set(spiders)
        versions = node.api("listversions.json", params={"project": PROJECT}).json()["versions"]
        assert len(versions) == 1
        assert list((node.workdir / "eggs" / PROJECT).glob("*.egg"))


def test_schedule_fires_on_both_nodes_and_the_crawls_run(
    nodes, front_mirror, tmp_path, credentials, mongo_db, capsys
):
    config = schedule_file(
        tmp_path / "schedule.toml",
        {name: node.url for name, node in nodes.items()},
        {
            "demo-fronts": {
                "spider": "fronts",
                "cron": "*/2 * * * * *",  # every 2 seconds: fires again while a run is going on
                "nodes": ["node1", "node2"],
                "args": {"editions": "cn", "max_pages": 1},
                "settings": crawl_settings(front_mirror, mongo_db.uri, mongo_db.db),
            }
        },
    )
    log_path = tmp_path / "scheduler.log"
    env = {**os.environ, "TEST_SCRAPYD_USER": USERNAME, "TEST_SCRAPYD_PASSWORD": PASSWORD}
    with log_path.open("w") as log:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "rficrawl", "schedule", "run", "--config", str(config)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            finished = {
                name: node.wait_for(
                    lambda jobs: any(s == "finished" for s, _ in runs_of(jobs, "demo-fronts")),
                    timeout=150,
                )
                for name, node in nodes.items()
            }
        finally:
            scheduler.send_signal(signal.SIGTERM)
            code = scheduler.wait(timeout=30)
    text = log_path.read_text()
    assert code == 0, text
    assert "Traceback" not in text
    for name, node in nodes.items():
        assert f"job demo-fronts on node {name}: fired" in text
        runs = runs_of(node.jobs(), "demo-fronts")
        done = [
            entry for state, entry in runs_of(finished[name], "demo-fronts") if state == "finished"
        ]
        job_log = node.job_log("fronts", done[0]["id"])
        assert "Spider closed (finished)" in job_log, job_log[-3000:]
        # REMOTE_CONTROL_ENABLED stays False in scrapyd's crawls: the extension is not enabled.
        assert "Enabled extensions" in job_log
        assert "extensions.remote_control.RemoteControl" not in job_log
        assert "Remote control HTTP server" not in job_log
        # Never two runs of the job at once on a node: finished runs do not overlap, and at most
        # one run is pending or running.
        spans = sorted(
            (datetime.fromisoformat(e["start_time"]), datetime.fromisoformat(e["end_time"]))
            for state, e in runs
            if state == "finished"
        )
        assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(spans))
        assert len([state for state, _ in runs if state != "finished"]) <= 1
    # Each node's crawl fetched the front from the mirror; the article is in the archive once,
    # under its public URL (a crawl that starts after it was stored skips it as known).
    assert front_mirror.log.count("/cn/") >= 2
    assert front_mirror.log.count("/" + ARTICLE_PATH) >= 1
    stored = list(mongo_db.database["articles"].find({}, {"url": 1}))
    # `rficrawl nodes` shows each node's last finished run of the job.
    assert main(["nodes", "--config", str(config), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for entry in report:
        last = entry["last_finished"]["demo-fronts"]
        assert last["id"].startswith("demo-fronts.") and last["end_time"] >= last["start_time"]
    assert main(["nodes", "--config", str(config)]) == 0
    table = capsys.readouterr().out
    assert "last finished run of each scheduled job" in table
    assert table.count("demo-fronts") >= 2
    assert [unquote(doc["url"]) for doc in stored] == [f"https://www.rfi.fr/{ARTICLE_PATH}"], stored


def test_running_job_is_not_started_twice(nodes, tmp_path, tmp_path_factory, credentials, capsys):
    root = tmp_path_factory.mktemp("slow-mirror")
    (root / "cn").mkdir()
    (root / "cn" / "index.html").write_bytes(capture_bytes("cn-home-2025-11-30.html"))
    slow = MirrorServer(root, delay=90).start()  # every response takes 90 s: the crawl hangs on
    config = schedule_file(
        tmp_path / "schedule.toml",
        {name: node.url for name, node in nodes.items()},
        {
            "slow-fronts": {
                "spider": "fronts",
                "cron": "0 4 * * *",
                "nodes": ["node1", "node2"],
                "args": {"editions": "cn", "max_pages": 1},
                "settings": {**crawl_settings(slow), "DOWNLOAD_TIMEOUT": 120},
            }
        },
    )
    try:
        assert main(["schedule", "once", "slow-fronts", "--config", str(config)]) == 0
        out = capsys.readouterr().out
        assert out.count("slow-fronts on node") == 2 and out.count(": fired") == 2, out
        for node in nodes.values():
            node.wait_for(
                lambda jobs: [s for s, _ in runs_of(jobs, "slow-fronts")] == ["running"], timeout=60
            )
        # Fired again (by hand, and by the scheduler every second): skipped on both nodes.
        assert main(["schedule", "once", "slow-fronts", "--config", str(config)]) == 0
        out = capsys.readouterr().out
        assert out.count("skipped: still running") == 2, out
        assert "fired" not in out
        every_second = schedule_file(
            tmp_path / "every-second.toml",
            {name: node.url for name, node in nodes.items()},
            {
                "slow-fronts": {
                    "spider": "fronts",
                    "cron": "* * * * * *",
                    "nodes": ["node1", "node2"],
                    "args": {"editions": "cn", "max_pages": 1},
                    "settings": crawl_settings(slow),
                }
            },
        )
        env = {**os.environ, "TEST_SCRAPYD_USER": USERNAME, "TEST_SCRAPYD_PASSWORD": PASSWORD}
        log_path = tmp_path / "scheduler.log"
        with log_path.open("w") as log_file:
            scheduler = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "rficrawl",
                    "schedule",
                    "run",
                    "--config",
                    str(every_second),
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            wait_for_line(log_path, "next fires at", scheduler)
            time.sleep(5)  # five firings, one a second
            scheduler.send_signal(signal.SIGTERM)
            scheduler.wait(timeout=30)
        log = log_path.read_text()
        assert scheduler.returncode == 0, log
        assert log.count("job slow-fronts on node node1: skipped: still running") >= 2, log
        assert log.count("job slow-fronts on node node2: skipped: still running") >= 2, log
        assert ": fired" not in log
        for node in nodes.values():
            assert [s for s, _ in runs_of(node.jobs(), "slow-fronts")] == ["running"]

        # `rficrawl nodes` shows both nodes up, and the running crawl on each.
        assert main(["nodes", "--config", str(config)]) == 0
        table = capsys.readouterr().out
        assert table.count("slow-fronts.") == 2 and table.count("running") >= 2, table
        for name, node in nodes.items():
            assert name in table and node.url in table
        assert main(["nodes", "--config", str(config), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert [entry["state"] for entry in report] == ["ok", "ok"]
        assert all(len(entry["running"]) >= 1 for entry in report)
        assert all(entry["status"]["running"] >= 1 for entry in report)

        # `schedule cancel --force` stops the hung runs at once (a plain cancel would wait for the
        # 90 s responses in flight).
        assert main(["schedule", "cancel", "slow-fronts", "--force", "--config", str(config)]) == 0
        out = capsys.readouterr().out
        assert out.count("cancelled slow-fronts.") == 2 and "(running)" in out, out
        for node in nodes.values():
            node.wait_for(
                lambda jobs: [s for s, _ in runs_of(jobs, "slow-fronts")] == ["finished"],
                timeout=60,
            )
        assert main(["schedule", "cancel", "slow-fronts", "--config", str(config)]) == 0
        assert capsys.readouterr().out.count("nothing pending or running") == 2
    finally:
        for node in nodes.values():
            node.cancel_all()
        slow.stop()


def test_unreachable_node_and_wrong_credentials_are_reported(
    nodes, front_mirror, tmp_path, credentials, capsys, monkeypatch
):
    config = schedule_file(
        tmp_path / "schedule.toml",
        {"node1": nodes["node1"].url, "ghost": f"http://127.0.0.1:{free_port()}"},
        {
            "quick": {
                "spider": "fronts",
                "cron": "0 4 * * *",
                "nodes": ["ghost", "node1"],
                "args": {"editions": "cn", "max_pages": 1},
                "settings": crawl_settings(front_mirror),
            }
        },
    )
    assert main(["schedule", "once", "quick", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "job quick on node ghost: skipped: node unreachable" in out
    assert "job quick on node node1: fired" in out  # one dead node spares the others
    assert main(["nodes", "--config", str(config)]) == 1
    assert "unreachable" in capsys.readouterr().out

    monkeypatch.setenv("TEST_SCRAPYD_PASSWORD", "wrong")
    assert main(["schedule", "once", "quick", "--node", "node1", "--config", str(config)]) == 1
    assert "credentials refused (401)" in capsys.readouterr().out
    assert main(["nodes", "--config", str(config), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {entry["node"]: entry["state"] for entry in report} == {
        "node1": "refused",
        "ghost": "unreachable",
    }
    nodes["node1"].wait_for(
        lambda jobs: [s for s, _ in runs_of(jobs, "quick")] == ["finished"], timeout=120
    )


def test_job_history_survives_a_restart(nodes, front_mirror):
    node = nodes["node1"]
    answer = node.api(
        "schedule.json",
        "POST",
        data=[
            ("project", PROJECT),
            ("spider", "fronts"),
            ("jobid", "history-check"),
            ("editions", "cn"),
            ("max_pages", "1"),
            *(("setting", f"{k}={v}") for k, v in crawl_settings(front_mirror).items()),
        ],
    ).json()
    assert answer["status"] == "ok", answer
    node.wait_for(lambda jobs: "history-check" in {e["id"] for e in jobs["finished"]}, timeout=120)
    before = {entry["id"] for entry in node.jobs()["finished"]}
    node.stop()
    node.start()
    after = {entry["id"] for entry in node.jobs()["finished"]}
    assert "history-check" in after and before <= after
    assert (node.workdir / "dbs" / "jobs.db").exists()


def test_a_node_without_the_project_says_how_to_deploy(
    scrapyd_factory, front_mirror, tmp_path, credentials, capsys
):
    bare = scrapyd_factory("bare")
    config = schedule_file(
        tmp_path / "schedule.toml",
        {"bare": bare.url},
        {
            "quick": {
                "spider": "fronts",
                "cron": "0 4 * * *",
                "nodes": ["bare"],
                "settings": crawl_settings(front_mirror),
            }
        },
    )
    assert main(["schedule", "once", "quick", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "job quick on node bare: failed" in out
    assert "project 'rficrawl' not found; deploy it first: scrapyd-deploy bare" in out
    assert bare.api("daemonstatus.json").json()["pending"] == 0
