"""The production files of deploy/: compose stack, Dockerfile, systemd units, scrapyd.conf, egg.

Docker is not run here (no engine on the test machines): the compose file is checked as YAML and
for the structure the stack relies on; the systemd units go through `systemd-analyze verify`.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_the_whole_stack(compose):
    services = compose["services"]
    assert {"mongo", "redis", "scrapyd1", "scrapyd2", "scheduler", "deploy"} <= set(services)
    workers = [name for name in services if name.startswith("scrapyd")]
    for name in [*workers, "scheduler", "deploy"]:
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        env = service["environment"]
        # Credentials are required from the environment, never written in the file.
        assert env["SCRAPYD_PASSWORD"].startswith("${SCRAPYD_PASSWORD:?"), name
        assert env["SCRAPYD_USERNAME"].startswith("${SCRAPYD_USERNAME:?"), name
        assert env["MONGO_URI"].startswith("mongodb://mongo:")
        assert env["REDIS_URL"].startswith("redis://redis:")
        if name != "deploy":
            assert service["depends_on"]["mongo"]["condition"] == "service_healthy", name
    volumes = [
        service["volumes"][0].split(":")[0] for name, service in services.items() if name in workers
    ]
    assert len(set(volumes)) == len(workers), "each worker keeps its own eggs, logs and history"
    assert all(v in compose["volumes"] for v in volumes)
    assert "--appendonly" in services["redis"]["command"]
    assert services["deploy"]["profiles"] == ["tools"]


def test_compose_scheduler_knows_every_worker(compose):
    services = compose["services"]
    workers = sorted(name for name in services if name.startswith("scrapyd"))
    env = services["scheduler"]["environment"]
    urls = sorted(value for key, value in env.items() if re.fullmatch(r"SCRAPYD_NODE\d+_URL", key))
    assert urls == [f"http://{name}:6800" for name in workers]
    assert env["RFICRAWL_SCHEDULE"] == "/etc/rficrawl/schedule.toml"
    assert "./schedule.toml:/etc/rficrawl/schedule.toml:ro" in services["scheduler"]["volumes"]
    assert services["scheduler"]["command"] == ["rficrawl", "schedule", "run"]
    for name in workers:
        assert services["scheduler"]["depends_on"][name]["condition"] == "service_healthy"
    # The deploy job uploads to every worker that the scheduler fires on.
    script = services["deploy"]["command"][0]
    assert sorted(re.findall(r"scrapyd-deploy (node\d+)", script)) == [
        f"node{i + 1}" for i in range(len(workers))
    ]


def test_dockerfile_installs_what_it_runs():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    copied = re.findall(r"^COPY (.+) \S+$", text, flags=re.MULTILINE)
    for line in copied:
        for name in line.split():
            assert (REPO_ROOT / name).exists(), f"Dockerfile copies {name}, which does not exist"
    assert "/etc/scrapyd/scrapyd.conf" in text
    assert 'CMD ["scrapyd", "--pidfile="]' in text
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    for name in ("requirements.txt", "rficrawl/", "deploy/", "setup.py", "scrapy.cfg"):
        assert f"!{name}" in ignore


def test_scrapyd_conf_keeps_history_and_requires_env_credentials():
    config = configparser.ConfigParser()
    config.read(DEPLOY / "scrapyd.conf")
    scrapyd = config["scrapyd"]
    assert scrapyd["jobstorage"] == "scrapyd.jobstorage.SqliteJobStorage"
    assert scrapyd["spiderqueue"] == "scrapyd.spiderqueue.SqliteSpiderQueue"
    for key in ("eggs_dir", "logs_dir", "dbs_dir", "jobs_dir"):
        assert scrapyd[key] and not scrapyd[key].startswith("/"), key  # per working directory
    assert 0 < int(scrapyd["jobs_to_keep"]) and 0 < int(scrapyd["finished_to_keep"])
    assert scrapyd["username"] == "" and scrapyd["password"] == ""  # from SCRAPYD_* only
    assert scrapyd["bind_address"] == "127.0.0.1"


def test_systemd_units_verify(tmp_path):
    # Debian's systemd package; scripts/setup.sh --dev installs it. It needs no running systemd.
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: run scripts/setup.sh --dev (Debian package systemd)")
    units = sorted((DEPLOY / "systemd").glob("*.service")) + sorted(
        (DEPLOY / "systemd").glob("*.timer")
    )
    assert {u.name for u in units} >= {
        "scrapyd@.service",
        "rficrawl-scheduler.service",
        "rficrawl-prune-jobdirs.timer",
    }
    checked = []
    for unit in units:
        # Point the units at this checkout so verify can check that every command exists.
        text = unit.read_text(encoding="utf-8").replace("/opt/rficrawl", str(REPO_ROOT))
        name = unit.name.replace("@.service", "@6800.service")
        (tmp_path / name).write_text(text, encoding="utf-8")
        checked.append(str(tmp_path / name))
    result = subprocess.run(
        ["systemd-analyze", "verify", *checked], capture_output=True, text=True, check=False
    )
    problems = [
        line
        for line in result.stderr.splitlines()
        if re.search(r"Unknown|ignoring|Invalid|not executable|Failed", line)
        and "Failed to connect to bus" not in line
    ]
    assert result.returncode == 0 and not problems, result.stderr


def test_systemd_units_require_credentials_and_run_the_venv():
    scrapyd = (DEPLOY / "systemd" / "scrapyd@.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/rficrawl/.venv/bin/scrapyd --pidfile=" in scrapyd
    assert "Environment=SCRAPYD_HTTP_PORT=%i" in scrapyd
    assert "WorkingDirectory=/var/lib/rficrawl/scrapyd-%i" in scrapyd
    check = re.search(r"^ExecStartPre=/bin/sh -c '(.+)'$", scrapyd, flags=re.MULTILINE).group(1)
    env = {"PATH": os.environ["PATH"]}
    refused = subprocess.run(
        ["sh", "-c", check], check=False, env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1 and "SCRAPYD_PASSWORD" in refused.stderr
    ok = subprocess.run(
        ["sh", "-c", check],
        check=False,
        env={**env, "SCRAPYD_USERNAME": "a", "SCRAPYD_PASSWORD": "b"},
    )
    assert ok.returncode == 0


def test_scrapyd_deploy_builds_an_egg_of_the_project(tmp_path):
    egg = tmp_path / "rficrawl.egg"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "scrapyd-deploy"), "--build-egg", str(egg)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    # Every file of the package that git knows (code and data such as editions.toml) is in the
    # egg: scrapyd runs the egg, not this checkout, so a missing data file breaks only there.
    tracked = subprocess.run(
        ["git", "ls-files", "rficrawl"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "rficrawl/editions.toml" in tracked and "rficrawl/spiders/fronts.py" in tracked
    missing = sorted(set(tracked) - names)
    assert not missing, f"not packaged by scrapyd-deploy (add to package-data): {missing}"
    # Nothing of development: tests, benches, the test bed (mirror, builder, pages).
    assert not any(name.startswith(("tests/", "bench/", "testbed/")) for name in names), sorted(names)
    assert re.search(r"\[scrapy\]\s*settings = rficrawl.settings", entry_points)


def test_prune_jobdirs_removes_only_old_crawl_dirs(tmp_path):
    jobs = tmp_path / "jobs"
    old = jobs / "rficrawl" / "fronts" / "fronts.20260101T000000Z"
    running = jobs / "rficrawl" / "archive" / "archive.20260101T000000Z"
    fresh = jobs / "rficrawl" / "fronts" / "fronts.20261126T000000Z"
    for jobdir in (old, running, fresh):
        (jobdir / "requests.queue").mkdir(parents=True)
        (jobdir / "requests.seen").write_text("fp\n")
    ten_days_ago = time.time() - 10 * 86400
    for path in [*old.rglob("*"), old, *running.rglob("*"), running]:
        os.utime(path, (ten_days_ago, ten_days_ago))
    (running / "requests.seen").write_text("fp\nfp2\n")  # an old crawl that still writes
    result = subprocess.run(
        [str(DEPLOY / "prune-jobdirs.sh"), "--days", "7", str(jobs), str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not old.exists() and running.exists() and fresh.exists()
    assert result.stdout.strip() == f"removed {old}"
    usage = subprocess.run(
        [str(DEPLOY / "prune-jobdirs.sh")], capture_output=True, text=True, check=False
    )
    assert usage.returncode == 2 and "usage" in usage.stderr
