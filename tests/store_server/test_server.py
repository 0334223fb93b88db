"""The MongoDB-wire server that tests, benches and scripts/run.sh start (rficrawl.ops.mongo).

These talk to real servers: the session one (its kind forced by RFICRAWL_MONGO_SERVER in CI) and
servers of their own, to check the fallback order, forced kinds, restarts and the CLI.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest
from pymongo.errors import PyMongoError

from rficrawl.ops import ferretdb
from rficrawl.ops import mongo as srv
from rficrawl.ops.mongo import ServerError, ping, start_server
from rficrawl.ops.process import free_port
from testbed.mongo import prepare_ferretdb, start_test_server

pytestmark = pytest.mark.slow


def _path_without_mongod(tmp_path: Path) -> str:
    """A PATH that has bash and coreutils but no mongod (skips where the system has one there)."""
    path = "/usr/bin:/bin"
    if any(Path(d, "mongod").exists() for d in path.split(":")):
        pytest.skip("this machine has a mongod in /usr/bin or /bin; the fallback cannot be shown")
    return path


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def auto_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No MONGO_URI, no forced kind, no mongod on PATH: start_server must choose by itself."""
    monkeypatch.delenv("MONGO_URI", raising=False)
    monkeypatch.delenv(srv.FORCE_ENV, raising=False)
    monkeypatch.setenv("PATH", _path_without_mongod(tmp_path))
    return monkeypatch


def test_mongo_uri_wins_and_nothing_is_started(mongo_server, monkeypatch, tmp_path):
    monkeypatch.delenv(srv.FORCE_ENV, raising=False)
    monkeypatch.setenv("MONGO_URI", mongo_server.uri)
    server = start_server(tmp_path)
    assert server.kind == "external"
    assert server.uri == mongo_server.uri
    assert server.pid is None and not server.can_restart
    assert list(tmp_path.iterdir()) == []
    server.stop()  # not ours: must leave the session server alone
    assert ping(mongo_server.uri)["ok"]
    with pytest.raises(ServerError, match="cannot restart the external server"):
        server.restart()


def test_without_mongod_ferretdb_comes_next(auto_env, tmp_path):
    if not os.path.exists("/usr/local/go/bin/go") and not ferretdb.CHECKOUT_LAUNCHER.exists():
        pytest.skip("neither Go nor a built FerretDB launcher on this machine")
    with start_test_server(tmp_path) as server:
        assert server.kind == "ferretdb"
        assert "FerretDB" in server.version()


def test_without_mongod_and_ferretdb_nx27017_comes_last(auto_env, tmp_path):
    auto_env.setenv(ferretdb.LAUNCHER_ENV, str(tmp_path / "no-such-launcher"))
    with start_server(tmp_path / "data") as server:
        assert server.kind == "nx-27017"
        assert ping(server.uri)["ok"]
        assert (tmp_path / "data" / "nx-27017").is_dir()
        assert (tmp_path / "data" / "nx-27017.log").exists()


def test_a_mongod_on_path_is_tried_first(auto_env, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A mongod that cannot start: auto mode notes it and moves on; forcing it is an error.
    _executable(bin_dir / "mongod", "#!/bin/sh\necho 'mongod: broken install for this test' >&2\nexit 3\n")
    auto_env.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    auto_env.setenv(ferretdb.LAUNCHER_ENV, str(tmp_path / "no-such-launcher"))
    with start_server(tmp_path / "auto") as server:
        assert server.kind == "nx-27017"
    assert "broken install for this test" in (tmp_path / "auto" / "mongod.log").read_text()

    with pytest.raises(ServerError) as excinfo:
        start_server(tmp_path / "forced", kind="mongod")
    message = str(excinfo.value)
    assert "mongod exited with code 3" in message
    assert str(tmp_path / "forced" / "mongod.log") in message
    assert "broken install for this test" in message


def test_nothing_available_lists_what_was_tried(auto_env, tmp_path):
    auto_env.setenv(ferretdb.LAUNCHER_ENV, str(tmp_path / "no-such-launcher"))
    auto_env.setitem(sys.modules, "nx_27017", None)  # import fails as if not installed
    with pytest.raises(ServerError) as excinfo:
        start_server(tmp_path)
    message = str(excinfo.value)
    assert "mongod: no mongod on PATH" in message
    assert f"ferretdb: {ferretdb.LAUNCHER_ENV}=" in message
    assert "nx-27017: the Python package nx-27017 is not installed" in message


def test_forced_kind_is_never_a_silent_fallback(auto_env, tmp_path):
    auto_env.setenv(srv.FORCE_ENV, "mongod")
    with pytest.raises(ServerError, match="'mongod' cannot start: no mongod on PATH"):
        start_server(tmp_path)
    auto_env.setenv(srv.FORCE_ENV, "ferretdb")
    auto_env.setenv(ferretdb.LAUNCHER_ENV, str(tmp_path / "no-such-launcher"))
    with pytest.raises(ServerError, match="'ferretdb' cannot start"):
        start_server(tmp_path)


def test_forced_ferretdb_without_go_says_how_to_fix_it(auto_env, tmp_path):
    """A fresh checkout on a machine without Go: the launcher cannot be built, and the errors say
    so; starting a server never builds, and names the command that does."""
    tools = tmp_path / "checkout" / "tools" / "ferretdb"
    shutil.copytree(ferretdb.BUILD_SCRIPT.parent, tools)
    auto_env.setattr(ferretdb, "BUILD_SCRIPT", tools / "build.sh")
    auto_env.setattr(ferretdb, "CHECKOUT_LAUNCHER", tmp_path / "checkout" / ".cache" / "ferretdb" / "ferretdb-launcher")
    auto_env.setenv("GO", str(tmp_path / "no-go"))
    with pytest.raises(ServerError) as excinfo:
        start_test_server(tmp_path / "data", kind="ferretdb")
    message = str(excinfo.value)
    assert "the FerretDB launcher could not be built" in message
    assert "Go is not installed (need Go >= 1.24" in message and str(tmp_path / "no-go") in message
    with pytest.raises(ServerError, match="not built yet .* `rficrawl mongo build`"):
        start_server(tmp_path / "data", kind="ferretdb")
    with start_test_server(tmp_path / "data") as server:  # not forced: falls back to the next kind
        assert server.kind == "nx-27017"


def test_an_installed_rficrawl_finds_the_launcher_on_path_and_never_builds(auto_env, tmp_path):
    """Outside a checkout (a wheel, a scrapyd egg) there is no build script: the launcher comes
    from RFICRAWL_FERRETDB_LAUNCHER or PATH, and its absence says so."""
    auto_env.setattr(ferretdb, "BUILD_SCRIPT", tmp_path / "site-packages" / "tools" / "build.sh")
    auto_env.setattr(ferretdb, "CHECKOUT_LAUNCHER", tmp_path / "site-packages" / "ferretdb-launcher")
    with pytest.raises(ferretdb.LauncherError, match="RFICRAWL_FERRETDB_LAUNCHER .* PATH"):
        ferretdb.find_launcher()
    with pytest.raises(ferretdb.LauncherError, match="built from a checkout"):
        ferretdb.build_launcher()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = _executable(bin_dir / "ferretdb-launcher", "#!/bin/sh\nexit 0\n")
    auto_env.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert ferretdb.find_launcher() == launcher
    auto_env.setenv(ferretdb.LAUNCHER_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(ferretdb.LauncherError, match="is not an executable file"):
        ferretdb.find_launcher()


def test_unknown_forced_kind_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(srv.FORCE_ENV, "postgres")
    with pytest.raises(ServerError, match=r"RFICRAWL_MONGO_SERVER='postgres' is not .* use one of"):
        start_server(tmp_path)
    with pytest.raises(ServerError, match=r"kind='mongo' is not"):
        start_server(tmp_path, kind="mongo")


def test_forced_kind_from_env_is_started(mongo_server, monkeypatch, tmp_path):
    kind = os.environ.get(srv.FORCE_ENV)
    if not kind:
        pytest.skip(f"{srv.FORCE_ENV} is not set (CI sets it to ferretdb)")
    assert mongo_server.kind == kind


@pytest.mark.parametrize("kind", ["ferretdb", "nx-27017"])
def test_restart_keeps_port_and_data(kind, monkeypatch, tmp_path):
    monkeypatch.delenv("MONGO_URI", raising=False)
    with start_server(tmp_path, kind=kind) as server:
        assert server.kind == kind
        uri = server.uri
        with pymongo.MongoClient(uri) as client:
            client.rfi.articles.insert_one({"_id": "a1", "title": "法国总统访华"})
        server.stop()
        assert not server.running
        with pytest.raises(PyMongoError):
            ping(uri, timeout=0.5)
        server.start()
        assert server.uri == uri
        with pymongo.MongoClient(uri) as client:
            assert client.rfi.articles.find_one({"_id": "a1"})["title"] == "法国总统访华"
        server.restart()
        assert ping(uri)["ok"]
        pid = server.pid
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_two_servers_get_distinct_free_ports(monkeypatch, tmp_path):
    monkeypatch.delenv("MONGO_URI", raising=False)
    with start_server(tmp_path / "a") as one, start_server(tmp_path / "b") as two:
        assert one.uri != two.uri
        assert ping(one.uri)["ok"] and ping(two.uri)["ok"]


def test_fixture_gives_each_test_a_fresh_database(mongo_db):
    assert mongo_db.db not in mongo_db.client.list_database_names()
    mongo_db.database.probe.insert_one({"x": 1})
    assert mongo_db.db in mongo_db.client.list_database_names()
    assert mongo_db.crawl_settings() == ["-s", f"MONGO_URI={mongo_db.uri}", "-s", f"MONGO_DATABASE={mongo_db.db}"]


def test_fresh_server_can_be_stopped_mid_test(fresh_mongo_server):
    uri = fresh_mongo_server.uri
    fresh_mongo_server.stop()
    with pytest.raises(PyMongoError):
        ping(uri, timeout=0.5)
    fresh_mongo_server.start()
    assert ping(uri)["ok"]


# --- rficrawl mongo serve|status -------------------------------------------------------------------

# The installed entry point, as a user runs it (``python -m rficrawl.cli.main`` would define a
# second CommandError class in __main__ and print tracebacks).
RFICRAWL = [str(Path(sys.executable).with_name("rficrawl"))]


def _rficrawl(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*RFICRAWL, *args], check=False,
                          capture_output=True, text=True, env=env, timeout=120, **kwargs)


def test_status_names_the_server_and_what_the_archive_holds(mongo_server, mongo_db):
    result = _rficrawl("mongo", "status", "--uri", mongo_server.uri, "--database", mongo_db.db)
    assert result.returncode == 0, result.stderr
    assert mongo_server.uri in result.stdout
    assert "ping" in result.stdout
    assert f"database {mongo_db.db}: empty (nothing stored yet)" in result.stdout
    mongo_db.database.articles.insert_many([{"n": n} for n in range(3)])
    mongo_db.database.crawls.insert_one({"spider": "fronts"})
    result = _rficrawl("mongo", "status", "--uri", mongo_server.uri, "--database", mongo_db.db)
    assert f"database {mongo_db.db}: 3 articles, 1 crawls" in result.stdout
    expected = {"ferretdb": "FerretDB", "nx-27017": "nx-27017", "mongod": "MongoDB"}.get(mongo_server.kind)
    if expected:
        assert expected in result.stdout


def test_status_of_a_dead_uri_fails_with_a_hint():
    uri = f"mongodb://127.0.0.1:{free_port()}"
    env = {**os.environ, "MONGO_URI": uri}
    result = _rficrawl("mongo", "status", env=env)
    assert result.returncode == 1
    assert f"{uri} (MONGO_URI): no answer" in result.stdout
    assert "rficrawl mongo serve" in result.stdout


def test_status_hides_the_password():
    uri = f"mongodb://archivist:s3cret@127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=300"
    result = _rficrawl("mongo", "status", "--uri", uri)
    assert result.returncode == 1
    assert "s3cret" not in result.stdout + result.stderr
    assert "archivist:***@" in result.stdout


def test_serve_runs_until_sigterm(tmp_path):
    uri_file = tmp_path / "uri"
    env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
    process = subprocess.Popen(
        [*RFICRAWL, "mongo", "serve", "--data", str(tmp_path / "data"),
         "--port", "0", "--uri-file", str(uri_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not uri_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert uri_file.exists(), process.stderr.read() if process.poll() is not None else "timeout"
        uri = uri_file.read_text().strip()
        assert ping(uri)["ok"]
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert stdout.splitlines()[0] == uri
    assert "stopped" in stderr
    assert not uri_file.exists()
    with pytest.raises(PyMongoError):
        ping(uri, timeout=0.5)
    assert any((tmp_path / "data").glob("*.log"))


def test_serve_refuses_a_port_where_a_server_answers(mongo_server):
    if mongo_server.kind == "external":
        pytest.skip("MONGO_URI points at an external server; its port is not ours to test")
    port = mongo_server.uri.rsplit(":", 1)[1]
    result = _rficrawl("mongo", "serve", "--port", port)
    assert result.returncode == 2
    assert f"already answers at {mongo_server.uri}" in result.stderr


def test_launcher_page_cache_flag(tmp_path):
    """-cache-mib sets each SQLite connection's page cache (64 MiB by default, for the key tables
    of a large archive); a size below 1 MiB is refused in one line, and a server with a small
    cache, extra SQLite parameters and Go's default garbage collection (-gc-percent) answers."""
    try:
        prepare_ferretdb("ferretdb")
        launcher = ferretdb.find_launcher()
    except (ServerError, ferretdb.LauncherError) as exc:
        pytest.skip(f"no FerretDB launcher: {exc}")
    refused = subprocess.run([str(launcher), "-cache-mib", "0", "-data-dir", str(tmp_path)],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert refused.returncode == 1
    assert refused.stderr.strip() == "ferretdb-launcher: -cache-mib 0: must be at least 1"
    port = free_port()
    process = subprocess.Popen(
        [str(launcher), "-listen-addr", f"127.0.0.1:{port}", "-data-dir", str(tmp_path),
         "-cache-mib", "4", "-sqlite-params", "_pragma=mmap_size(0)", "-gc-percent", "100",
         "-log-level", "error"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        assert process.stderr.readline().startswith(f"ferretdb-launcher: serving 127.0.0.1:{port}")
        uri = f"mongodb://127.0.0.1:{port}"
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=30_000) as client:
            client.rfi.articles.insert_many([{"_id": f"a{n}", "n": n} for n in range(50)])
            assert client.rfi.articles.count_documents({}) == 50
    finally:
        process.terminate()
        process.wait(timeout=30)
