"""``rficrawl reextract`` through the real store, over the WARC files of a real crawl (the crawl's
stored articles are copied into each test's own database, see ``stored``)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from rficrawl.store import validation
from rficrawl.store.connection import ARTICLES, REVISIONS, connect
from rficrawl.warc.reextract import DROPPED, REVISED, SKIPPED, UNCHANGED, Reextraction, in_workers
from tests.warc.conftest import N_ARTICLES, RFICRAWL, Crawled, rficrawl

pytestmark = pytest.mark.slow

OLD_TITLE = "Un titre que l'extracteur d'hier a mal lu"


def summary_count(output: str, what: str) -> int:
    """The number on the summary line that starts with ``what`` (``unchanged``...)."""
    found = re.search(rf"^\s+(\d+) {re.escape(what)}", output, re.MULTILINE)
    assert found, output
    return int(found.group(1))


def in_terminal(*args: str) -> str:
    """``rficrawl`` run in a pseudo-terminal, as a user sees it: everything it drew."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen([str(RFICRAWL), *args], stdin=follower, stdout=follower,
                            stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_an_unchanged_archive_makes_no_revision_and_shows_a_progress_bar(
        crawled: Crawled, stored, mongo_db):
    db = mongo_db.database
    drawn = in_terminal("reextract", "--warc-dir", str(crawled.warc_dir),
                        "--mongo-uri", mongo_db.uri, "--db", mongo_db.db)
    assert f"{N_ARTICLES}/{N_ARTICLES}" in drawn  # the bar's count, once done
    assert summary_count(drawn, "unchanged") == N_ARTICLES
    assert summary_count(drawn, "revised") == 0
    assert db[REVISIONS].count_documents({}) == 0
    for before in stored:
        after = db[ARTICLES].find_one({"_id": before["_id"]})
        assert after["revision"] == before["revision"]
        assert after["revision_reason"] == "crawl"


def test_a_changed_extraction_becomes_a_revision_with_reason_reextract(
        crawled: Crawled, stored, mongo_db):
    db = mongo_db.database
    target = stored[0]
    # As if yesterday's extractor had read the title wrong: today's reads the page again.
    db[ARTICLES].update_one({"_id": target["_id"]}, {"$set": {"title": OLD_TITLE}})
    done = rficrawl("reextract", "--warc-dir", str(crawled.warc_dir), mongo_db=mongo_db)
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary_count(done.stdout, "revised") == 1
    assert summary_count(done.stdout, "unchanged") == N_ARTICLES - 1
    article = db[ARTICLES].find_one({"_id": target["_id"]})
    assert article["title"] == target["title"]
    assert article["revision"] == target["revision"] + 1
    assert article["revision_reason"] == "reextract"
    earlier = list(db[REVISIONS].find())
    assert len(earlier) == 1
    assert earlier[0]["article_id"] == target["_id"]
    assert earlier[0]["document"]["title"] == OLD_TITLE
    assert earlier[0]["changed"] == ["title"]
    assert earlier[0]["revision_reason"] == "crawl"
    # A second run finds nothing more to do.
    again = rficrawl("reextract", "--warc-dir", str(crawled.warc_dir), mongo_db=mongo_db)
    assert summary_count(again.stdout, "unchanged") == N_ARTICLES


def test_a_dry_run_prints_a_diff_per_field_and_writes_nothing(crawled: Crawled, stored, mongo_db):
    db = mongo_db.database
    target = stored[1]
    db[ARTICLES].update_one({"_id": target["_id"]},
                            {"$set": {"title": OLD_TITLE, "tags": ["périmé"]}})
    before = list(db[ARTICLES].find().sort("_id"))
    done = rficrawl("reextract", "--dry-run", "--warc-dir", str(crawled.warc_dir),
                    mongo_db=mongo_db)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"{target['_id']} " in out and "would change" in out
    assert f"- {OLD_TITLE}" in out and f"+ {target['title']}" in out
    assert '- ["périmé"]' in out
    assert summary_count(out, "would be revised") == 1
    assert list(db[ARTICLES].find().sort("_id")) == before
    assert db[REVISIONS].count_documents({}) == 0


def test_a_missing_or_damaged_file_is_reported_per_article_and_the_run_goes_on(
        crawled: Crawled, stored, warc_copy: Path, mongo_db):
    db = mongo_db.database
    by_offset = sorted(stored, key=lambda doc: doc["warc"]["offset"])
    cut, moved, revised = by_offset[-1], by_offset[0], by_offset[1]
    # The last record is cut short (a copy not finished); another article points at a file that
    # is gone from every place; a third has a changed extraction, which must still be written.
    path = warc_copy / cut["warc"]["file"]
    with path.open("r+b") as stream:
        stream.truncate(cut["warc"]["offset"] + cut["warc"]["length"] // 2)
    gone = moved["warc"]["file"].replace("-00000.", "-00099.")
    db[ARTICLES].update_one({"_id": moved["_id"]}, {"$set": {"warc.file": gone}})
    db[ARTICLES].update_one({"_id": revised["_id"]}, {"$set": {"title": OLD_TITLE}})

    # In worker processes (the default on a machine of several CPUs; forced here).
    done = rficrawl("reextract", "--jobs", "2", "--warc-dir", str(warc_copy), mongo_db=mongo_db)
    assert done.returncode == 1, done.stdout + done.stderr  # some articles could not be re-read
    errors = done.stderr
    assert re.search(rf"^{re.escape(str(cut['_id']))}: .*cut short", errors, re.MULTILINE), errors
    assert re.search(rf"^{re.escape(str(moved['_id']))}: {re.escape(gone)} is in none of",
                     errors, re.MULTILINE), errors
    assert "Traceback" not in errors
    out = done.stdout
    assert re.search(r"^\s+2 skipped.*: (missing_file 1, truncated 1|truncated 1, missing_file 1)",
                     out, re.MULTILINE), out
    assert summary_count(out, "revised") == 1
    assert summary_count(out, "unchanged") == N_ARTICLES - 3
    assert "WARC files were looked for in: " + str(warc_copy) in out
    assert db[ARTICLES].find_one({"_id": revised["_id"]})["revision_reason"] == "reextract"


def test_only_a_version_to_write_is_checked_for_what_mongodb_cannot_store(
        crawled: Crawled, stored, mongo_db, monkeypatch):
    """The BSON check (a document larger than MongoDB stores, here made small) drops a changed
    article with its reason; an unchanged one is not written, so not checked, and stays
    unchanged."""
    client = connect(mongo_db.uri)  # as the command reads: dates come back aware, in UTC
    db = client[mongo_db.db]
    target = stored[2]
    db[ARTICLES].update_one({"_id": target["_id"]}, {"$set": {"title": OLD_TITLE}})
    monkeypatch.setattr(validation, "MAX_DOCUMENT_BYTES", validation.WRITER_HEADROOM_BYTES + 1000)
    outcomes = []
    summary = Reextraction(db, [crawled.warc_dir]).run(db[ARTICLES].find(), outcomes.append)
    dropped = [o for o in outcomes if o.kind == DROPPED]
    assert [(o.article_id, o.reason) for o in dropped] == [(target["_id"], "too_large")]
    assert summary.counts[UNCHANGED] == N_ARTICLES - 1
    assert db[ARTICLES].find_one({"_id": target["_id"]})["title"] == OLD_TITLE
    assert db[REVISIONS].count_documents({}) == 0
    client.close()


def test_worker_processes_give_one_process_outcomes_in_the_cursors_order(
        crawled: Crawled, stored, warc_copy: Path, mongo_db):
    """Windows of one article spread over two workers: the outcomes of every kind come back in
    the cursor's order, the same as in-process, and the changed one is written by the run."""
    client = connect(mongo_db.uri)  # as the command reads: dates come back aware, in UTC
    db = client[mongo_db.db]
    by_offset = sorted(stored, key=lambda doc: doc["warc"]["offset"])
    cut, changed = by_offset[-1], by_offset[2]
    path = warc_copy / cut["warc"]["file"]
    with path.open("r+b") as stream:
        stream.truncate(cut["warc"]["offset"] + cut["warc"]["length"] // 2)
    db[ARTICLES].update_one({"_id": changed["_id"]}, {"$set": {"title": OLD_TITLE}})

    def kinds(outcomes) -> list[tuple]:
        return [(o.article_id, o.kind, o.reason, o.changed) for o in outcomes]

    def cursor():  # not the stored order
        return db[ARTICLES].find().sort("_id", -1)
    in_process = Reextraction(db, [warc_copy], dry_run=True).pages
    alone = [in_process.one(doc) for doc in cursor()]
    in_process.close()
    spread = list(in_workers(cursor(), [warc_copy], jobs=2, window=1, waiting=2))
    assert kinds(spread) == kinds(alone)
    assert [o.article_id for o in spread] == [doc["_id"] for doc in cursor()]
    assert {(o.article_id, o.kind) for o in spread if o.kind != UNCHANGED} == {
        (cut["_id"], SKIPPED), (changed["_id"], REVISED)}

    outcomes = []
    summary = Reextraction(db, [warc_copy], jobs=2).run(cursor(), outcomes.append)
    assert sorted(kinds(outcomes)) == sorted(kinds(alone))  # a revised one once it is written
    assert (summary.counts[REVISED], summary.counts[SKIPPED]) == (1, 1)
    article = db[ARTICLES].find_one({"_id": changed["_id"]})
    assert (article["title"], article["revision_reason"]) == (changed["title"], "reextract")
    client.close()
