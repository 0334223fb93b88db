"""``rficrawl schedule``: fire the crawls of deploy/schedule.toml on scrapyd nodes.

``run`` is the long-running scheduler (systemd unit / compose service); ``once`` fires one job now
for people who prefer their system's cron; ``cancel`` stops a job's runs; ``list`` validates the
file and shows next fire times.
"""

from __future__ import annotations

import argparse
import logging

from rich.console import Console
from rich.table import Table

from rficrawl.cli.main import CommandError
from rficrawl.schedule.config import (
    DEFAULT_SCHEDULE_PATH,
    SCHEDULE_ENV,
    Job,
    Schedule,
    ScheduleError,
    load_schedule,
)
from rficrawl.schedule.firing import FIRED, SKIPPED, cancel_runs, fire_on_nodes
from rficrawl.schedule.runner import next_fire_times, run_forever


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """The --config option shared with ``rficrawl nodes``."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=None,
        help=f"schedule file (default: ${SCHEDULE_ENV} or {DEFAULT_SCHEDULE_PATH})",
    )


def load(args: argparse.Namespace) -> Schedule:
    try:
        return load_schedule(args.config)
    except ScheduleError as exc:
        raise CommandError(str(exc)) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="fire scheduled crawls on scrapyd nodes",
        description="Fire the crawls listed in the schedule file on scrapyd nodes. A job never "
        "starts on a node while its previous run there is still pending or running.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    run = actions.add_parser(
        "run",
        help="keep firing every job on its cron expression (until SIGTERM)",
        description="Keep firing every job on its cron expression; each decision (fired, skipped: "
        "still running, skipped: node unreachable) is logged to stderr. SIGHUP re-reads the "
        "schedule file (a file with errors is logged and the running schedule kept); SIGTERM stops.",
    )
    add_config_option(run)
    run.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"], help="default: INFO"
    )
    run.set_defaults(func=run_command)

    once = actions.add_parser(
        "once",
        help="fire one job now (for system cron); exit 1 if a node could not take it",
        description="Fire one job now on its nodes, unless its previous run is still pending or "
        "running there. Exit code 0 when every node fired or skipped it, 1 when a node was "
        "unreachable or refused it.",
    )
    once.add_argument("job", help="job name (a [jobs.NAME] table of the schedule file)")
    once.add_argument("--node", action="append", metavar="NAME", help="only this node (repeatable)")
    add_config_option(once)
    once.set_defaults(func=once_command)

    cancel = actions.add_parser(
        "cancel",
        help="cancel a job's pending and running runs (running crawls close cleanly)",
        description="Cancel the pending and running runs the scheduler started for a job, on its "
        "nodes. Running crawls get SIGTERM and close cleanly once their requests in flight are "
        "answered (--force: at once). Exit code 1 when a node could not be asked.",
    )
    cancel.add_argument("job", help="job name (a [jobs.NAME] table of the schedule file)")
    cancel.add_argument(
        "--node", action="append", metavar="NAME", help="only this node (repeatable)"
    )
    cancel.add_argument(
        "--force",
        action="store_true",
        help="stop running crawls now (a second SIGTERM), without waiting for requests in flight",
    )
    add_config_option(cancel)
    cancel.set_defaults(func=cancel_command)

    listing = actions.add_parser(
        "list", help="validate the schedule file and show each job's next fire time"
    )
    add_config_option(listing)
    listing.set_defaults(func=list_command)


def run_command(args: argparse.Namespace) -> int:
    schedule = load(args)
    if not schedule.jobs:
        raise CommandError(f"{schedule.path}: no [jobs.NAME] table; nothing to schedule")
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_forever(schedule, reload=lambda: load_schedule(args.config))
    return 0


def job_and_nodes(args: argparse.Namespace) -> tuple[Schedule, Job, tuple[str, ...] | None]:
    """The schedule, the job named on the command line and the --node choices, checked."""
    schedule = load(args)
    try:
        job = schedule.job(args.job)
    except ScheduleError as exc:
        raise CommandError(str(exc)) from None
    for node in args.node or ():
        if node not in schedule.nodes:
            raise CommandError(
                f"{schedule.path}: no node named {node!r} (nodes: {', '.join(schedule.nodes)})"
            )
    return schedule, job, tuple(args.node) if args.node else None


def once_command(args: argparse.Namespace) -> int:
    schedule, job, nodes = job_and_nodes(args)
    # The decisions are printed here; the log records of firing would repeat them on stderr.
    logging.getLogger("rficrawl.schedule").addHandler(logging.NullHandler())
    decisions = fire_on_nodes(schedule, job, nodes)
    for decision in decisions:
        print(decision.message())
    return 0 if all(d.outcome in (FIRED, SKIPPED) for d in decisions) else 1


def cancel_command(args: argparse.Namespace) -> int:
    schedule, job, nodes = job_and_nodes(args)
    results = cancel_runs(schedule, job, nodes, force=args.force)
    for _, line in results:
        print(line)
    return 0 if all(answered for answered, _ in results) else 1


def list_command(args: argparse.Namespace) -> int:
    schedule = load(args)
    table = Table(title=f"{schedule.path} (project {schedule.project}, {schedule.timezone})")
    for column in ("job", "spider", "cron", "nodes", "args", "next fire"):
        table.add_column(column)
    upcoming = next_fire_times(schedule)
    for name, job in schedule.jobs.items():
        when = upcoming[name]
        table.add_row(
            name,
            job.spider,
            job.cron,
            ", ".join(job.nodes),
            " ".join(f"{k}={v}" for k, v in job.args.items()),
            when.strftime("%Y-%m-%d %H:%M:%S %Z") if when else "never",
        )
    Console(width=200).print(table)
    return 0
