"""Real scrapyd processes with authentication, on free 127.0.0.1 ports.

``scrapyd_factory()`` starts ``python -m scrapyd`` (this virtualenv's interpreter, which scrapyd
also uses for the crawls it runs) in a fresh working directory holding the project's own
``deploy/scrapyd.conf``, so the tests exercise the production config: authentication, SQLite job
storage, jobs/logs/eggs/dbs directories. At teardown every crawl the node still runs is killed
through cancel.json, then scrapyd itself is stopped.

``deploy_project(target, env)`` runs ``scrapyd-deploy`` on the project's scrapy.cfg, as a user
would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from rficrawl.ops.process import NotReady, free_port, wait_ready

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRAPYD_CONF = REPO_ROOT / "deploy" / "scrapyd.conf"
USERNAME = "archivist"
PASSWORD = "test-secret"


@dataclass
class ScrapydProcess:
    workdir: Path
    port: int
    username: str = USERNAME
    password: str = PASSWORD
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SCRAPYD_HTTP_PORT": str(self.port),
            "SCRAPYD_BIND_ADDRESS": "127.0.0.1",
            "SCRAPYD_USERNAME": self.username,
            "SCRAPYD_PASSWORD": self.password,
        }

    def start(self, timeout: float = 30.0) -> ScrapydProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(SCRAPYD_CONF, self.workdir / "scrapyd.conf")
        log = (self.workdir / "scrapyd.out").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile="],
            cwd=self.workdir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(
                lambda: self.api("daemonstatus.json", timeout=2).status_code == 200,
                what=f"scrapyd on port {self.port}",
                timeout=timeout,
                process=self.process,
                errors=(requests.ConnectionError,),
                interval=0.2,
            )
        except NotReady as exc:
            raise RuntimeError(f"{exc}:\n{self.log()}") from None
        return self

    def api(
        self,
        endpoint: str,
        method: str = "GET",
        auth: bool = True,
        timeout: float = 10,
        **kwargs: Any,
    ) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}/{endpoint}",
            auth=(self.username, self.password) if auth else None,
            timeout=timeout,
            **kwargs,
        )

    def jobs(self, project: str = "rficrawl") -> dict[str, list[dict]]:
        return self.api("listjobs.json", params={"project": project}).json()

    def wait_for(
        self, predicate: Callable[[dict], bool], timeout: float = 60.0, project: str = "rficrawl"
    ) -> dict:
        """Poll listjobs.json until ``predicate(jobs)`` holds; returns the last answer."""
        deadline = time.monotonic() + timeout
        jobs = self.jobs(project)
        while not predicate(jobs):
            if time.monotonic() > deadline:
                raise AssertionError(f"scrapyd {self.url}: condition not met in {timeout}s: {jobs}")
            time.sleep(0.5)
            jobs = self.jobs(project)
        return jobs

    def job_log(self, spider: str, jobid: str, project: str = "rficrawl") -> str:
        path = self.workdir / "logs" / project / spider / f"{jobid}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def log(self) -> str:
        path = self.workdir / "scrapyd.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def cancel_all(self) -> None:
        """Kill every crawl of every project, pending or running."""
        try:
            projects = self.api("listprojects.json", timeout=5).json().get("projects", [])
            for project in projects:
                jobs = self.jobs(project)
                for job in jobs.get("pending", []) + jobs.get("running", []):
                    self.api(
                        "cancel.json",
                        "POST",
                        data={"project": project, "job": job["id"], "signal": "KILL"},
                        timeout=5,
                    )
                for job in jobs.get("running", []):
                    _wait_gone(job.get("pid"))
        except requests.RequestException:
            pass

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.cancel_all()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _wait_gone(pid: int | None, timeout: float = 10.0) -> None:
    if not pid:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def deploy_project(
    target: str, env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess:
    """``scrapyd-deploy TARGET`` from the project's root, with credentials etc. in ``env``."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "scrapyd-deploy"), target],
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def deploy_to_nodes(nodes: dict[str, ScrapydProcess]) -> dict[str, dict]:
    """``scrapyd-deploy`` to each node (deploy targets node1, node2 of scrapy.cfg), as a user does;
    returns scrapyd's answer per node. scrapyd answers HTTP 200 even when it cannot load the egg,
    so its verdict is read and must be "ok"."""
    env = {f"SCRAPYD_{name.upper()}_URL": node.url for name, node in nodes.items()}
    env.update(SCRAPYD_USERNAME=USERNAME, SCRAPYD_PASSWORD=PASSWORD)
    answers = {}
    for name in nodes:
        result = deploy_project(name, env)
        assert result.returncode == 0, result.stderr
        answers[name] = json.loads(result.stdout)
        assert answers[name]["status"] == "ok", answers[name].get("message")
    return answers


@pytest.fixture
def scrapyd_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., ScrapydProcess]]:
    """Start scrapyd processes (``factory(name)``); all are stopped when the test ends."""
    started: list[ScrapydProcess] = []

    def factory(name: str = "scrapyd", **options: Any) -> ScrapydProcess:
        node = ScrapydProcess(tmp_path_factory.mktemp(name), free_port(), **options)
        started.append(node)
        return node.start()

    yield factory
    for node in started:
        node.stop()
