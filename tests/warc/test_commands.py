"""The commands that read a real crawl's WARC files: ``rficrawl extract`` from a record,
``rficrawl stats``' WARC bytes, and ``rficrawl reextract`` on records that are not the article's
page (another page's record, a record that is not HTML, written by warcio as another tool would)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from rficrawl.store.connection import ARTICLES
from tests.warc.conftest import N_ARTICLES, Crawled, rficrawl, warc_files

pytestmark = pytest.mark.slow


def test_extract_reads_a_record_by_offset_or_by_url(crawled: Crawled):
    article = crawled.articles()[0]
    pointer = article["warc"]
    by_offset = rficrawl("extract", str(crawled.warc_dir / pointer["file"]) + f"#{pointer['offset']}")
    assert by_offset.returncode == 0, by_offset.stderr
    item = json.loads(by_offset.stdout)
    assert item["title"] == article["title"]
    assert item["content_hash"] == article["content_hash"]
    # A bare file name is looked for in --warc-dir; the page by its public URL.
    by_url = rficrawl("extract", pointer["file"], "--warc-dir", str(crawled.warc_dir),
                      "--url", article["url"])
    assert by_url.returncode == 0, by_url.stderr
    assert json.loads(by_url.stdout)["content_hash"] == article["content_hash"]


def test_extract_at_an_offset_where_no_record_starts_says_so_in_one_line(crawled: Crawled):
    pointer = crawled.articles()[0]["warc"]
    wrong = rficrawl("extract", str(crawled.warc_dir / pointer["file"]) + f"#{pointer['offset'] + 7}")
    assert wrong.returncode != 0
    assert "Traceback" not in wrong.stderr
    message = wrong.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert f"{pointer['file']}#{pointer['offset'] + 7}" in message
    assert "warcio index" in message


def test_stats_shows_the_warc_bytes_of_the_edition(crawled: Crawled, mongo_db):
    shown = rficrawl("stats", "--json", "--mongo-uri", crawled.uri, "--db", crawled.db)
    assert shown.returncode == 0, shown.stderr
    per_edition = json.loads(shown.stdout)["warc_bytes_per_edition"]
    on_disk = sum(path.stat().st_size for path in warc_files(crawled.warc_dir))
    articles = sum(doc["warc"]["length"] for doc in crawled.articles())
    # One edition crawled: every byte written (records, requests, warcinfo) is counted for it.
    assert set(per_edition) == {"cn"}
    assert per_edition["cn"] == on_disk
    assert articles < on_disk


def other_tool_file(path: Path, url: str) -> int:
    """A WARC file as another tool writes it (warcio, gzip per record), holding ``url`` as a
    JPEG: the offset of its response record."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "wget/1.21"}))
        offset = stream.tell()
        body = b"\xff\xd8\xff\xe0" + b"\0" * 64
        http = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg"),
                                           ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                      length=len(body), http_headers=http))
    return offset


def test_reextract_skips_a_record_of_another_page_and_one_that_is_not_html(
        crawled: Crawled, stored, tmp_path: Path, mongo_db):
    db = mongo_db.database
    first, second, third = stored[:3]
    # first now points at second's record (a file replaced by another crawl's of the same name).
    db[ARTICLES].update_one({"_id": first["_id"]}, {"$set": {"warc": second["warc"]}})
    places = tmp_path / "moved"
    places.mkdir()
    name = "wget-20251130.warc.gz"
    offset = other_tool_file(places / name, crawled.server.base_url + "/" +
                             third["url"].split("/", 3)[3])
    db[ARTICLES].update_one({"_id": third["_id"]}, {"$set": {"warc": {
        "file": name, "offset": offset, "length": (places / name).stat().st_size - offset,
        "type": "response"}}})

    done = rficrawl("reextract", "--warc-dir", str(crawled.warc_dir), "--warc-prefix",
                    str(places), mongo_db=mongo_db)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(rf"^{re.escape(str(first['_id']))}: .* not {re.escape(first['url'])}",
                     done.stderr, re.MULTILINE), done.stderr
    assert re.search(rf"^{re.escape(str(third['_id']))}: {re.escape(name)}#{offset} .*image/jpeg"
                     ".*not an HTML page", done.stderr, re.MULTILINE), done.stderr
    assert re.search(r"^\s+2 skipped.*other_page 1", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^\s+2 skipped.*not_html 1", done.stdout, re.MULTILINE), done.stdout
    assert re.search(rf"^\s+{N_ARTICLES - 2} unchanged", done.stdout, re.MULTILINE), done.stdout
