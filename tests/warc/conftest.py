"""Fixtures and helpers of the WARC tests: the test mirror, crawls into the store with WARC files,
the records of a WARC folder as warcio reads them, and the ``rficrawl`` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymongo
import pytest
from warcio.archiveiterator import ArchiveIterator

from rficrawl.store.connection import ARTICLES, ensure_indexes
from testbed.build import Mirror, build_mirror
from testbed.server import MirrorServer
from tests.support.crawl import REPO_ROOT, CrawlResult, run_crawl
from tests.support.mirror import mirror_settings

RFICRAWL = Path(sys.executable).parent / "rficrawl"
WARCIO = Path(sys.executable).parent / "warcio"


@pytest.fixture
def site(tmp_path: Path) -> Mirror:
    """The test mirror built from the real captures (skips where ../shared is absent)."""
    return build_mirror(tmp_path / "site", use_captures=True)


@dataclass
class Record:
    """One record of a WARC file as warcio reads it (the payload as stored, not decoded)."""

    file: Path
    offset: int
    type: str
    url: str
    warc_headers: dict[str, str]
    http_headers: list[tuple[str, str]]
    status: int
    payload: bytes


def read_records(path: Path) -> list[Record]:
    """Every record of a WARC file, in order; warcio raises if one is damaged."""
    records = []
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            payload = record.raw_stream.read()
            http = record.http_headers
            records.append(Record(
                path, iterator.get_record_offset(), record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI") or "",
                dict(record.rec_headers.headers), list(http.headers) if http else [],
                int(http.get_statuscode() or 0) if http and record.rec_type != "request" else 0,
                payload,
            ))
    return records


def warc_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.warc.gz"))


def all_records(directory: Path) -> list[Record]:
    return [record for path in warc_files(directory) for record in read_records(path)]


def store_crawl(tmp_path: Path, name: str, server, mongo_db, spider: str = "fronts",
                args: dict | None = None, **settings) -> CrawlResult:
    """One ``scrapy crawl`` of the mirror into the test's database, WARC files in
    ``tmp_path/warc`` unless ``settings`` say otherwise; fails the test on a bad exit."""
    all_settings = mirror_settings(
        server, MONGO_URI=mongo_db.uri, MONGO_DATABASE=mongo_db.db,
        STORE_SPILL_DIR=str(tmp_path / "spill"), STORE_FLUSH_INTERVAL=0.5,
        WARC_DIR=str(tmp_path / "warc"), LOG_LEVEL="INFO", **settings)
    result = run_crawl(spider, tmp_path / name, args=args or {"editions": "cn"},
                       settings=all_settings)
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    return result


def rficrawl(*args: str, mongo_db=None) -> subprocess.CompletedProcess:
    """The installed ``rficrawl`` command, as a user runs it (text output)."""
    env = {**os.environ, "COLUMNS": "200"}
    store = ["--mongo-uri", mongo_db.uri, "--db", mongo_db.db] if mongo_db is not None else []
    return subprocess.run([str(RFICRAWL), *args, *store], capture_output=True, text=True,
                          cwd=REPO_ROOT, env=env, timeout=300, check=False)


def warcio(*args: str) -> subprocess.CompletedProcess:
    """warcio's own command (check, index)."""
    return subprocess.run([str(WARCIO), *map(str, args)], capture_output=True, text=True,
                          timeout=300, check=False)


# --- One real crawl shared by the tests that only read what it made ------------------------

N_ARTICLES = 6


@dataclass
class Crawled:
    """A crawl of ``N_ARTICLES`` plain articles of the mirror by the ``article`` spider, stored
    in its own database on the suite's server, its WARC files in ``warc_dir``."""

    site: Mirror
    server: MirrorServer
    uri: str
    db: str
    warc_dir: Path
    urls: list[str]
    result: CrawlResult

    def articles(self) -> list[dict]:
        with pymongo.MongoClient(self.uri) as client:
            return list(client[self.db][ARTICLES].find())


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory, mongo_server) -> Iterator[Crawled]:
    """One crawl for every test that reads its WARC files or copies its stored articles (a crawl
    costs seconds on a loaded machine; these tests change neither)."""
    root = tmp_path_factory.mktemp("warc-crawl")
    site = build_mirror(root / "site", use_captures=True)
    chosen = sorted(url for url, a in site.articles.items()
                    if not a.media and url not in site.disallowed)[:N_ARTICLES]
    assert len(chosen) == N_ARTICLES
    (root / "urls.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    server = MirrorServer(site.root).start()
    db = f"warc_crawl_{uuid.uuid4().hex[:8]}"
    try:
        settings = mirror_settings(
            server, MONGO_URI=mongo_server.uri, MONGO_DATABASE=db,
            STORE_SPILL_DIR=str(root / "spill"), STORE_FLUSH_INTERVAL=0.5,
            WARC_DIR=str(root / "warc"), LOG_LEVEL="INFO")
        result = run_crawl("article", root / "crawl",
                           args={"urls_file": root / "urls.txt", "refresh": "all"},
                           settings=settings)
        assert result.returncode == 0, result.log[-3000:]
        assert "Traceback" not in result.log, result.log[-3000:]
        yield Crawled(site, server, mongo_server.uri, db, root / "warc", chosen, result)
    finally:
        server.stop()
        with pymongo.MongoClient(mongo_server.uri) as client:
            client.drop_database(db)


@pytest.fixture
def stored(crawled: Crawled, mongo_db) -> list[dict]:
    """The crawl's stored articles copied into this test's own database (its indexes made as a
    crawl makes them), so a test may revise them without touching the others'."""
    docs = crawled.articles()
    database = mongo_db.database
    ensure_indexes(database)
    database[ARTICLES].insert_many(docs)
    return docs


@pytest.fixture
def warc_copy(crawled: Crawled, tmp_path: Path) -> Path:
    """The crawl's WARC folder copied for a test that damages or removes files."""
    return Path(shutil.copytree(crawled.warc_dir, tmp_path / "warc"))
