"""The ``-a NAME=VALUE`` arguments of the rficrawl spiders, as pydantic models.

Scrapy hands spider arguments over as strings and accepts any name; a typo such as
``-a edition=cn`` would silently crawl all 17 editions. Each spider declares its arguments as a
pydantic model (``SpiderParams`` and its subclasses) through scrapy-spider-metadata's ``Args``,
which validates them into ``spider.args`` when the spider is made. ``check_arguments`` validates
them beforehand too (``rficrawl.commands.crawl`` runs it before the crawl starts) and turns every
problem into one line that names the argument and what to pass.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    InstanceOf,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from rficrawl import urls
from rficrawl.dates import DateRange, parse_bound
from rficrawl.editions import DEFAULT_BASE_URL, Edition, editions, parse_editions

REFRESH_POLICIES = ("never", "modified", "all")
DEFAULT_MAX_PAGES = 10
SITEMAPS = ("news", "index")
# pydantic's errors for a value that is no positive integer.
_NOT_POSITIVE = {"int_parsing", "int_type", "int_from_float", "greater_than", "int_parsing_size"}
# Arguments whose empty value is an error rather than "not given": an empty edition list would
# otherwise mean all 17 editions.
_BLANK_IS_AN_ERROR = frozenset({"editions"})
# Bad article URLs named in one error, at most (then "and N more").
_URLS_NAMED = 3


class SpiderArgumentError(ValueError):
    """A ``-a`` argument with a bad value or an unknown name; the message says what to pass."""


def parse_list(value: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _editions(value: object, info: ValidationInfo) -> object:
    if not isinstance(value, str):
        return value
    try:
        chosen = parse_editions(value) if value.strip(" ,") else []
    except ValueError as exc:
        raise ValueError(f"-a {info.field_name}={value!r}: {exc}") from None
    if not chosen:
        raise ValueError(f"-a {info.field_name}={value!r} names no edition: give edition "
                         "prefixes such as cn,tw, or leave the argument out for all 17")
    return chosen


def _date(value: object, info: ValidationInfo) -> object:
    try:
        parse_bound(str(value), upper=info.field_name == "until")
    except ValueError as exc:
        raise ValueError(f"-a {info.field_name}={exc}") from None
    return str(value).strip()


def _refresh(value: object) -> object:
    text = str(value).strip()
    if text not in REFRESH_POLICIES:
        raise ValueError(f"-a refresh={text!r} is not a re-crawl policy: use one of "
                         f"{', '.join(REFRESH_POLICIES)}")
    return text


def _list(value: object) -> object:
    return parse_list(value) if isinstance(value, str) else value


Editions = Annotated[list[InstanceOf[Edition]], BeforeValidator(_editions),
                     WithJsonSchema({"type": "string"})]
DateText = Annotated[str, BeforeValidator(_date)]
Refresh = Annotated[Literal["never", "modified", "all"], BeforeValidator(_refresh)]
CommaList = Annotated[list[str], BeforeValidator(_list)]


class SpiderParams(BaseModel):
    """The arguments every spider takes. An empty value (``-a since=``) is no value."""

    model_config = ConfigDict(frozen=True)

    editions: Editions = Field(
        default_factory=lambda: list(editions().values()),
        description="comma-separated edition prefixes, e.g. cn,tw (default: all 17)")
    since: DateText | None = Field(
        None, description="earliest publication date, YYYY-MM-DD (Paris day) or ISO 8601 "
        "date-time")
    until: DateText | None = Field(
        None, description="latest publication date, inclusive, same format as since")
    max_articles: PositiveInt | None = Field(
        None, description="stop after exactly this many articles (a positive integer)")
    refresh: Refresh | None = Field(
        None, description="re-crawl policy for articles already stored: never, modified or all "
        "(default: the setting KNOWN_ARTICLES_REFRESH, else never)")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {name: value for name, value in data.items()
                    if value not in (None, "") or name in _BLANK_IS_AN_ERROR}
        return data

    @model_validator(mode="after")
    def _dates_in_order(self) -> SpiderParams:
        if self.dates.since and self.dates.until and self.dates.since >= self.dates.until:
            raise ValueError(f"-a since={self.since!r} is after -a until={self.until!r}: swap them")
        return self

    @cached_property
    def dates(self) -> DateRange:
        """The publication dates to crawl (Paris days, ``rficrawl.dates``)."""
        return DateRange.parse(self.since, self.until)


def _check_sections(params: FrontsParams | FeedsParams) -> None:
    """Every ``-a sections`` name must be a registry section of one of the editions."""
    known = {section for edition in params.editions for section in edition.sections}
    unknown = [section for section in params.sections if section not in known]
    if unknown:
        names = ",".join(edition.prefix for edition in params.editions)
        raise ValueError(
            f"-a sections: {', '.join(unknown)} is not a section of edition(s) {names} in the "
            "editions registry (rficrawl/editions.toml); known: "
            f"{', '.join(sorted(known)) or 'none'}"
        )


class FrontsParams(SpiderParams):
    sections: CommaList = Field(
        [], description="comma-separated section fronts, e.g. 中国,国际 (default: the edition "
        "fronts and every section in the editions registry)")
    tags: CommaList = Field(
        [], description="comma-separated tag lists to page through too, e.g. 台海 "
        "(/{ed}/{tag-word}/{tag}/)")
    max_pages: PositiveInt = Field(
        DEFAULT_MAX_PAGES,
        description=f"pages of each paginated list to read (default {DEFAULT_MAX_PAGES})")

    @model_validator(mode="after")
    def _known_sections(self) -> FrontsParams:
        _check_sections(self)
        return self


class FeedsParams(SpiderParams):
    sections: CommaList = Field(
        [], description="comma-separated sections whose feeds to read (default: every registry "
        "section)")
    tags: CommaList = Field(
        [], description="comma-separated tags whose feeds to read, e.g. 台海 (default: none)")

    @model_validator(mode="after")
    def _known_sections(self) -> FeedsParams:
        _check_sections(self)
        return self


class SitemapsParams(SpiderParams):
    sitemaps: CommaList = Field(
        list(SITEMAPS),
        description="which sitemaps to read: news, index or news,index (default: both)")

    @model_validator(mode="after")
    def _known_sitemaps(self) -> SitemapsParams:
        bad = [name for name in self.sitemaps if name not in SITEMAPS]
        if bad:
            raise ValueError(f"-a sitemaps={','.join(self.sitemaps)!r}: {', '.join(bad)} is not a "
                             "sitemap kind; use news, index or news,index")
        return self


class ArticleParams(SpiderParams):
    urls: CommaList = Field(
        [], description="comma-separated article URLs (https://www.rfi.fr/... or on RFI_BASE_URL)")
    urls_file: str | None = Field(
        None, description="a text file with one article URL a line (# comments allowed)")

    @model_validator(mode="after")
    def _some_articles(self, info: ValidationInfo) -> ArticleParams:
        if not self.article_urls:
            raise ValueError("spider article needs the articles to fetch: -a "
                             "urls=https://www.rfi.fr/cn/... or -a urls_file=FILE (one URL a line)")
        # Checked where the site's URL is known (validate_arguments gives it): a mirror's URLs
        # are articles only on the mirror's base URL.
        if info.context and info.context.get("base_url"):
            _check_article_urls(self.article_urls, info.context["base_url"])
        return self

    @cached_property
    def article_urls(self) -> list[str]:
        """The URLs given, then those of the file."""
        return self.urls + (read_urls_file("urls_file", self.urls_file) if self.urls_file else [])


def read_urls_file(name: str, value: str) -> list[str]:
    """One URL a line; blank lines and lines starting with # are ignored."""
    path = Path(value).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(
            f"-a {name}={value!r}: cannot read the file ({exc.strerror}); "
            "pass a text file with one article URL a line"
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"-a {name}={value!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} on line "
            f"{line}); save it as UTF-8, one article URL a line"
        ) from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _check_article_urls(given: list[str], base_url: str) -> None:
    """Every URL given to the article spider must be an article on rfi.fr or on ``base_url``;
    the error names the first few others and what each is."""
    bad = []
    for url in given:
        info = urls.classify(url, base_url)
        if info.kind == urls.UrlKind.OFFSITE:
            bad.append(f"{url!r} (off-site: neither www.rfi.fr nor RFI_BASE_URL {base_url})")
        elif not info.is_article:
            bad.append(f"{url!r} (a {info.kind.value.replace('_', ' ')} page, not an article)")
    if bad:
        more = f" and {len(bad) - _URLS_NAMED} more" if len(bad) > _URLS_NAMED else ""
        raise ValueError(
            f"-a urls/urls_file: not article URLs: {', '.join(bad[:_URLS_NAMED])}{more}; give "
            "article URLs such as https://www.rfi.fr/cn/政治/20251130-slug"
        )


def validate_arguments(
    model: type[SpiderParams],
    kwargs: dict[str, object],
    extra_allowed: tuple[str, ...] = (),
    spider_name: str = "spider",
    base_url: str = DEFAULT_BASE_URL,
) -> SpiderParams:
    """The spider's arguments validated by its model; ``SpiderArgumentError`` says what is wrong.

    ``extra_allowed`` names arguments other components read from the spider (setting
    SPIDER_EXTRA_ARGUMENTS); names starting with ``_`` (scrapyd's ``_job``) are always accepted.
    ``base_url`` is the crawl's RFI_BASE_URL, for the checks of URLs given as arguments.
    """
    fields = model.model_fields
    unknown = [name for name in kwargs
               if name not in fields and name not in extra_allowed and not name.startswith("_")]
    if unknown:
        accepted = "; ".join(f"{name}: {field.description}" for name, field in fields.items())
        raise SpiderArgumentError(
            f"unknown argument(s) for spider {spider_name}: {', '.join(sorted(unknown))}. "
            f"Accepted -a arguments: {accepted}"
        )
    try:
        return model.model_validate({name: kwargs[name] for name in kwargs if name in fields},
                                    context={"base_url": base_url})
    except ValidationError as exc:
        raise SpiderArgumentError("; ".join(map(_message, exc.errors()))) from None


def _message(error: Any) -> str:
    """One of pydantic's errors as the line a user reads."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    name = ".".join(map(str, error["loc"]))
    if error["type"] in _NOT_POSITIVE:
        return f"-a {name}={error['input']!r} must be a positive integer, e.g. {name}=100"
    return f"-a {name}={error['input']!r}: {error['msg']}"


def check_base_url(value: str) -> str:
    """The RFI_BASE_URL setting: an http(s) URL of a host, e.g. http://127.0.0.1:8000."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(
            f"-s RFI_BASE_URL={value!r} is not a site URL: give e.g. https://www.rfi.fr or "
            "http://127.0.0.1:8000 (a local mirror)"
        )
    return value.rstrip("/")
