"""What an rfi.fr URL is, and how to write it: the one place that knows RFI's URL scheme.

Spiders put ``classify(url).kind`` on every request (``meta["rfi_kind"]``) so middlewares decide by
kind, never by re-parsing URLs. Items store the *public* URL (``to_public``) so an archive made from
a local mirror holds the same URLs as one made from the live site; requests go to ``to_base``.

The words RFI uses in paths (archive, tag, programme, video words per edition) come from the
editions registry (``editions.toml``); this module only knows the shapes:

=====================================================  ====================
``/cn/``                                                front
``/cn/中国/``                                            section
``/cn/中国/20251130-{slug}``, ``/fr/{slug}``            article (dated, undated wire item)
``/fr/podcasts/{show}/{YYYYMMDD}-{slug}``               podcast_episode
``/fr/podcasts/{show}/``                                 podcast_show
``/fr/podcasts/``                                        podcast_index
``/fr/tag/{tag}/``, ``/cn/关键词/{tag}/``                tag
``{any list}/{N}/``                                      list_page
``/fr/archives/2021/``, ``/fr/archives/afrique/2021/``   archive_year
``/fr/archives/2021/12/09-décembre-2021``                archive_day
``/cn/rss``, ``/fr/podcasts/{show}/podcast``             feed
``/sitemaps/cn/index.xml``                               sitemap
=====================================================  ====================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from rficrawl.editions import DEFAULT_BASE_URL, Edition, editions

__all__ = [
    "PUBLIC_BASE_URL",
    "UrlInfo",
    "UrlKind",
    "canonical_article_url",
    "classify",
    "encode_url",
    "is_onsite",
    "to_base",
    "to_public",
]

#: Where the item URLs point, whatever ``RFI_BASE_URL`` a crawl used.
PUBLIC_BASE_URL = DEFAULT_BASE_URL
_PUBLIC_HOSTS = frozenset({"www.rfi.fr", "rfi.fr"})

_DATED = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})-")
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{1,2}")
_DAY = re.compile(r"(?P<d>\d{1,2})(?:-|$)")
_NUMBER = re.compile(r"\d+")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_ASSET_SUFFIXES = (".css", ".js", ".ico", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp",
                   ".woff", ".woff2", ".ttf", ".manifest", ".webmanifest", ".mp3", ".mp4", ".pdf")
# Characters RFI leaves unescaped in paths; everything else is UTF-8 percent-encoded.
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
_ENCODED_PATH = re.compile(r"(?:[A-Za-z0-9/\-._~!$&'()*+,;=:@]|%[0-9A-F]{2})*")


class UrlKind(StrEnum):
    """What a URL points to; the value is what spiders put in ``meta["rfi_kind"]``."""

    ARTICLE = "article"
    FRONT = "front"
    SECTION = "section"
    LIST_PAGE = "list_page"
    TAG = "tag"
    ARCHIVE_YEAR = "archive_year"
    ARCHIVE_DAY = "archive_day"
    FEED = "feed"
    SITEMAP = "sitemap"
    ROBOTS = "robots"
    PODCAST_EPISODE = "podcast_episode"
    PODCAST_SHOW = "podcast_show"
    PODCAST_INDEX = "podcast_index"
    AUTHOR = "author"
    VIDEO = "video"
    PAGE = "page"
    ASSET = "asset"
    OFFSITE = "offsite"


#: Kinds whose pages are articles (what the article extractor is for).
ARTICLE_KINDS = frozenset({UrlKind.ARTICLE, UrlKind.PODCAST_EPISODE})
#: Kinds whose pages list articles (what the listing extractor is for).
LISTING_KINDS = frozenset({
    UrlKind.FRONT, UrlKind.SECTION, UrlKind.LIST_PAGE, UrlKind.TAG, UrlKind.ARCHIVE_YEAR,
    UrlKind.ARCHIVE_DAY, UrlKind.PODCAST_SHOW, UrlKind.PODCAST_INDEX, UrlKind.AUTHOR,
    UrlKind.VIDEO,
})


@dataclass(frozen=True)
class UrlInfo:
    """A classified URL. ``path`` is the decoded path; the other fields are set where they apply:
    ``date`` for dated articles, episodes and archive days, ``year`` for archive years,
    ``section`` for articles, sections and per-section archives, ``page`` and ``list_of`` (the
    kind of page 1) for list pages."""

    url: str
    kind: UrlKind
    edition: str | None = None
    path: str = ""
    section: str | None = None
    date: date | None = None
    year: int | None = None
    page: int | None = None
    list_of: UrlKind | None = None
    show: str | None = None
    tag: str | None = None
    author: str | None = None
    slug: str | None = None

    @property
    def is_article(self) -> bool:
        return self.kind in ARTICLE_KINDS

    @property
    def is_listing(self) -> bool:
        return self.kind in LISTING_KINDS


@dataclass(frozen=True)
class _Words:
    """An edition's path words as sets, for lookups."""

    archive: frozenset[str]
    tag: frozenset[str]
    author: frozenset[str]
    podcast: frozenset[str]
    video: frozenset[str]
    pages: frozenset[str]
    sections: frozenset[str]
    front: frozenset[str]


@cache
def _words(edition: Edition) -> _Words:
    return _Words(
        archive=frozenset(w for w in (edition.archive_word,) if w),
        tag=frozenset(edition.tag_words),
        author=frozenset(edition.author_words),
        podcast=frozenset(edition.podcast_words),
        video=frozenset(edition.video_words),
        pages=frozenset(edition.pages),
        sections=frozenset(edition.sections),
        front=frozenset(edition.front_aliases),
    )


# -- on-site / off-site, public / base ---------------------------------------------------------------

def _base_parts(base_url: str) -> tuple[str, str, str]:
    parts = urlsplit(base_url)
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")


def is_onsite(url: str, base_url: str = DEFAULT_BASE_URL) -> bool:
    """True for rfi.fr itself (www or bare host, http or https) and for the configured base URL;
    relative URLs are on-site. savoirs.rfi.fr, social networks and other hosts are off-site."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not parts.netloc:
        return scheme == ""
    if scheme not in ("http", "https"):
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    if parts.hostname in _PUBLIC_HOSTS and port in (None, 80, 443):
        return True
    _, base_netloc, base_path = _base_parts(base_url)
    return parts.netloc.lower() == base_netloc and parts.path.startswith(base_path)


def _site_path(url: str, base_url: str) -> str:
    """The URL's path as on rfi.fr (the base URL's own path prefix removed), still encoded."""
    parts = urlsplit(url)
    path = parts.path or "/"
    _, base_netloc, base_path = _base_parts(base_url)
    if base_path and parts.netloc.lower() == base_netloc and path.startswith(base_path):
        path = path[len(base_path):] or "/"
    return path


def _encode_path(path: str) -> str:
    """UTF-8 percent-encoding with uppercase hex; existing escapes kept (their hex uppercased)."""
    if _ENCODED_PATH.fullmatch(path):
        return path  # already as RFI writes it: the common case, kept fast
    out = []
    pos = 0
    for match in _ESCAPE.finditer(path):
        out.append(quote(path[pos:match.start()], safe=_PATH_SAFE))
        out.append(match.group(0).upper())
        pos = match.end()
    out.append(quote(path[pos:], safe=_PATH_SAFE))
    return "".join(out)


def encode_url(url: str) -> str:
    """The URL with its path percent-encoded as RFI writes hrefs; the letters are never changed
    (no case folding, no Unicode normalisation) and the fragment is dropped."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc, _encode_path(parts.path), parts.query, ""))


# Pure functions of two strings, called for every link of every listing (and the same navigation
# links on every page): memoised so that URL handling stays a small part of parsing.
_memo = lru_cache(maxsize=65536)


@_memo
def to_public(url: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The public ``https://www.rfi.fr`` URL of an on-site URL (fetched from ``base_url`` or given
    relative); off-site URLs come back unchanged. Path encoded as RFI does, fragment dropped."""
    absolute = urljoin(base_url.rstrip("/") + "/", url.strip())
    if not is_onsite(absolute, base_url):
        return absolute
    parts = urlsplit(absolute)
    public = urlsplit(PUBLIC_BASE_URL)
    path = _site_path(absolute, base_url)
    return urlunsplit((public.scheme, public.netloc, _encode_path(path), parts.query, ""))


@_memo
def to_base(public_url: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The URL to request for a public (or relative) rfi.fr URL when the site is at ``base_url``
    (a local mirror in tests and ``make demo``). Off-site URLs come back unchanged."""
    absolute = urljoin(PUBLIC_BASE_URL + "/", public_url.strip())
    if not is_onsite(absolute, base_url):
        return absolute
    parts = urlsplit(absolute)
    base_scheme, base_netloc, base_path = _base_parts(base_url)
    path = _site_path(absolute, base_url)
    return urlunsplit((base_scheme, base_netloc, base_path + _encode_path(path), parts.query, ""))


@_memo
def canonical_article_url(url: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The URL an article is stored under: public, absolute, percent-encoded as RFI gives it,
    without query or fragment. The path's letters are kept exactly (a Latin "a" in a Cyrillic
    slug stays Latin): two spellings are two URLs, as they are on the site."""
    parts = urlsplit(to_public(url, base_url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# -- classification ------------------------------------------------------------------------------

@_memo
def classify(url: str, base_url: str = DEFAULT_BASE_URL) -> UrlInfo:
    """What ``url`` is on rfi.fr. Relative URLs are taken as on-site. Never raises for odd input:
    a URL that is not http(s) or not on rfi.fr is ``offsite``."""
    absolute = urljoin(base_url.rstrip("/") + "/", url.strip())
    if not is_onsite(absolute, base_url):
        return UrlInfo(url=url, kind=UrlKind.OFFSITE)
    path = unquote(_site_path(absolute, base_url), errors="replace")
    segments = [s for s in path.split("/") if s]
    slash = path.endswith("/")
    edition = editions().get(segments[0]) if segments else None
    if edition is None:
        return _classify_outside_editions(url, path, segments)
    return _classify_in_edition(url, path, edition, segments[1:], slash)


def _classify_outside_editions(url: str, path: str, segments: list[str]) -> UrlInfo:
    """Paths without an edition prefix: the root, sitemaps, robots.txt, legacy feeds."""
    info = _partial(UrlInfo, url=url, path=path)
    if not segments:
        return info(kind=UrlKind.FRONT)
    last = segments[-1].lower()
    if segments[0] == "sitemaps" or (last.startswith("sitemap") and last.endswith(".xml")):
        return info(kind=UrlKind.SITEMAP)
    if path == "/robots.txt":
        return info(kind=UrlKind.ROBOTS)
    if last in ("rss", "podcast") or last.endswith(".xml"):
        return info(kind=UrlKind.FEED, section=segments[0] if len(segments) > 1 else None)
    if last.endswith(_ASSET_SUFFIXES):
        return info(kind=UrlKind.ASSET)
    return info(kind=UrlKind.PAGE)


def _classify_in_edition(
    url: str, path: str, edition: Edition, rest: list[str], slash: bool
) -> UrlInfo:
    info = _partial(UrlInfo, url=url, path=path, edition=edition.prefix)
    words = _words(edition)
    if not rest or (len(rest) == 1 and rest[0] in words.front):
        return info(kind=UrlKind.FRONT)
    first, last = rest[0], rest[-1]
    if last.startswith("sitemap") and last.endswith(".xml"):
        return info(kind=UrlKind.SITEMAP)
    if last == "rss" or last.endswith(".xml") or (first in words.podcast and last == "podcast"):
        return info(kind=UrlKind.FEED, section=first if len(rest) > 1 else None)
    if last.lower().endswith(_ASSET_SUFFIXES):
        return info(kind=UrlKind.ASSET)
    if first in words.archive:
        if _NUMBER.fullmatch(last) and len(rest) > 4:
            # Page N of a long archive day: /fr/archives/2021/12/09-décembre-2021/2/
            day = _classify_archive(info, rest[1:-1])
            if day.kind == UrlKind.ARCHIVE_DAY:
                return info(kind=UrlKind.LIST_PAGE, page=int(last), list_of=day.kind,
                            section=day.section, year=day.year, date=day.date, slug=day.slug)
        return _classify_archive(info, rest[1:])
    dated = _DATED.match(last)
    if first in words.pages and not dated:
        return info(kind=UrlKind.PAGE, slug="/".join(rest))
    if _NUMBER.fullmatch(last) and len(rest) > 1:
        parent = _classify_in_edition(url, path, edition, rest[:-1], True)
        return info(kind=UrlKind.LIST_PAGE, page=int(last), list_of=parent.kind,
                    section=parent.section, show=parent.show, tag=parent.tag,
                    author=parent.author)
    if first in words.tag:
        return info(kind=UrlKind.TAG, tag=rest[1] if len(rest) > 1 else None)
    if first in words.author:
        return info(kind=UrlKind.AUTHOR, author=rest[1] if len(rest) > 1 else None)
    if first in words.podcast:
        if len(rest) == 1:
            return info(kind=UrlKind.PODCAST_INDEX)
        if dated and len(rest) == 2:
            # Older episodes sit right under the programmes word: /fr/podcasts/20200405-{slug}.
            return info(kind=UrlKind.PODCAST_EPISODE, slug=last, date=_date(dated))
        if len(rest) == 2:
            return info(kind=UrlKind.PODCAST_SHOW, show=rest[1])
        return info(kind=UrlKind.PODCAST_EPISODE, show=rest[1], slug=last, date=_date(dated))
    if len(rest) == 3 and rest[1] == "info" and not dated:
        # Legacy programme links: /br/emission/info/rfi-convida ("see all"), redirected to the show.
        return info(kind=UrlKind.PODCAST_SHOW, show=last)
    if first in words.video and len(rest) == 1:
        return info(kind=UrlKind.VIDEO)
    if dated:
        if len(rest) >= 3:
            return info(kind=UrlKind.PODCAST_EPISODE, show=rest[-2], slug=last, date=_date(dated))
        return info(kind=UrlKind.ARTICLE, section=first if len(rest) > 1 else None, slug=last,
                    date=_date(dated))
    if slash or (len(rest) == 1 and first in words.sections):
        return info(kind=UrlKind.SECTION, section=first)
    # An undated slug: short wire items live at /fr/{slug}, older ones under a section.
    return info(kind=UrlKind.ARTICLE, section=first if len(rest) > 1 else None, slug=last)


def _classify_archive(info, rest: list[str]) -> UrlInfo:
    """/{ed}/{archive}/[{section}/]{YYYY}/[{MM}/{DD-month-YYYY}]"""
    section = None
    if rest and not _YEAR.fullmatch(rest[0]):
        section, rest = rest[0], rest[1:]
    if not rest or not _YEAR.fullmatch(rest[0]):
        return info(kind=UrlKind.ARCHIVE_YEAR, section=section)
    year = int(rest[0])
    if len(rest) >= 3 and _MONTH.fullmatch(rest[1]):
        day = _DAY.match(rest[2])
        if day:
            try:
                when = date(year, int(rest[1]), int(day.group("d")))
            except ValueError:
                when = None
            return info(kind=UrlKind.ARCHIVE_DAY, section=section, year=year, date=when,
                        slug=rest[2])
    return info(kind=UrlKind.ARCHIVE_YEAR, section=section, year=year)


def _date(match: re.Match[str] | None) -> date | None:
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _partial(cls, **fixed):
    return lambda **more: cls(**fixed, **more)
