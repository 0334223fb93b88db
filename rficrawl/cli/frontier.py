"""``rficrawl frontier``: look into the shared Redis frontier, and start it over.

``status`` shows, for each spider with keys under the prefix, its current run, the requests
queued and in flight, the live workers and the duplicate filters' size and memory, so an operator
can see whether a distributed crawl is progressing, stuck or done. ``reset SPIDER`` removes a
spider's queue and run (``--kept`` also forgets which articles were fetched); it refuses while
workers are alive.
"""

from __future__ import annotations

import argparse
import json

import redis
from scrapy import Spider
from scrapy.utils.project import get_project_settings

from rficrawl.cli.main import CommandError
from rficrawl.frontier.addon import FrontierAddon
from rficrawl.frontier.connection import OUTAGE_ERRORS, client_from_settings
from rficrawl.frontier.queue import LeasedQueue
from rficrawl.redaction import redact


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "frontier",
        help="show or reset the shared Redis frontier of distributed crawls",
        description="Inspect the request queue, workers and duplicate filters that workers share "
        "when crawls run with REDIS_URL (docs/frontier.md).",
    )
    parser.add_argument(
        "--redis-url", help="Redis of the frontier (default: the REDIS_URL setting or variable)"
    )
    parser.add_argument(
        "--prefix", help="key prefix (default: the FRONTIER_KEY_PREFIX setting, rficrawl)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="runs, queues, workers and filters per spider")
    status.add_argument("spider", nargs="?", help="only this spider")
    status.add_argument("--json", action="store_true", help="print JSON")
    reset = actions.add_parser(
        "reset", help="drop a spider's queue and run (refused while workers are alive)"
    )
    reset.add_argument("spider")
    reset.add_argument(
        "--kept", action="store_true", help="also forget which articles were fetched (refetch all)"
    )
    parser.set_defaults(func=frontier_command)


def frontier_command(args: argparse.Namespace) -> int:
    settings = get_project_settings()
    FrontierAddon().set_defaults(settings)  # REDIS_URL from the environment, FRONTIER_* defaults
    if args.redis_url:
        settings.set("REDIS_URL", args.redis_url, priority="cmdline")
    url = settings.get("REDIS_URL")
    if not url:
        raise CommandError("no Redis to look at: give --redis-url or set REDIS_URL")
    prefix = args.prefix or settings.get("FRONTIER_KEY_PREFIX")
    client = client_from_settings(settings)
    try:
        client.ping()
        if args.action == "reset":
            return reset(client, prefix, args.spider, args.kept)
        report = [spider_status(client, prefix, name) for name in spiders(client, prefix, args.spider)]
    except OUTAGE_ERRORS as exc:
        raise CommandError(f"Redis at {redact(url)} is unreachable ({exc})") from None
    if args.json:
        print(json.dumps(report, indent=2))
    elif not report:
        print(f"no frontier under {prefix}:* at {redact(url)}")
    for entry in [] if args.json else report:
        print_status(entry)
    return 0


def spiders(client: redis.Redis, prefix: str, only: str | None) -> list[str]:
    if only:
        return [only]
    names = set()
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        parts = key.decode().split(":")
        if len(parts) >= 3:
            names.add(parts[1])
    return sorted(names)


def spider_status(client: redis.Redis, prefix: str, name: str) -> dict:
    queue = LeasedQueue(client, Spider(name=name), prefix, "rficrawl-cli", 0)
    status = queue.status()
    run = {k.decode(): v.decode() for k, v in client.hgetall(queue.run_key).items()}
    filters = {}
    for which in ("run", "kept"):
        key = f"{queue.base}:seen:{which}"
        kind = client.type(key).decode()
        entry = {"bytes": client.memory_usage(key, samples=0) or 0, "kind": kind}
        if kind == "set":
            entry["fingerprints"] = client.scard(key)
        filters[which] = entry
    return {
        "spider": name,
        "run": run.get("id", ""),
        "queued": status.queued,
        "in_flight": status.in_flight,
        "live_workers": status.live_workers,
        "seeding": status.seeding,
        "filters": filters,
    }


def print_status(entry: dict) -> None:
    run = entry["run"] or "none open"
    print(f"{entry['spider']}: run {run}; {entry['queued']} queued, {entry['in_flight']} in "
          f"flight, {entry['live_workers']} live workers{', seeding' if entry['seeding'] else ''}")
    for which, info in entry["filters"].items():
        if info["kind"] == "none":
            continue
        size = f"{info['fingerprints']} fingerprints, " if "fingerprints" in info else "bloom, "
        print(f"  {which} filter: {size}{info['bytes'] / 2**20:.1f} MiB")


def reset(client: redis.Redis, prefix: str, spider: str, kept: bool) -> int:
    queue = LeasedQueue(client, Spider(name=spider), prefix, "rficrawl-cli", 0)
    live = queue.status().live_workers
    if live:
        raise CommandError(
            f"{live} worker(s) of {spider} are alive; stop them (or wait for "
            "FRONTIER_LEASE_TIMEOUT after they died) before resetting"
        )
    keys = [queue.key, queue.workers_key, queue.run_key, queue.seq_key, f"{queue.base}:seen:run"]
    keys += [key.decode() for key in client.scan_iter(match=queue.inflight_prefix + "*")]
    if kept:
        keys.append(f"{queue.base}:seen:kept")
    removed = client.delete(*keys)
    what = "queue, run and kept articles" if kept else "queue and run (kept articles stay)"
    print(f"{spider}: removed the {what}; {removed} keys deleted")
    return 0
