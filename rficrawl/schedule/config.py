"""The schedule file (``deploy/schedule.toml``): which crawls run when, and on which scrapyd nodes.

The file is validated as a whole before anything fires, so a typo in a cron expression, a spider
name or a node name is one clear error at start-up instead of a job that silently never runs.
The file's shape is the pydantic models below; pydantic's errors are turned into one line that
names the file, the entry and the fix. Spider names are checked against the project's, as Scrapy's
spider loader lists them. Credentials are never written in the file: ``${VAR}`` in a node's url,
username or password, or in a job's argument or setting, is replaced by the environment variable
``VAR``.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    ValidationInfo,
    model_validator,
)

# Where `rficrawl schedule` and `rficrawl nodes` look when --config is not given.
DEFAULT_SCHEDULE_PATH = "deploy/schedule.toml"
SCHEDULE_ENV = "RFICRAWL_SCHEDULE"

# Job names end up in scrapyd job ids, hence in log file names: keep them file-name safe, without
# the dot that separates the name from the start time in a job id (see firing.job_id).
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
# What a key of the wrong type must be, by pydantic's error type.
_EXPECTED = {"string_type": "a string", "dict_type": "a table", "model_type": "a table",
             "list_type": "a list", "tuple_type": "a list", "float_type": "a number"}


class ScheduleError(ValueError):
    """The schedule file is missing or wrong; the message names the file, the entry and the fix."""


def _expanded(value: str, what: str) -> str:
    """``${VAR}`` in ``value`` replaced by the environment variable ``VAR``."""

    def lookup(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in os.environ:
            raise ValueError(
                f"{what} needs the environment variable {variable}, which is not set; export it "
                "(see README.md, 'Deploying')"
            )
        return os.environ[variable]

    return ENV_RE.sub(lookup, value)


def _expand(value: str, info: ValidationInfo) -> str:
    return _expanded(value, str(info.field_name))


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^/]+", value):
        raise ValueError(f"url {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _scrapyd_values(table: dict[str, Any], info: ValidationInfo) -> dict[str, str]:
    """Spider arguments and settings as scrapyd takes them: strings (tables become JSON).

    ``${VAR}`` in a string value is read from the scheduler's environment, so a job can pass
    e.g. ``MONGO_URI = "${MONGO_URI}"`` without writing a password into the file.
    """
    values = {}
    for key, value in table.items():
        if isinstance(value, bool):
            values[key] = "True" if value else "False"
        elif isinstance(value, dict | list):
            values[key] = json.dumps(value)
        elif isinstance(value, str):
            values[key] = _expanded(value, f"{info.field_name} {key}")
        else:
            values[key] = str(value)
    return values


def _name(kind: str):
    def check(name: str) -> str:
        if not NAME_RE.match(name):
            raise ValueError(f"{kind} name {name!r} may hold only letters, digits, '-' and '_'")
        return name

    return AfterValidator(check)


def _spider(name: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("spiders")
    if known is not None and name not in known:
        names = ", ".join(sorted(known)) or "none found"
        raise ValueError(f"unknown spider {name!r} (spiders: {names})")
    return name


def _cron(expression: str) -> str:
    try:
        parse_cron(expression)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {expression!r}: {exc}") from None
    return expression


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}; use an IANA name such as 'UTC' or "
                         "'Europe/Paris'") from None
    return name


Expanded = Annotated[str, AfterValidator(_expand)]
Values = Annotated[dict[str, Any], AfterValidator(_scrapyd_values)]


# Fields the loader fills in, which the file does not hold.
_IMPLIED = frozenset({"name", "path"})


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def file_keys(cls) -> list[str]:
        """The keys the file may hold in such an entry."""
        return sorted(set(cls.model_fields) - _IMPLIED)


class Node(_Entry):
    """One scrapyd server, with its credentials already read from the environment."""

    name: str
    url: Annotated[str, AfterValidator(_expand), AfterValidator(_http_url)]
    username: Expanded = ""
    password: Expanded = Field("", repr=False)


class Job(_Entry):
    """One scheduled crawl: a spider with its arguments and settings, on a cron expression."""

    name: str
    spider: Annotated[str, AfterValidator(_spider)]
    cron: Annotated[str, AfterValidator(_cron)]
    nodes: tuple[str, ...] = Field(min_length=1)
    args: Values = {}
    settings: Values = {}
    priority: Annotated[float, Strict()] = 0.0
    _timezone: str = PrivateAttr("UTC")

    @cached_property
    def trigger(self) -> CronTrigger:
        """When the job fires: its cron expression in the schedule's time zone."""
        return parse_cron(self.cron, self._timezone)


class Schedule(_Entry):
    path: Path
    project: str = "rficrawl"
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"
    nodes: dict[Annotated[str, _name("node")], Node] = Field(min_length=1)
    jobs: dict[Annotated[str, _name("job")], Job] = {}

    @model_validator(mode="before")
    @classmethod
    def _implied_values(cls, data: Any, info: ValidationInfo) -> Any:
        """Each entry's name from its table's; a job's nodes default to every node."""
        if not isinstance(data, dict):
            return data
        data = {**data, "path": (info.context or {}).get("path")}
        nodes = data.get("nodes")
        if isinstance(nodes, dict):
            data["nodes"] = {name: {**entry, "name": name} if isinstance(entry, dict) else entry
                             for name, entry in nodes.items()}
        jobs = data.get("jobs")
        if isinstance(jobs, dict):
            every_node = list(nodes) if isinstance(nodes, dict) else []
            data["jobs"] = {name: {"nodes": every_node, **entry, "name": name}
                            if isinstance(entry, dict) else entry for name, entry in jobs.items()}
        return data

    @model_validator(mode="after")
    def _known_nodes(self) -> Schedule:
        for job in self.jobs.values():
            for node in job.nodes:
                if node not in self.nodes:
                    raise ValueError(f"job {job.name!r}: unknown node {node!r} "
                                     f"(nodes: {', '.join(self.nodes)})")
            job._timezone = self.timezone
        return self

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

    ``spiders`` is the set of valid spider names; by default the project's own spiders.
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
    known = project_spider_names() if spiders is None else spiders
    try:
        return Schedule.model_validate(data, context={"path": path, "spiders": known})
    except ValidationError as exc:
        raise ScheduleError(f"{path}: {_problem(exc.errors())}") from None


def _problem(errors: list[Any]) -> str:
    """The first problem pydantic found, in the words of the schedule file (unknown keys first,
    as a typo in a key also makes the key it meant missing)."""
    unknown = [error for error in errors if error["type"] == "extra_forbidden"]
    if unknown:
        *where, _ = unknown[0]["loc"]
        keys = [error["loc"][-1] for error in unknown if list(error["loc"][:-1]) == where]
        entry = {"nodes": Node, "jobs": Job}.get(where[0], Schedule) if where else Schedule
        return (f"{_where(where)}: unknown key(s) {', '.join(keys)} "
                f"(allowed: {', '.join(entry.file_keys())})")
    error = errors[0]
    *where, key = error["loc"] or ("",)
    if error["type"] == "value_error":
        message = str(error["ctx"]["error"])
        return message if not where or key == "[key]" else f"{_where(where)}: {message}"
    if error["type"] == "missing":
        if key == "nodes" and not where:
            return "no [nodes.NAME] table; list at least one scrapyd node"
        example = ' (e.g. url = "http://10.0.0.11:6800")' if key == "url" else ""
        return f"{_where(where)} has no {key}{example}"
    if error["type"] == "too_short":
        if key == "nodes" and not where:
            return "no [nodes.NAME] table; list at least one scrapyd node"
        return f"{_where(where)}: {key} must be a non-empty list of node names"
    if error["type"] == "model_type":
        needs = "a url" if where == ["nodes"] else "spider and cron"
        return f"{_where([*where, key])} must be a table with {needs}"
    expected = _EXPECTED.get(error["type"], "something else")
    problem = f"{key} must be {expected}, got {error['input']!r}"
    return f"{_where(where)}: {problem}" if where else problem


def _where(loc: list) -> str:
    """An entry of the file by its place: ``job 'fronts'``, ``node 'a'``, ``the file``."""
    if len(loc) >= 2 and loc[0] in ("nodes", "jobs"):
        return f"{loc[0][:-1]} {loc[1]!r}" + "".join(f" {part}" for part in loc[2:])
    return " ".join(map(str, loc)) or "the file"


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
    """Names of the project's spiders, as Scrapy's spider loader lists them (``scrapy list``).

    Importing the spider modules installs no reactor and starts nothing.
    """
    from scrapy.settings import Settings
    from scrapy.spiderloader import get_spider_loader

    settings = Settings()
    settings.setmodule("rficrawl.settings", priority="project")
    return set(get_spider_loader(settings).list())
