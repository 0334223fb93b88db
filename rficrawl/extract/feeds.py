"""RSS feeds and sitemaps as lists of entries (URL and dates): pure functions over the bytes.

RFI serves RSS 2.0 feeds (``/cn/rss``, ``/cn/{section}/rss``, tag and podcast feeds) and
sitemaps.org XML: ``/sitemaps/{ed}/index.xml`` (a sitemap index of monthly ``contents_YYYYMM.xml``
and others) and ``/sitemaps/{ed}/news.xml`` (Google News: ``news:publication_date``,
``news:title``). The spiders filter entries by date *before* fetching any article, so the dates
matter as much as the URLs.

XML is parsed with lxml's streaming ``iterparse`` with entities and network access off (as
Scrapy's own ``scrapy.utils.sitemap.Sitemap``), which also reads the nested ``news:`` elements that
Scrapy's class flattens away. Broken XML gives :class:`NotAFeed`, never an lxml exception.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from io import BytesIO

import lxml.etree

from rficrawl.dates import as_utc

__all__ = ["FeedEntry", "NotAFeed", "SitemapDocument", "month_of_sitemap", "parse_rss", "parse_sitemap"]

_MONTHLY = re.compile(r"contents_(\d{4})(\d{2})\.xml$")


class NotAFeed(ValueError):
    """The bytes are not a readable RSS feed or sitemap; the message names the document."""


@dataclass(frozen=True)
class FeedEntry:
    """One article (or child sitemap) a feed or sitemap points to."""

    url: str
    published_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    title: str | None = None

    @property
    def date(self) -> dt.datetime | None:
        """The best date for range filtering: publication, else last modification."""
        return self.published_at or self.modified_at

    @property
    def changed_at(self) -> dt.datetime | None:
        """The newest date the entry gives: what ``refresh=modified`` compares with the store."""
        dates = [d for d in (self.published_at, self.modified_at) if d is not None]
        return max(dates, default=None)


@dataclass
class SitemapDocument:
    kind: str  # "urlset" or "sitemapindex"
    entries: list[FeedEntry] = field(default_factory=list)  # urls, or child sitemaps of an index


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _iterparse(body: bytes):
    return lxml.etree.iterparse(
        BytesIO(body), events=("start", "end"), recover=False, resolve_entities=False,
        no_network=True, remove_comments=True, remove_pis=True, huge_tree=True,
    )


def _rfc822(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return as_utc(parsedate_to_datetime(text.strip()))
    except (TypeError, ValueError):
        return as_utc(text.strip())


def _text(element) -> str | None:
    text = (element.text or "").strip()
    return text or None


def parse_rss(body: bytes, source: str = "feed") -> list[FeedEntry]:
    """The items of an RSS 2.0 feed (link, else a permalink guid), with pubDate / dc:date."""
    entries: list[FeedEntry] = []
    root_seen = False
    try:
        for event, element in _iterparse(body):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if _local(element.tag) != "rss":
                        raise NotAFeed(f"{source} is not an RSS feed (root <{_local(element.tag)}>)")
                continue
            if _local(element.tag) != "item":
                continue
            fields: dict[str, str | None] = {}
            for child in element:
                name = _local(child.tag)
                if name == "guid" and child.get("isPermaLink", "true") == "false":
                    continue
                fields.setdefault(name, _text(child))
            url = fields.get("link") or fields.get("guid")
            if url:
                entries.append(FeedEntry(
                    url=url,
                    published_at=_rfc822(fields.get("pubDate")) or as_utc(fields.get("date")),
                    modified_at=as_utc(fields.get("updated")),
                    title=fields.get("title"),
                ))
            element.clear()
    except lxml.etree.XMLSyntaxError as exc:
        raise NotAFeed(f"{source} is not well-formed XML: {exc}") from None
    if not root_seen:
        raise NotAFeed(f"{source} is empty")
    return entries


def parse_sitemap(body: bytes, source: str = "sitemap") -> SitemapDocument:
    """A sitemap (``urlset``) or a sitemap index, with lastmod and Google News dates and titles."""
    document: SitemapDocument | None = None
    try:
        for event, element in _iterparse(body):
            name = _local(element.tag)
            if event == "start":
                if document is None:
                    if name not in {"urlset", "sitemapindex"}:
                        raise NotAFeed(f"{source} is not a sitemap (root <{name}>)")
                    document = SitemapDocument(kind=name)
                continue
            if name not in {"url", "sitemap"}:
                continue
            fields: dict[str, str | None] = {}
            for child in element.iter():
                child_name = _local(child.tag)
                if child_name in {"loc", "lastmod", "publication_date", "title"}:
                    # news:title and image:title both exist; the first found (news) wins.
                    fields.setdefault(child_name, _text(child))
            if fields.get("loc"):
                document.entries.append(FeedEntry(
                    url=fields["loc"],
                    published_at=as_utc(fields.get("publication_date")),
                    modified_at=as_utc(fields.get("lastmod")),
                    title=fields.get("title"),
                ))
            element.clear()
    except lxml.etree.XMLSyntaxError as exc:
        raise NotAFeed(f"{source} is not well-formed XML: {exc}") from None
    if document is None:
        raise NotAFeed(f"{source} is empty")
    return document


def month_of_sitemap(url: str) -> tuple[int, int] | None:
    """(year, month) of a monthly ``contents_YYYYMM.xml`` sitemap; None for any other sitemap."""
    match = _MONTHLY.search(url.split("?", 1)[0])
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    return (year, month) if 1 <= month <= 12 else None
