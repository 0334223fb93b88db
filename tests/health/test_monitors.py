"""The monitors through ``scrapy crawl`` with the real store: a healthy crawl passes and leaves
its figures in ``crawls``; a crawl of pages whose JSON-LD is gone fails its monitors, exits 4,
says so in ``rficrawl crawls``, and sends its verdict through spidermon's JSON file and webhook
actions (to a receiver on 127.0.0.1)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rficrawl.commands.crawl import MONITORS_FAILED
from testbed.build import build_mirror
from tests.store.conftest import rficrawl
from tests.support.crawl import run_crawl
from tests.support.mirror import mirror_settings

pytestmark = pytest.mark.slow
JSONLD = re.compile(r'<script type="application/ld\+json">.*?</script>', re.DOTALL)


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps the JSON bodies posted to it."""

    def __init__(self) -> None:
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.stop()


def crawl(server, mongo_db, tmp_path: Path, name: str, **settings):
    return run_crawl("fronts", tmp_path / name, args={"editions": "cn"}, settings={
        **mirror_settings(server), "MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db,
        "STORE_SPILL_DIR": str(tmp_path / "spill"), "LOG_LEVEL": "INFO", **settings})


def test_healthy_crawl_then_a_template_change(tmp_path, mirror_server_factory, mongo_db,
                                              receiver):
    site = build_mirror(tmp_path / "site", use_captures=False)
    server = mirror_server_factory(site.root)
    first = crawl(server, mongo_db, tmp_path, "first")
    assert first.returncode == 0, first.log[-3000:]
    health = first.stats["rficrawl/health"]
    assert health["verdict"] == "passed", health["failed"]
    scraped = first.stats["item_scraped_count"]
    record = mongo_db.database.crawls.find_one()
    assert record["health"]["verdict"] == "passed"
    cn = record["health"]["editions"]["cn"]
    assert cn["articles"] == scraped and cn["new"] == scraped
    assert cn["fields"]["title"] == scraped
    assert first.stats["rficrawl/extract/title/jsonld"] == scraped

    # The template changes: no JSON-LD any more; the articles still read from the meta tags.
    # refresh=all fetches the stored articles again.
    changed = 0
    for page in site.root.rglob("*"):
        if page.is_file() and b"application/ld+json" in page.read_bytes():
            page.write_text(JSONLD.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")
            changed += 1
    assert changed >= scraped
    report = tmp_path / "health" / "verdict.json"
    second = run_crawl("fronts", tmp_path / "second", args={"editions": "cn", "refresh": "all"},
                       settings={
        **mirror_settings(server), "MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db,
        "STORE_SPILL_DIR": str(tmp_path / "spill"), "LOG_LEVEL": "INFO",
        "RFICRAWL_HEALTH_ACTIONS": "json,webhook",
        "SPIDERMON_REPORT_FILENAME": str(report),
        "SPIDERMON_DISCORD_WEBHOOK_URL": receiver.url,
    })
    assert second.returncode == MONITORS_FAILED, second.log[-3000:]
    health = second.stats["rficrawl/health"]
    assert health["verdict"] == "failed"
    assert any("past their JSON-LD" in failure for failure in health["failed"]), health["failed"]
    assert second.stats["rficrawl/extract/fell_back_past_jsonld"] == second.stats[
        "item_scraped_count"]

    records = list(mongo_db.database.crawls.find().sort("started_at", 1))
    assert [r["health"]["verdict"] for r in records] == ["passed", "failed"]
    written = json.loads(report.read_text())
    assert written["health"]["verdict"] == "failed"
    assert written["crawl_id"] == records[1]["_id"]
    assert len(receiver.bodies) == 1 and "JSON-LD" in receiver.bodies[0]["content"]

    listing = rficrawl("crawls", "--mongo-uri", mongo_db.uri, "--db", mongo_db.db)
    assert listing.returncode == 1, listing.stderr
    assert "failed" in listing.stdout and "passed" in listing.stdout
    as_json = rficrawl("crawls", "--json", "--mongo-uri", mongo_db.uri, "--db", mongo_db.db)
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [line["health"]["verdict"] for line in lines] == ["failed", "passed"]
