"""Listings through real crawls: a front page fetched again unchanged by the next crawl becomes a
``revisit`` record of the first crawl's response (identical payload digest)."""

from __future__ import annotations

import pytest

from tests.warc.conftest import all_records, read_records, store_crawl, warc_files, warcio

pytestmark = pytest.mark.slow


def test_a_front_page_polled_again_unchanged_is_a_revisit_of_the_first_crawls_record(
        site, mirror_server_factory, mongo_db, tmp_path):
    server = mirror_server_factory(site.root)
    first = store_crawl(tmp_path, "first", server, mongo_db, args={"editions": "cn",
                                                                   "max_pages": 1})
    first_files = set(first.stats["rficrawl/warc/file_names"])
    first_records = {r.warc_headers["WARC-Record-ID"]: r for r in all_records(tmp_path / "warc")}
    listings = {r.url: r for r in first_records.values()
                if r.type == "response" and "/cn/" in r.url and not r.url.rsplit("/", 1)[-1]}
    assert listings, sorted(r.url for r in first_records.values())

    second = store_crawl(tmp_path, "second", server, mongo_db, args={"editions": "cn",
                                                                     "max_pages": 1})
    second_files = set(second.stats["rficrawl/warc/file_names"])
    assert second_files and not second_files & first_files
    revisits = [r for name in sorted(second_files) for r in read_records(tmp_path / "warc" / name)
                if r.type == "revisit"]
    assert {r.url for r in revisits} >= set(listings)
    for revisit in revisits:
        earlier = first_records[revisit.warc_headers["WARC-Refers-To"]]
        assert earlier.url == revisit.url
        assert revisit.warc_headers["WARC-Payload-Digest"] == \
            earlier.warc_headers["WARC-Payload-Digest"]
        assert revisit.warc_headers["WARC-Profile"].endswith("/identical-payload-digest")
        assert revisit.payload == b""  # the HTTP headers only: the payload is the earlier one's
    for path in warc_files(tmp_path / "warc"):
        checked = warcio("check", path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
