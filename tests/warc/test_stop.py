"""A crawl stopped while pages are in flight: a SIGTERM loses no page (each stored article's record
is in its file), and after a SIGKILL the file is valid up to its last whole record."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from rficrawl.warc.reader import read_at
from testbed.build import Mirror, site_path
from tests.support.crawl import BackgroundCrawl, start_crawl
from tests.support.mirror import hold, mirror_settings
from tests.warc.conftest import all_records, warc_files, warcio

pytestmark = pytest.mark.slow

N_ARTICLES = 6
PASSED = 3  # articles answered at once; the others wait at the mirror until released


def start(site: Mirror, server, mongo_db, tmp_path: Path) -> tuple[BackgroundCrawl, object]:
    chosen = sorted(url for url, a in site.articles.items()
                    if not a.media and url not in site.disallowed)[:N_ARTICLES]
    gate = hold(server, [site_path(url) for url in chosen], pass_first=PASSED, limit=120)
    (tmp_path / "urls.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    settings = mirror_settings(
        server, MONGO_URI=mongo_db.uri, MONGO_DATABASE=mongo_db.db,
        STORE_SPILL_DIR=str(tmp_path / "spill"), STORE_FLUSH_INTERVAL=0.5,
        WARC_DIR=str(tmp_path / "warc"), LOG_LEVEL="INFO")
    crawl = start_crawl("article", tmp_path / "crawl",
                        args={"urls_file": tmp_path / "urls.txt", "refresh": "all"},
                        settings=settings)
    return crawl, gate


def responses_on_disk(directory: Path) -> int:
    """Response records readable in the folder now (a record being written is not counted)."""
    count = 0
    for path in warc_files(directory):
        done = warcio("index", "-f", "warc-type", path)
        count += done.stdout.count('"response"')
    return count


def wait_for_records(crawl: BackgroundCrawl, directory: Path, count: int,
                     timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while responses_on_disk(directory) < count:
        if crawl.proc.poll() is not None or time.monotonic() > deadline:
            crawl.kill()
            pytest.fail(f"{count} response records never reached {directory}:\n"
                        f"{crawl.log()[-3000:]}")
        time.sleep(0.1)


def assert_pointers_read_back(docs: list[dict], directory: Path) -> None:
    for doc in docs:
        pointer = doc["warc"]
        with (directory / pointer["file"]).open("rb") as stream:
            page = read_at(stream, pointer["file"], pointer["offset"], pointer["length"])
        assert page.url.endswith(doc["url"].split("/", 3)[3])


def test_a_sigterm_with_pages_in_flight_loses_no_page(site, mirror_server_factory, mongo_db,
                                                      tmp_path):
    server = mirror_server_factory(site.root)
    crawl, gate = start(site, server, mongo_db, tmp_path)
    gate.wait_for(N_ARTICLES)  # every request sent; PASSED answered, the rest held
    crawl.proc.send_signal(signal.SIGTERM)
    crawl.wait_for_log("Received SIGTERM")
    gate.release()  # the requests in flight finish, as Scrapy's graceful stop lets them
    result = crawl.finish()
    assert result.returncode == 0, result.log[-3000:]
    warc = tmp_path / "warc"
    docs = list(mongo_db.database["articles"].find())
    assert len(docs) == N_ARTICLES
    responses = [r for r in all_records(warc) if r.type == "response"]
    assert len(responses) == N_ARTICLES
    assert_pointers_read_back(docs, warc)
    for path in warc_files(warc):
        checked = warcio("check", path)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_after_a_sigkill_the_file_is_valid_up_to_its_last_whole_record(
        site, mirror_server_factory, mongo_db, tmp_path):
    server = mirror_server_factory(site.root)
    crawl, gate = start(site, server, mongo_db, tmp_path)
    gate.wait_for(N_ARTICLES)
    warc = tmp_path / "warc"
    wait_for_records(crawl, warc, PASSED)
    crawl.proc.send_signal(signal.SIGKILL)
    crawl.proc.wait(timeout=60)
    gate.release()
    files = warc_files(warc)
    assert len(files) == 1
    checked = warcio("check", files[0])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    records = all_records(warc)
    assert [r.type for r in records].count("response") == PASSED
    assert [r.type for r in records].count("request") == PASSED
    # Whatever the store got before the kill points at records that read back.
    assert_pointers_read_back(list(mongo_db.database["articles"].find()), warc)
