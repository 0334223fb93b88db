"""The spill file and ``rficrawl store replay``: nothing that a crawl spills is lost, and a
cut, corrupt or refused line costs only itself when the file is replayed (real command, real
server)."""

from __future__ import annotations

import json

from rficrawl.store.documents import dumps_spill, loads_line, to_document
from rficrawl.store.spill import SpillFile
from tests.store.conftest import make_item, poisoned, rficrawl


def test_spill_file_takes_any_storable_text_losslessly(tmp_path):
    """A lone surrogate cannot be written as UTF-8: its line is escaped, and reads back."""
    spill = SpillFile(tmp_path / "crawl.jsonl")
    docs = [to_document(poisoned(1, lead="\ud83d 台湾")), to_document(make_item(2))]
    assert spill.write(docs) == 2
    raw = (tmp_path / "crawl.jsonl").read_bytes()
    assert "台湾".encode() in raw.splitlines()[1]  # other lines stay readable UTF-8
    assert [loads_line(line) for line in raw.decode("utf-8").splitlines()] == docs


def test_a_cut_write_does_not_swallow_the_next_batch(tmp_path):
    path = tmp_path / "crawl.jsonl"
    spill = SpillFile(path)
    spill.write([to_document(make_item(1))])
    whole = path.read_bytes()
    path.write_bytes(whole + whole[: len(whole) // 2])  # a second write, interrupted
    spill.write([to_document(make_item(3))])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert loads_line(lines[2])["_id"] == make_item(3)["content_id"]


def test_replay_reports_each_bad_line_and_stores_the_rest(mongo_db, db, tmp_path):
    good = [to_document(make_item(n)) for n in range(4)]
    path = tmp_path / "crawl.jsonl"
    lines = [
        dumps_spill(good[0]).encode(),
        dumps_spill(good[1]).encode(),
        dumps_spill(good[2]).encode()[:40] + b" garbage",  # corrupt, in the middle
        b'{"title": "\xe5\x8f\xb0\xff\xfe"}',  # not UTF-8
        dumps_spill(to_document(poisoned(7, lead="\ud83d"))).encode(),  # escaped, not storable
        dumps_spill(to_document(poisoned(8, twin_urls={"$where": "x"}))).encode(),
        json.dumps(["not", "an", "object"]).encode(),
        dumps_spill(good[3]).encode(),
        b"   ",
    ]
    cut = dumps_spill(to_document(make_item(9))).encode()
    path.write_bytes(b"\n".join(lines) + b"\n" + cut[: len(cut) // 2])  # the last write cut

    target = ["--mongo-uri", mongo_db.uri, "--db", mongo_db.db]
    replay = rficrawl("store", "replay", str(path), *target)
    assert replay.returncode == 1
    assert "Traceback" not in replay.stderr, replay.stderr
    reported = [line for line in replay.stderr.splitlines() if line.startswith(f"{path}:")]
    assert [line.split(":")[1] for line in reported] == ["3", "4", "5", "6", "7", "10"]
    why = dict(zip(["3", "4", "5", "6", "7", "10"], reported))
    assert "not JSON" in why["3"]
    assert "not UTF-8" in why["4"]
    assert "bad_text_lead" in why["5"]
    assert "bad_key_twin_urls" in why["6"]
    assert "not a JSON object" in why["7"]
    assert "cut off" in why["10"]
    assert f"{path}: 3 new," in replay.stdout and "6 not stored (listed above)" in replay.stdout
    assert {d["_id"] for d in db.articles.find({}, {"_id": 1})} == {
        good[n]["_id"] for n in (0, 1, 3)
    }

    again = rficrawl("store", "replay", str(path), *target)
    assert again.returncode == 1
    assert f"{path}: 0 new, 0 updated, 3 unchanged" in again.stdout
    assert db.articles.count_documents({}) == 3
