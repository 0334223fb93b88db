"""Keep every job of a schedule firing on its cron expression, with APScheduler.

One APScheduler job per schedule job, with ``max_instances=1`` and ``coalesce=True``: if the nodes
are slow to answer, fire times pile up into one firing instead of a burst. Whether a crawl may start
is decided per node by ``firing.fire`` (never twice at once on a node).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from rficrawl.schedule.config import Schedule, ScheduleError
from rficrawl.schedule.firing import fire_on_nodes
from rficrawl.schedule.scrapyd import NodeError, ScrapydNode

logger = logging.getLogger("rficrawl.schedule")

# A fire time missed by more than this (the scheduler was down or busy) is dropped, not caught up.
MISFIRE_GRACE_SECONDS = 300


def add_jobs(scheduler: BaseScheduler, schedule: Schedule) -> None:
    for job in schedule.jobs.values():
        scheduler.add_job(
            fire_on_nodes,
            trigger=job.trigger,
            args=(schedule, job),
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )


def next_fire_times(schedule: Schedule, now: datetime | None = None) -> dict[str, datetime | None]:
    """When each job fires next, as APScheduler computes it."""
    now = now or datetime.now(ZoneInfo(schedule.timezone))
    return {name: job.trigger.get_next_fire_time(None, now) for name, job in schedule.jobs.items()}


def check_deployed_spiders(schedule: Schedule) -> None:
    """Warn at start-up about nodes that lack the project or a scheduled spider."""
    for node in schedule.nodes.values():
        wanted = {job.spider for job in schedule.jobs.values() if node.name in job.nodes}
        if not wanted:
            continue
        try:
            deployed = set(ScrapydNode(node).list_spiders(schedule.project))
        except NodeError as exc:
            logger.warning("cannot check the spiders deployed on %s: %s", node.name, exc.detail)
            continue
        missing = sorted(wanted - deployed)
        if missing:
            logger.warning(
                "node %s lacks spider(s) %s of project %s; deploy with `scrapyd-deploy %s`",
                node.name,
                ", ".join(missing),
                schedule.project,
                node.name,
            )


def run_forever(schedule: Schedule, reload: Callable[[], Schedule] | None = None) -> None:
    """Fire the schedule's jobs until SIGTERM or SIGINT; on SIGHUP, ``reload()`` the schedule.

    A schedule that fails to reload is logged and the running one is kept, so a typo in an edit
    never stops the crawls.
    """
    scheduler = BlockingScheduler(timezone=schedule.timezone)
    add_jobs(scheduler, schedule)

    def stop(signum: int, _frame: object) -> None:
        logger.info("received signal %d, stopping", signum)
        scheduler.shutdown(wait=False)

    def replace_jobs() -> None:
        try:
            fresh = reload()
        except ScheduleError as exc:
            logger.error("schedule not reloaded, the previous one stays in force: %s", exc)
            return
        scheduler.remove_all_jobs()
        add_jobs(scheduler, fresh)
        logger.info("schedule reloaded from %s: %d job(s)", fresh.path, len(fresh.jobs))
        log_next_fire_times(fresh)

    def on_hangup(_signum: int, _frame: object) -> None:
        # Not in the handler itself: it may interrupt the scheduler while it holds its job lock.
        threading.Thread(target=replace_jobs, name="schedule-reload").start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if reload is not None:
        signal.signal(signal.SIGHUP, on_hangup)
    check_deployed_spiders(schedule)
    log_next_fire_times(schedule)
    scheduler.start()


def log_next_fire_times(schedule: Schedule) -> None:
    for name, when in next_fire_times(schedule).items():
        logger.info("job %s next fires at %s", name, when.isoformat() if when else "never")
