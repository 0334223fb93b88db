"""``rficrawl nodes``: each scrapyd node's status and its running and pending crawls.

Reads the nodes of the schedule file, so the scheduler and this view always agree on the fleet.
The exit code is 1 when a node does not answer, so it doubles as a health check.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from rich.console import Console
from rich.table import Table

from rficrawl.cli.schedule import add_config_option, load
from rficrawl.schedule.firing import job_name_of
from rficrawl.schedule.scrapyd import NodeError, ScrapydNode


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "nodes",
        help="show each scrapyd node's status, running and pending crawls",
        description="Ask every node of the schedule file for its status (daemonstatus.json) and "
        "jobs (listjobs.json): running and pending crawls, and the last finished run of each "
        "scheduled job. Exit code 1 when a node is unreachable, refuses the credentials or "
        "answers with an error (e.g. the project is not deployed there).",
    )
    add_config_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for each node (default: 5)"
    )
    parser.set_defaults(func=nodes_command)


def nodes_command(args: argparse.Namespace) -> int:
    schedule = load(args)
    report = []
    for node in schedule.nodes.values():
        client = ScrapydNode(node, timeout=args.timeout)
        entry: dict = {"node": node.name, "url": node.url}
        try:
            entry["status"] = client.daemon_status()
            jobs = client.list_jobs(schedule.project)
            entry["running"] = jobs.get("running", [])
            entry["pending"] = jobs.get("pending", [])
            entry["last_finished"] = last_finished(jobs.get("finished", []))
            entry["state"] = "ok"
        except NodeError as exc:
            entry["state"] = exc.kind
            entry["error"] = exc.detail
        report.append(entry)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_tables(report, schedule.project)
    return 0 if all(entry["state"] == "ok" for entry in report) else 1


def last_finished(finished: list[dict]) -> dict[str, dict]:
    """The latest finished run of each schedule job, keyed by job name (scrapyd lists newest first)."""
    latest: dict[str, dict] = {}
    for run in finished:
        name = job_name_of(run["id"])
        if name is not None and name not in latest:
            latest[name] = run
    return latest


def print_tables(report: list[dict], project: str) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # job ids unwrapped when piped or captured
    nodes = Table(title="scrapyd nodes")
    for column in ("node", "url", "state", "running", "pending", "finished"):
        nodes.add_column(column)
    for entry in report:
        status = entry.get("status", {})
        state = "ok" if entry["state"] == "ok" else entry["error"]
        nodes.add_row(
            entry["node"],
            entry["url"],
            state,
            str(status.get("running", "-")),
            str(status.get("pending", "-")),
            str(status.get("finished", "-")),
        )
    console.print(nodes)
    print_last_runs(console, report)
    if not any(entry.get("running") or entry.get("pending") for entry in report):
        console.print(f"no running or pending jobs of project {project}")
        return
    jobs = Table(title=f"running and pending jobs of project {project}")
    for column in ("node", "state", "job id", "schedule job", "spider", "started"):
        jobs.add_column(column)
    for entry in report:
        for state in ("running", "pending"):
            for job in entry.get(state, []):
                jobs.add_row(
                    entry["node"],
                    state,
                    job["id"],
                    job_name_of(job["id"]) or "-",
                    job["spider"],
                    job.get("start_time", "-"),
                )
    console.print(jobs)


def print_last_runs(console: Console, report: list[dict]) -> None:
    runs = Table(title="last finished run of each scheduled job")
    for column in ("node", "schedule job", "job id", "started", "ended", "took"):
        runs.add_column(column)
    for entry in report:
        for name, run in sorted(entry.get("last_finished", {}).items()):
            runs.add_row(
                entry["node"],
                name,
                run["id"],
                run["start_time"],
                run["end_time"],
                _took(run["start_time"], run["end_time"]),
            )
    if runs.row_count:
        console.print(runs)


def _took(start: str, end: str) -> str:
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return "-"
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"
