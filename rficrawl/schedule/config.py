"""The schedule file (``deploy/schedule.toml``): which crawls run when, and on which scrapyd nodes.

The file is validated as a whole before anything fires, so a typo in a cron expression, a spider
name or a node name is one clear error at start-up instead of a job that silently never runs.
Credentials are never written in the file: ``${VAR}`` in a node's url, username or password, or
in a job's argument or setting, is replaced by the environment variable ``VAR``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

# Where `rficrawl schedule` and `rficrawl nodes` look when --config is not given.
DEFAULT_SCHEDULE_PATH = "deploy/schedule.toml"
SCHEDULE_ENV = "RFICRAWL_SCHEDULE"

# Job names end up in scrapyd job ids, hence in log file names: keep them file-name safe, without
# the dot that separates the name from the start time in a job id (see firing.job_id).
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")

TOP_KEYS = {"project", "timezone", "nodes", "jobs"}
NODE_KEYS = {"url", "username", "password"}
JOB_KEYS = {"spider", "cron", "nodes", "args", "settings", "priority"}


class ScheduleError(ValueError):
    """The schedule file is missing or wrong; the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Node:
    """One scrapyd server, with its credentials already read from the environment."""

    name: str
    url: str
    username: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class Job:
    """One scheduled crawl: a spider with its arguments and settings, on a cron expression."""

    name: str
    spider: str
    cron: str
    nodes: tuple[str, ...]
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    priority: float = 0.0
    trigger: CronTrigger | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Schedule:
    path: Path
    project: str
    timezone: str
    nodes: dict[str, Node]
    jobs: dict[str, Job]

    def job(self, name: str) -> Job:
        """The job called ``name``; the error lists the jobs there are."""
        try:
            return self.jobs[name]
        except KeyError:
            known = ", ".join(self.jobs) or "none"
            raise ScheduleError(f"{self.path}: no job named {name!r} (jobs: {known})") from None


def default_schedule_path() -> Path:
    return Path(os.environ.get(SCHEDULE_ENV) or DEFAULT_SCHEDULE_PATH)


def load_schedule(path: str | Path | None = None, spiders: set[str] | None = None) -> Schedule:
    """Read and validate a schedule file.

    ``spiders`` is the set of valid spider names; by default the project's own spiders, read
    from their source without importing them (no reactor, no browser, no side effects).
    """
    path = Path(path) if path is not None else default_schedule_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(
            f"schedule file {path} not found; pass --config PATH or set {SCHEDULE_ENV}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path}: not valid TOML: {exc}") from None
    _check_keys(path, "the file", data, TOP_KEYS)
    project = _string(path, "project", data.get("project", "rficrawl"))
    timezone = _string(path, "timezone", data.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"{path}: unknown timezone {timezone!r}; use an IANA name such as 'UTC' or "
            "'Europe/Paris'"
        ) from None
    nodes = {name: _node(path, name, entry) for name, entry in _table(path, data, "nodes").items()}
    if not nodes:
        raise ScheduleError(f"{path}: no [nodes.NAME] table; list at least one scrapyd node")
    known_spiders = project_spider_names() if spiders is None else spiders
    jobs = {
        name: _job(path, name, entry, nodes, known_spiders, timezone)
        for name, entry in _table(path, data, "jobs").items()
    }
    return Schedule(path, project, timezone, nodes, jobs)


def parse_cron(expression: str, timezone: str = "UTC") -> CronTrigger:
    """A CronTrigger from a crontab expression.

    Five fields as in crontab (minute hour day month weekday), or six with seconds first. Weekday
    numbers follow crontab (0 or 7 = Sunday); they are turned into names because APScheduler 3
    counts from Monday, which would silently shift every weekly job by one day.
    """
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    second = fields.pop(0) if len(fields) == 6 else "0"
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        second=second,
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_crontab_weekdays(weekday),
        timezone=timezone,
    )


def _crontab_weekdays(field_text: str) -> str:
    def name(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if number > 7:
            raise ValueError(f"weekday {number} is out of range 0-7")
        return WEEKDAYS[number]

    # A number right after "/" is a step, not a weekday.
    return re.sub(r"(?<![/\d])\d+", name, field_text)


def project_spider_names() -> set[str]:
    """Names of the spiders in the project's SPIDER_MODULES, found by reading their source."""
    from rficrawl import settings

    names: set[str] = set()
    for module in settings.SPIDER_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None:
            continue
        if spec.submodule_search_locations:
            files = [p for loc in spec.submodule_search_locations for p in Path(loc).rglob("*.py")]
        else:
            files = [Path(spec.origin)] if spec.origin else []
        for file in files:
            names |= _spider_names_in(file)
    return names


def _spider_names_in(file: Path) -> set[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            target, value = None, None
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign):
                target, value = statement.target, statement.value
            if (
                isinstance(target, ast.Name)
                and target.id == "name"
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                names.add(value.value)
    return names


def _node(path: Path, name: str, entry: object) -> Node:
    where = f"node {name!r}"
    _check_name(path, "node", name)
    if not isinstance(entry, dict):
        raise ScheduleError(f"{path}: {where} must be a table with a url")
    _check_keys(path, where, entry, NODE_KEYS)
    if "url" not in entry:
        raise ScheduleError(f'{path}: {where} has no url (e.g. url = "http://10.0.0.11:6800")')
    url = _expand(path, where, "url", _string(path, f"{where} url", entry["url"]))
    if not re.match(r"^https?://[^/]+", url):
        raise ScheduleError(f"{path}: {where} url {url!r} is not an http(s) URL")
    return Node(
        name=name,
        url=url.rstrip("/"),
        username=_expand(
            path, where, "username", _string(path, f"{where} username", entry.get("username", ""))
        ),
        password=_expand(
            path, where, "password", _string(path, f"{where} password", entry.get("password", ""))
        ),
    )


def _job(
    path: Path,
    name: str,
    entry: object,
    nodes: dict[str, Node],
    spiders: set[str],
    timezone: str,
) -> Job:
    where = f"job {name!r}"
    _check_name(path, "job", name)
    if not isinstance(entry, dict):
        raise ScheduleError(f"{path}: {where} must be a table with spider and cron")
    _check_keys(path, where, entry, JOB_KEYS)
    for key in ("spider", "cron"):
        if key not in entry:
            raise ScheduleError(f"{path}: {where} has no {key}")
    spider = _string(path, f"{where} spider", entry["spider"])
    if spider not in spiders:
        known = ", ".join(sorted(spiders)) or "none found"
        raise ScheduleError(f"{path}: {where}: unknown spider {spider!r} (spiders: {known})")
    cron = _string(path, f"{where} cron", entry["cron"])
    try:
        trigger = parse_cron(cron, timezone)
    except ValueError as exc:
        raise ScheduleError(f"{path}: {where}: bad cron expression {cron!r}: {exc}") from None
    job_nodes = entry.get("nodes", list(nodes))
    if not isinstance(job_nodes, list) or not job_nodes:
        raise ScheduleError(f"{path}: {where}: nodes must be a non-empty list of node names")
    for node in job_nodes:
        if node not in nodes:
            known = ", ".join(nodes)
            raise ScheduleError(f"{path}: {where}: unknown node {node!r} (nodes: {known})")
    priority = entry.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int | float):
        raise ScheduleError(f"{path}: {where}: priority must be a number")
    return Job(
        name=name,
        spider=spider,
        cron=cron,
        nodes=tuple(job_nodes),
        args=_values(path, f"{where} args", entry.get("args", {})),
        settings=_values(path, f"{where} settings", entry.get("settings", {})),
        priority=float(priority),
        trigger=trigger,
    )


def _values(path: Path, where: str, table: object) -> dict[str, str]:
    """Spider arguments and settings as scrapyd takes them: strings (tables become JSON).

    ``${VAR}`` in a string value is read from the scheduler's environment, so a job can pass
    e.g. ``MONGO_URI = "${MONGO_URI}"`` without writing a password into the file.
    """
    if not isinstance(table, dict):
        raise ScheduleError(f"{path}: {where} must be a table of NAME = value")
    values = {}
    for key, value in table.items():
        if isinstance(value, bool):
            values[key] = "True" if value else "False"
        elif isinstance(value, dict | list):
            values[key] = json.dumps(value)
        elif isinstance(value, str):
            values[key] = _expand(path, where, key, value)
        else:
            values[key] = str(value)
    return values


def _expand(path: Path, where: str, key: str, value: str) -> str:
    def lookup(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in os.environ:
            raise ScheduleError(
                f"{path}: {where} {key} needs the environment variable {variable}, which is not "
                "set; export it (see README.md, 'Deploying')"
            )
        return os.environ[variable]

    return ENV_RE.sub(lookup, value)


def _table(path: Path, data: dict, key: str) -> dict:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ScheduleError(f"{path}: {key} must be tables ([{key}.NAME])")
    return table


def _string(path: Path, where: str, value: object) -> str:
    if not isinstance(value, str):
        raise ScheduleError(f"{path}: {where} must be a string, got {value!r}")
    return value


def _check_name(path: Path, kind: str, name: str) -> None:
    if not NAME_RE.match(name):
        raise ScheduleError(
            f"{path}: {kind} name {name!r} may hold only letters, digits, '-' and '_'"
        )


def _check_keys(path: Path, where: str, entry: dict, allowed: set[str]) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ScheduleError(
            f"{path}: {where}: unknown key(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )
