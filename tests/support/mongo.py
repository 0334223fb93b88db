"""The MongoDB-wire server of the test suite (see rficrawl.ops.mongo for the order of kinds).

Fixtures:

- ``mongo_server`` (session): one server for the whole run, started once and stopped at the end.
  ``RFICRAWL_MONGO_SERVER=ferretdb|nx-27017|mongod`` forces its kind (CI uses ferretdb);
  ``MONGO_URI`` makes the suite use a server of yours instead of starting one.
- ``mongo_db`` (function): ``MongoTarget(uri, db, client)`` with a fresh database name for this
  test, dropped at teardown. Pass ``-s MONGO_URI=target.uri -s MONGO_DATABASE=target.db`` to a crawl.
- ``fresh_mongo_server`` (function): a server of this test's own, which the test may ``stop()``
  and ``restart()`` (same port, same data) to simulate an outage. Skips with an external server.
- ``reference_server`` (session): when the session server is the FerretDB launcher, a second one
  of the same build with its query planner off (``-planner=false``: every query reads, filters,
  sorts and counts all the documents), whose answers the planner's must equal. Skips otherwise.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymongo
import pytest

from rficrawl.ops.ferretdb import ferretdb_argv, find_launcher
from rficrawl.ops.mongo import FERRETDB, RunningServer, ServerError
from rficrawl.ops.process import free_port
from testbed.mongo import start_test_server


@dataclass
class MongoTarget:
    """Where one test stores: the server's URI, its own database name and a client."""

    uri: str
    db: str
    client: pymongo.MongoClient

    @property
    def database(self) -> pymongo.database.Database:
        return self.client[self.db]

    def crawl_settings(self) -> list[str]:
        """``-s`` arguments pointing ``scrapy crawl`` at this test's database."""
        return ["-s", f"MONGO_URI={self.uri}", "-s", f"MONGO_DATABASE={self.db}"]


def _start(data_dir: Path) -> RunningServer:
    try:
        return start_test_server(data_dir)
    except ServerError as exc:
        pytest.fail(f"no MongoDB-wire server for the tests: {exc}", pytrace=False)


def _test_db_name(request: pytest.FixtureRequest) -> str:
    """A database name unique to this test, readable in the server's logs (MongoDB allows 63 bytes)."""
    stem = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:40]
    return f"t_{stem}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = _start(tmp_path_factory.mktemp("mongo"))
    yield server
    server.stop()


@pytest.fixture
def mongo_db(mongo_server: RunningServer, request: pytest.FixtureRequest) -> Iterator[MongoTarget]:
    name = _test_db_name(request)
    with pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=10_000) as client:
        yield MongoTarget(uri=mongo_server.uri, db=name, client=client)
        client.drop_database(name)


@pytest.fixture
def fresh_mongo_server(tmp_path: Path) -> Iterator[RunningServer]:
    server = _start(tmp_path / "mongo")
    if not server.can_restart:
        pytest.skip(f"MONGO_URI points at an external server, which this test cannot stop ({server.kind})")
    yield server
    server.stop()


def start_ferretdb(data_dir: Path, *args: str, launcher: Path | None = None) -> RunningServer:
    """A FerretDB launcher of this build (or ``launcher``) on a free port, with extra arguments."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = RunningServer(
        kind=FERRETDB,
        uri=f"mongodb://127.0.0.1:{port}",
        data_dir=data_dir,
        log_path=data_dir.parent / f"{data_dir.name}.log",
        argv=[*ferretdb_argv(launcher or find_launcher(), data_dir, port), *args],
        timeout=300,  # a database of an earlier build gets its key tables first
    )
    try:
        return server.start()
    except ServerError as exc:
        pytest.fail(f"the FerretDB launcher did not start: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def reference_server(
    mongo_server: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    if mongo_server.kind != FERRETDB:
        pytest.skip(
            f"the query planner is FerretDB's (tools/ferretdb); the session server is {mongo_server.kind}"
        )
    server = start_ferretdb(tmp_path_factory.mktemp("reference") / "data", "-planner=false")
    yield server
    server.stop()
