"""Start one scheduled job on one node, unless its previous run there is still pending or running.

scrapyd's listjobs.json gives only a job id for running jobs, not its arguments, so the scheduler
names every run it starts ``<job name>.<UTC start time>`` (``fronts-hourly.20260101T120000Z``) and
recognises its own runs by that prefix. A run started by hand with another id is not seen as the
job's, on purpose: the scheduler only answers for what it started.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from rficrawl.schedule.config import Job, Schedule
from rficrawl.schedule.scrapyd import NodeError, ScrapydNode

logger = logging.getLogger("rficrawl.schedule")

# Between the two SIGTERMs of a forced cancel, so Scrapy sees two signals.
FORCE_PAUSE_SECONDS = 1.0

FIRED = "fired"
SKIPPED = "skipped"
UNREACHABLE = "unreachable"
FAILED = "failed"


@dataclass(frozen=True)
class Decision:
    """What happened to one job on one node; logged, and printed by ``schedule once``."""

    job: str
    node: str
    outcome: str
    detail: str
    jobid: str = ""

    def message(self) -> str:
        head = {
            FIRED: "fired",
            SKIPPED: "skipped: still running",
            UNREACHABLE: "skipped: node unreachable",
            FAILED: "failed",
        }[self.outcome]
        text = f"job {self.job} on node {self.node}: {head} ({self.detail})"
        return f"{text} jobid={self.jobid}" if self.jobid else text


def job_id(job_name: str, when: datetime | None = None) -> str:
    """The scrapyd job id of a run of ``job_name`` started at ``when`` (UTC)."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    return f"{job_name}.{when:%Y%m%dT%H%M%S}Z"


def job_name_of(jobid: str) -> str | None:
    """The schedule job a scrapyd job id belongs to, or None for ids the scheduler did not make."""
    name, dot, stamp = jobid.rpartition(".")
    if not dot or len(stamp) != 16 or not stamp.endswith("Z"):
        return None
    return name


def active_runs(jobs: dict[str, list[dict]], job_name: str) -> list[tuple[str, str]]:
    """(state, job id) of the job's runs that are pending or running in a listjobs.json answer."""
    return [
        (state, entry["id"])
        for state in ("running", "pending")
        for entry in jobs.get(state, [])
        if job_name_of(entry.get("id", "")) == job_name
    ]


def fire(
    schedule: Schedule,
    job: Job,
    node_name: str,
    now: datetime | None = None,
    timeout: float = 10.0,
) -> Decision:
    """Fire ``job`` on one node now, or say why not; never raises for a node's failure."""
    client = ScrapydNode(schedule.nodes[node_name], timeout=timeout)
    try:
        running = active_runs(client.list_jobs(schedule.project), job.name)
        if running:
            state, previous = running[0]
            decision = Decision(job.name, node_name, SKIPPED, f"{previous} is {state}")
        else:
            jobid = client.schedule(
                schedule.project,
                job.spider,
                job_id(job.name, now),
                job.args,
                job.settings,
                job.priority,
            )
            decision = Decision(job.name, node_name, FIRED, f"spider {job.spider}", jobid)
    except NodeError as exc:
        outcome = UNREACHABLE if exc.kind == "unreachable" else FAILED
        decision = Decision(job.name, node_name, outcome, exc.detail.removeprefix("unreachable: "))
    level = logging.INFO if decision.outcome in (FIRED, SKIPPED) else logging.WARNING
    logger.log(level, "%s", decision.message())
    return decision


def fire_on_nodes(
    schedule: Schedule, job: Job, nodes: tuple[str, ...] | None = None
) -> list[Decision]:
    """Fire ``job`` on each of its nodes (or the given ones) at once, so a node that does not
    answer delays none of the others; decisions come back in the order of the nodes."""
    names = nodes or job.nodes
    now = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="fire") as pool:
        return list(pool.map(lambda node: fire(schedule, job, node, now), names))


def cancel_runs(
    schedule: Schedule, job: Job, nodes: tuple[str, ...] | None = None, force: bool = False
) -> list[tuple[bool, str]]:
    """Cancel the job's pending and running runs on its nodes (or the given ones).

    Running crawls get SIGTERM, so Scrapy closes them cleanly (finish reason "shutdown") once the
    requests in flight are answered. ``force`` sends a second SIGTERM, which Scrapy takes as "stop
    now": for a crawl stuck on requests that never end. Returns (node answered, what happened) per
    node and cancelled run; raises nothing for a node.
    """
    results = []
    for node_name in nodes or job.nodes:
        where = f"job {job.name} on node {node_name}"
        client = ScrapydNode(schedule.nodes[node_name])
        try:
            runs = active_runs(client.list_jobs(schedule.project), job.name)
            for state, jobid in runs:
                client.cancel(schedule.project, jobid)
                if force and state == "running":
                    time.sleep(FORCE_PAUSE_SECONDS)  # two signals at once would count as one
                    client.cancel(schedule.project, jobid)
                results.append((True, f"{where}: cancelled {jobid} ({state})"))
            if not runs:
                results.append((True, f"{where}: nothing pending or running"))
        except NodeError as exc:
            results.append((False, f"{where}: failed ({exc.detail})"))
    return results
