"""A real crawl of the mirror into the real store, writing WARC files: what the files hold, how the
stored articles point at their records, and whether the standard tools (warcio, cdxj-indexer)
accept the files."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from rficrawl.extract.article import read_article
from rficrawl.warc.reader import read_at
from rficrawl.warc.writer import payload_digest
from testbed.server import resolve_path
from tests.warc.conftest import N_ARTICLES, Crawled, all_records, warc_files, warcio

pytestmark = pytest.mark.slow

CDXJ_INDEXER = Path(sys.executable).parent / "cdxj-indexer"


def served_bytes(crawled: Crawled, url: str) -> bytes:
    """The file the mirror answered ``url`` with: the body the crawl received."""
    path = resolve_path(crawled.site.root, unquote(urlsplit(url).path))
    assert path is not None, url
    return path.read_bytes()


def test_every_article_is_a_request_response_pair_and_its_pointer_reads_back_the_page(
        crawled: Crawled):
    docs = crawled.articles()
    assert len(docs) == N_ARTICLES
    records = all_records(crawled.warc_dir)
    responses = {r.warc_headers["WARC-Record-ID"]: r for r in records if r.type == "response"}
    requests = [r for r in records if r.type == "request"]
    assert len(responses) == N_ARTICLES
    assert sorted(r.warc_headers["WARC-Concurrent-To"] for r in requests) == sorted(responses)
    for request in requests:
        response = responses[request.warc_headers["WARC-Concurrent-To"]]
        assert request.url == response.url
        assert request.url.startswith(crawled.server.base_url)
        assert request.http_headers  # the request's headers as sent (Host at least)

    for doc in docs:
        pointer = doc["warc"]
        path = crawled.warc_dir / pointer["file"]
        assert path.is_file(), pointer
        # The pointer's bytes are one whole gzip member holding one record: readable alone.
        with path.open("rb") as stream:
            stream.seek(pointer["offset"])
            member = stream.read(pointer["length"])
        inflater = zlib.decompressobj(wbits=31)
        text = inflater.decompress(member)
        assert inflater.eof and not inflater.unused_data
        head = text.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        assert head[0] == b"WARC/1.1" and b"WARC-Type: response" in head
        with path.open("rb") as stream:
            page = read_at(stream, pointer["file"], pointer["offset"], pointer["length"])
        # The payload is the body as the mirror sent it (no transfer or content coding here).
        assert page.payload == served_bytes(crawled, page.url)
        record = next(r for r in records
                      if r.file == path and r.offset == pointer["offset"])
        assert record.warc_headers["WARC-Payload-Digest"] == payload_digest(page.payload)
        assert record.status == 200
        assert ("Content-Type", "text/html; charset=utf-8") in [
            (name, value) for name, value in record.http_headers]
        # What the extractor makes of the record is what was stored from the crawl.
        again = read_article(page.response(), base_url=page.origin,
                             fetched_at=doc.get("fetched_at")).item
        assert again["url"] == doc["url"]
        assert again["title"] == doc["title"]
        assert again["content_hash"] == doc["content_hash"]


def test_warcio_check_and_index_and_cdxj_indexer_accept_every_file(crawled: Crawled,
                                                                     tmp_path: Path):
    files = warc_files(crawled.warc_dir)
    assert files
    for path in files:
        checked = warcio("check", "-v", path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        indexed = warcio("index", "-f", "warc-type,warc-target-uri,offset,length", path)
        assert indexed.returncode == 0, indexed.stderr
        lines = [json.loads(line) for line in indexed.stdout.splitlines()]
        assert lines[0]["warc-type"] == "warcinfo"
        assert {line["warc-type"] for line in lines[1:]} == {"request", "response"}
    pointers = {(d["warc"]["file"], d["warc"]["offset"], d["warc"]["length"]): d["url"]
                for d in crawled.articles()}

    index = tmp_path / "crawl.cdxj"
    made = subprocess.run([str(CDXJ_INDEXER), "-o", str(index), *map(str, files)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    found = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        _key, _timestamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        if entry.get("mime") != "warc/request":
            found[(entry["filename"], int(entry["offset"]), int(entry["length"]))] = entry
    # Each stored pointer is an entry of the standard index: replay tools find the same record.
    assert set(pointers) <= set(found), (sorted(pointers), sorted(found))
    for key in pointers:
        assert found[key]["status"] == "200"
        assert found[key]["url"].startswith(crawled.server.base_url)
