"""deploy/schedule.toml: loading, validation errors, cron semantics, job ids."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rficrawl.cli.main import main
from rficrawl.schedule.config import ScheduleError, load_schedule, parse_cron
from rficrawl.schedule.firing import active_runs, job_id, job_name_of

REPO_ROOT = Path(__file__).resolve().parents[2]
SPIDERS = {"fronts", "article"}

GOOD = """
project = "rficrawl"
[nodes.a]
url = "http://127.0.0.1:6800/"
username = "${TEST_SCRAPYD_USER}"
password = "${TEST_SCRAPYD_PASSWORD}"
[nodes.b]
url = "http://127.0.0.1:6801"
[jobs.fronts-hourly]
spider = "fronts"
cron = "7 * * * *"
args = { editions = "cn", max_pages = 2, deep = true }
settings = { MONGO_URI = "${TEST_MONGO_URI}", FEEDS = { "out.jsonl" = { format = "jsonlines" } } }
[jobs.weekly]
spider = "article"
cron = "0 3 * * 1-5"
nodes = ["b"]
"""


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SCRAPYD_USER", "archivist")
    monkeypatch.setenv("TEST_SCRAPYD_PASSWORD", "s3cret")
    monkeypatch.setenv("TEST_MONGO_URI", "mongodb://archivist:pw@10.0.0.10/rficrawl")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedule.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_schedule_loads_with_env_credentials(tmp_path, credentials):
    schedule = load_schedule(write(tmp_path, GOOD), spiders=SPIDERS)
    a = schedule.nodes["a"]
    assert (a.url, a.username, a.password) == ("http://127.0.0.1:6800", "archivist", "s3cret")
    assert "s3cret" not in repr(a)
    job = schedule.jobs["fronts-hourly"]
    assert job.nodes == ("a", "b")  # default: every node
    assert job.args == {"editions": "cn", "max_pages": "2", "deep": "True"}
    assert job.settings["FEEDS"] == '{"out.jsonl": {"format": "jsonlines"}}'
    assert job.settings["MONGO_URI"] == "mongodb://archivist:pw@10.0.0.10/rficrawl"
    assert schedule.jobs["weekly"].nodes == ("b",)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('cron = "7 * * * *"', 'cron = "61 * * * *"', "bad cron expression '61 * * * *'"),
        ('cron = "7 * * * *"', 'cron = "7 * * *"', "expected 5 fields"),
        ('cron = "0 3 * * 1-5"', 'cron = "0 3 * * 9"', "weekday 9 is out of range"),
        (
            'spider = "fronts"',
            'spider = "frontz"',
            "unknown spider 'frontz' (spiders: article, fronts)",
        ),
        ('nodes = ["b"]', 'nodes = ["c"]', "unknown node 'c' (nodes: a, b)"),
        ('nodes = ["b"]', "nodes = []", "nodes must be a non-empty list"),
        ('spider = "article"', 'spidr = "article"', "unknown key(s) spidr"),
        ("[jobs.weekly]", "[jobs.'bad.name']", "job name 'bad.name'"),
        ('url = "http://127.0.0.1:6801"', 'url = "127.0.0.1:6801"', "is not an http(s) URL"),
        ('project = "rficrawl"', 'timezone = "Mars/Olympus"', "unknown timezone 'Mars/Olympus'"),
        (
            "${TEST_SCRAPYD_PASSWORD}",
            "${TEST_SCRAPYD_UNSET}",
            "TEST_SCRAPYD_UNSET, which is not set",
        ),
        ("[nodes.b]", "[nodes.b", "not valid TOML"),
    ],
)
def test_validation_errors_name_the_entry_and_the_fix(tmp_path, credentials, replace, by, message):
    assert replace in GOOD
    path = write(tmp_path, GOOD.replace(replace, by, 1))
    with pytest.raises(ScheduleError) as error:
        load_schedule(path, spiders=SPIDERS)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(
        ScheduleError, match="not found; pass --config PATH or set RFICRAWL_SCHEDULE"
    ):
        load_schedule(tmp_path / "nope.toml", spiders=SPIDERS)


def test_cli_reports_a_bad_schedule_in_one_line(tmp_path, credentials, capsys):
    path = write(tmp_path, GOOD.replace('spider = "fronts"', 'spider = "nope"'))
    assert main(["schedule", "list", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rficrawl schedule: ") and "unknown spider 'nope'" in err
    assert "Traceback" not in err


def test_crontab_weekdays_count_from_sunday():
    # 2026-11-26 is a Thursday. "1-5" in crontab is Monday to Friday; "0" and "7" are Sunday.
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    weekdays = parse_cron("0 3 * * 1-5").get_next_fire_time(None, start)
    assert weekdays == datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # Friday
    assert parse_cron("0 3 * * 0").get_next_fire_time(None, start).weekday() == 6
    assert parse_cron("0 3 * * 7").get_next_fire_time(None, start).weekday() == 6
    assert parse_cron("0 3 * * 6").get_next_fire_time(None, start).weekday() == 5
    every_other = parse_cron("0 0 * * */2").get_next_fire_time(None, start)
    assert every_other.weekday() in {0, 2, 4, 6}


def test_six_fields_put_seconds_first():
    start = datetime(2026, 11, 26, 12, 0, 1, tzinfo=UTC)
    assert parse_cron("*/5 * * * * *").get_next_fire_time(None, start) == datetime(
        2026, 11, 26, 12, 0, 5, tzinfo=UTC
    )
    assert parse_cron("7 * * * *").get_next_fire_time(None, start) == datetime(
        2026, 11, 26, 12, 7, tzinfo=UTC
    )


def test_job_ids_carry_the_job_name():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert job_id("fronts-hourly", when) == "fronts-hourly.20260102T030405Z"
    assert job_name_of("fronts-hourly.20260102T030405Z") == "fronts-hourly"
    assert job_name_of("4f1c2a9e0b7d11ef") is None  # scrapyd's own uuid ids
    jobs = {
        "running": [{"id": "fronts.20260102T030405Z"}, {"id": "fronts-deep.20260102T030405Z"}],
        "pending": [{"id": "fronts.20260102T031500Z"}],
        "finished": [{"id": "fronts.20260101T030405Z"}],
    }
    assert active_runs(jobs, "fronts") == [
        ("running", "fronts.20260102T030405Z"),
        ("pending", "fronts.20260102T031500Z"),
    ]
    assert active_runs(jobs, "article") == []


def test_project_spiders_are_scrapys_list_and_install_no_reactor():
    # In a fresh interpreter: the names `scrapy list` gives, and no Twisted reactor installed (the
    # scheduler is no Scrapy process).
    code = (
        "import sys, json; from rficrawl.schedule.config import project_spider_names; "
        "names = project_spider_names(); "
        "print(json.dumps([sorted(names), 'twisted.internet.reactor' in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    names, reactor = json.loads(out)
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=REPO_ROOT, capture_output=True, text=True,
        check=True,
    ).stdout.split()
    assert {"fronts", "article"} <= set(names)
    assert names == sorted(listed)
    assert reactor is False


def test_committed_schedule_is_valid(monkeypatch):
    for name in ("SCRAPYD_NODE1_URL", "SCRAPYD_NODE2_URL"):
        monkeypatch.setenv(name, "http://10.0.0.11:6800")
    monkeypatch.setenv("SCRAPYD_USERNAME", "archivist")
    monkeypatch.setenv("SCRAPYD_PASSWORD", "s3cret")
    schedule = load_schedule(REPO_ROOT / "deploy" / "schedule.toml")
    assert schedule.jobs and set(schedule.nodes) == {"node1", "node2"}


def test_schedule_list_shows_jobs_and_next_fire_times(tmp_path, credentials, capsys):
    path = write(tmp_path, GOOD)
    assert main(["schedule", "list", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    for text in ("fronts-hourly", "7 * * * *", "a, b", "editions=cn", "weekly", "0 3 * * 1-5"):
        assert text in out
    fires = re.findall(r"(\d{4}-\d\d-\d\d \d\d:(\d\d):00) UTC", out)
    assert len(fires) == 2 and fires[0][1] == "07"  # fronts-hourly fires at minute 7


def test_schedule_once_rejects_unknown_jobs_and_nodes_before_firing(tmp_path, credentials, capsys):
    path = write(tmp_path, GOOD)
    assert main(["schedule", "once", "nope", "--config", str(path)]) == 2
    assert "no job named 'nope' (jobs: fronts-hourly, weekly)" in capsys.readouterr().err
    assert main(["schedule", "once", "weekly", "--node", "zz", "--config", str(path)]) == 2
    assert "no node named 'zz' (nodes: a, b)" in capsys.readouterr().err
