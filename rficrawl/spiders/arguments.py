"""The ``-a NAME=VALUE`` arguments every rficrawl spider takes, parsed and validated in one place.

Scrapy hands spider arguments over as strings and accepts any name; a typo such as
``-a edition=cn`` would silently crawl all 17 editions. Parsing them here, before the crawl starts
(see ``rficrawl.commands.crawl``) and again in the spider (for scrapyd and scripts), turns every
bad value into one clear message and a non-zero exit instead of a wasted crawl.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from rficrawl.editions import Edition, parse_editions

# RFI dates its URLs and its pages in Paris time; a bare date argument means a Paris calendar day.
PARIS = ZoneInfo("Europe/Paris")
REFRESH_POLICIES = ("never", "modified", "all")
DEFAULT_MAX_PAGES = 10

# Arguments every spider accepts, with the help text shown in errors and docs/spiders.md.
COMMON_ARGUMENTS = {
    "editions": "comma-separated edition prefixes, e.g. cn,tw (default: all 17)",
    "since": "earliest publication date, YYYY-MM-DD (Paris day) or ISO 8601 date-time",
    "until": "latest publication date, inclusive, same format as since",
    "max_articles": "stop after exactly this many articles (a positive integer)",
    "refresh": "re-crawl policy for articles already stored: never, modified or all "
    "(default: the setting KNOWN_ARTICLES_REFRESH, else never)",
}


class SpiderArgumentError(ValueError):
    """A ``-a`` argument with a bad value or an unknown name; the message says what to pass."""


@dataclass(frozen=True)
class DateRange:
    """Inclusive publication-date bounds, as timezone-aware UTC datetimes (None = open)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive upper bound (start of the day after `until`)

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def contains(self, when: dt.datetime | dt.date | None) -> bool:
        """Whether a date or date-time is in range; unknown dates are let through."""
        if when is None:
            return True
        if isinstance(when, dt.datetime):
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return (self.since is None or when >= self.since) and (
                self.until is None or when < self.until
            )
        # A calendar day (from a URL or an archive page): in range if any part of it is.
        start = dt.datetime.combine(when, dt.time(), PARIS)
        end = start + dt.timedelta(days=1)
        return (self.since is None or end > self.since) and (
            self.until is None or start < self.until
        )

    def overlaps_month(self, year: int, month: int) -> bool:
        start = dt.date(year, month, 1)
        end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        return self._overlaps_days(start, end)

    def overlaps_year(self, year: int) -> bool:
        return self._overlaps_days(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def _overlaps_days(self, first: dt.date, last: dt.date) -> bool:
        start = dt.datetime.combine(first, dt.time(), PARIS)
        end = dt.datetime.combine(last, dt.time(), PARIS) + dt.timedelta(days=1)
        return (self.since is None or end > self.since) and (
            self.until is None or start < self.until
        )


@dataclass(frozen=True)
class SpiderArguments:
    editions: list[Edition]
    dates: DateRange = field(default_factory=DateRange)
    max_articles: int | None = None
    refresh: str | None = None  # None: the setting KNOWN_ARTICLES_REFRESH decides
    extra: dict[str, str] = field(default_factory=dict)  # the spider's own arguments, validated


def parse_date_bound(name: str, value: str, *, upper: bool) -> dt.datetime:
    """``2023-10-01`` (a Paris day; for ``until`` the whole day) or an ISO 8601 date-time."""
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = dt.datetime.combine(day, dt.time(), PARIS)
        bound = start + dt.timedelta(days=1) if upper else start
        return bound.astimezone(dt.UTC)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SpiderArgumentError(
            f"-a {name}={value!r} is not a date: use YYYY-MM-DD (e.g. {name}=2023-10-01) "
            "or an ISO 8601 date-time such as 2023-10-01T08:00:00Z"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if upper:
        when += dt.timedelta(microseconds=1)  # an explicit until instant is inclusive too
    return when.astimezone(dt.UTC)


def parse_positive_int(name: str, value: str | int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise SpiderArgumentError(f"-a {name}={value!r} must be a positive integer, e.g. {name}=100")
    return number


def parse_list(value: str) -> list[str]:
    return [part.strip() for part in str(value).split(",") if part.strip()]


def read_urls_file(name: str, value: str) -> list[str]:
    """One URL a line; blank lines and lines starting with # are ignored."""
    path = Path(value).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpiderArgumentError(
            f"-a {name}={value!r}: cannot read the file ({exc.strerror}); "
            "pass a text file with one article URL a line"
        ) from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def parse_arguments(
    kwargs: dict[str, object],
    spider_arguments: dict[str, str],
    extra_allowed: tuple[str, ...] = (),
    spider_name: str = "spider",
) -> SpiderArguments:
    """Validate every ``-a`` argument of a spider.

    ``spider_arguments`` names the spider's own arguments (with their help); ``extra_allowed``
    names arguments other components read from the spider (setting SPIDER_EXTRA_ARGUMENTS).
    Names starting with ``_`` (scrapyd's ``_job``) are always accepted.
    """
    known = {**COMMON_ARGUMENTS, **spider_arguments}
    unknown = [
        name for name in kwargs if name not in known and name not in extra_allowed and not name.startswith("_")
    ]
    if unknown:
        accepted = "; ".join(f"{name}: {text}" for name, text in known.items())
        raise SpiderArgumentError(
            f"unknown argument(s) for spider {spider_name}: {', '.join(sorted(unknown))}. "
            f"Accepted -a arguments: {accepted}"
        )
    try:
        editions = parse_editions(str(kwargs.get("editions") or ""))
    except ValueError as exc:
        raise SpiderArgumentError(f"-a editions={kwargs['editions']!r}: {exc}") from None
    since = kwargs.get("since")
    until = kwargs.get("until")
    dates = DateRange(
        since=parse_date_bound("since", str(since), upper=False) if since else None,
        until=parse_date_bound("until", str(until), upper=True) if until else None,
    )
    if dates.since and dates.until and dates.since >= dates.until:
        raise SpiderArgumentError(f"-a since={since!r} is after -a until={until!r}: swap them")
    max_articles = kwargs.get("max_articles")
    refresh = str(kwargs.get("refresh") or "").strip() or None
    if refresh is not None and refresh not in REFRESH_POLICIES:
        raise SpiderArgumentError(
            f"-a refresh={refresh!r} is not a re-crawl policy: use one of {', '.join(REFRESH_POLICIES)}"
        )
    extra = {name: str(kwargs[name]) for name in spider_arguments if kwargs.get(name) not in (None, "")}
    return SpiderArguments(
        editions=editions,
        dates=dates,
        max_articles=parse_positive_int("max_articles", max_articles) if max_articles else None,
        refresh=refresh,
        extra=extra,
    )


def check_sections(parsed: SpiderArguments) -> None:
    """Every ``-a sections`` name must be a registry section of one of the editions."""
    wanted = parse_list(parsed.extra.get("sections", ""))
    known = {section for edition in parsed.editions for section in edition.sections}
    unknown = [section for section in wanted if section not in known]
    if unknown:
        names = ",".join(edition.prefix for edition in parsed.editions)
        raise SpiderArgumentError(
            f"-a sections: {', '.join(unknown)} is not a section of edition(s) {names} in the "
            f"editions registry (rficrawl/editions.toml); known: {', '.join(sorted(known)) or 'none'}"
        )


def check_base_url(value: str) -> str:
    """The RFI_BASE_URL setting: an http(s) URL of a host, e.g. http://127.0.0.1:8000."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(
            f"-s RFI_BASE_URL={value!r} is not a site URL: give e.g. https://www.rfi.fr or "
            "http://127.0.0.1:8000 (a local mirror)"
        )
    return value.rstrip("/")
