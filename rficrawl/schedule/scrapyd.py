"""A small client for one scrapyd node's JSON API (scrapyd 1.6).

Every failure becomes a ``NodeError`` whose message names the node and says what to check, so the
scheduler can log it and carry on with the other nodes instead of dying on a traceback.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from rficrawl.schedule.config import Node


class NodeError(Exception):
    """A node could not answer: ``unreachable`` (network), ``refused`` (credentials) or ``error``."""

    def __init__(self, node: Node, kind: str, detail: str) -> None:
        super().__init__(f"node {node.name} ({node.url}): {detail}")
        self.node = node
        self.kind = kind
        self.detail = detail


class ScrapydNode:
    """The scrapyd API calls the scheduler and ``rficrawl nodes`` need."""

    def __init__(self, node: Node, timeout: float = 10.0) -> None:
        self.node = node
        self.timeout = timeout
        self.session = requests.Session()
        if node.username or node.password:
            self.session.auth = (node.username, node.password)

    def daemon_status(self) -> dict[str, Any]:
        """Counts of pending, running and finished jobs (daemonstatus.json)."""
        return self._call("GET", "daemonstatus.json")

    def list_jobs(self, project: str) -> dict[str, list[dict[str, Any]]]:
        """Pending, running and finished jobs of a project (listjobs.json)."""
        return self._call("GET", "listjobs.json", params={"project": project})

    def list_spiders(self, project: str) -> list[str]:
        return self._call("GET", "listspiders.json", params={"project": project})["spiders"]

    def cancel(self, project: str, jobid: str, signal: str = "TERM") -> str | None:
        """Cancel a pending or running job (cancel.json); returns its previous state."""
        data = {"project": project, "job": jobid, "signal": signal}
        return self._call("POST", "cancel.json", data=data)["prevstate"]

    def schedule(
        self,
        project: str,
        spider: str,
        jobid: str,
        args: dict[str, str],
        settings: dict[str, str],
        priority: float = 0.0,
    ) -> str:
        """Queue a crawl (schedule.json); returns the job id scrapyd accepted."""
        data: list[tuple[str, str]] = [
            ("project", project),
            ("spider", spider),
            ("jobid", jobid),
            ("priority", str(priority)),
        ]
        data += [("setting", f"{name}={value}") for name, value in settings.items()]
        data += list(args.items())
        return self._call("POST", "schedule.json", data=data)["jobid"]

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.node.url}/{endpoint}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise NodeError(
                self.node, "unreachable", f"unreachable: no answer within {self.timeout:g} s"
            ) from None
        except requests.RequestException as exc:
            raise NodeError(
                self.node, "unreachable", f"unreachable: {_short_reason(exc)}"
            ) from None
        if response.status_code == 401:
            raise NodeError(
                self.node,
                "refused",
                "credentials refused (401); check the node's username and password and the "
                "environment variables they come from",
            )
        try:
            payload = response.json()
        except ValueError:
            raise NodeError(
                self.node, "error", f"{endpoint} answered HTTP {response.status_code}, not JSON"
            ) from None
        if payload.get("status") != "ok":
            message = payload.get("message", response.text.strip())
            if re.fullmatch(r"project '.*' not found", message):
                message += f"; deploy it first: scrapyd-deploy {self.node.name}"
            raise NodeError(self.node, "error", f"{endpoint} failed: {message}")
        return payload


def _short_reason(exc: requests.RequestException) -> str:
    """ "[Errno 111] Connection refused" rather than urllib3's three nested exception reprs."""
    found = re.findall(r"\[Errno -?\d+\] [^'\")\]]+", str(exc))
    return found[-1].strip() if found else type(exc).__name__
