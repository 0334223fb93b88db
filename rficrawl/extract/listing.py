"""What a listing page (edition or section front, tag, programme, archive year or day) links to.

Spiders call :func:`extract_listing` and follow what it reports; they contain no parsing. Every URL
is the public canonical one (``https://www.rfi.fr/...``, see :mod:`rficrawl.urls`), whatever base URL
the page was fetched from, and nothing off-site is reported.

Article entries come, in page order, from the markup RFI uses for lists:

- cards ``div.m-item-list-article`` (2025: ``[data-article-list]`` with the title link
  ``.article__title a[data-article-item-link]``; 2024: the same inside
  ``div.m-item-list-article__wrapper``), source ``"card"``;
- the news feed ``div.m-item-news-feed`` (wire items with a ``time``), source ``"newsfeed"``;
- archive days ``div.o-archive-day ul.o-archive-day__list li a``, source ``"archive-day"``;
- then any other article link in the page body (not navigation, header or footer), source
  ``"link"``, for lists without card markup.

Blocks RFI marks as highlighted or sponsored (``aside[data-org-type$="--highlighted"]``,
``...--sponsors``) are not part of the listing and are skipped whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree
from scrapy.http import TextResponse

from rficrawl.dates import as_utc
from rficrawl.urls import (
    ARTICLE_KINDS,
    PUBLIC_BASE_URL,
    UrlKind,
    canonical_article_url,
    classify,
    to_public,
)

__all__ = ["Listing", "ListingEntry", "LoadMore", "extract_listing"]

_IGNORED_BLOCKS = (
    "//aside[contains(@data-org-type, '--highlighted') or contains(@data-org-type, '--sponsors')]"
)
_PUBLIC_NETLOC = urlsplit(PUBLIC_BASE_URL).netloc
_CHROME = "//header | //footer | //nav | //*[contains(concat(' ', @class, ' '), ' o-site-nav ')]"


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Card roots, news-feed items and archive-day entries, in document order (an XPath union is).
_ENTRIES = (
    f"//div[{_has_class('m-item-list-article')}]"
    f" | //div[{_has_class('m-item-news-feed')}]"
    f" | //div[{_has_class('o-archive-day')}]//ul[{_has_class('o-archive-day__list')}]/li"
)
_PAGER = (
    f"//*[@id='pager']//li[{_has_class('m-pagination__item')}]//a[@href]"
    f" | //div[{_has_class('m-pagination-wrapper')}]//li[{_has_class('m-pagination__item')}]"
    "//a[@href]"
)
_LOAD_MORE = f"//*[@data-load-more] | //*[{_has_class('m-infinite-scroll-loader')}]"

# Compiled once: lxml would otherwise compile each expression again for every card.
_NEWSFEED_LINK = etree.XPath(f".//div[{_has_class('news__content__title')}]//a[@href]")
_ANY_LINK = etree.XPath(".//a[@href]")
_CARD_LINKS = (
    etree.XPath(f".//*[{_has_class('article__title')}]//a[@data-article-item-link]"),
    etree.XPath(f".//*[{_has_class('article__title')}]//a[@href]"),
    etree.XPath(".//a[@data-article-item-link] | .//a[@href]"),
)
_TIMES = etree.XPath(".//time/@datetime")
_KICKERS = etree.XPath(f".//*[{_has_class('a-tag')}]")
_IN_IGNORED_BLOCKS = etree.XPath(
    f"({_IGNORED_BLOCKS})//a | ({_IGNORED_BLOCKS})//div | ({_IGNORED_BLOCKS})//li"
)
_LINKS_IN_CHROME = etree.XPath(f"({_CHROME})//a")
_FEED_LINKS = etree.XPath("//link[@rel='alternate'][contains(@type, 'rss')]/@href")


@dataclass(frozen=True)
class ListingEntry:
    """One article linked from a listing: where it is, and what the listing says about it."""

    url: str
    title: str | None = None
    published_at: datetime | None = None
    source: str = "card"
    kicker: str | None = None
    kind: UrlKind = UrlKind.ARTICLE


@dataclass(frozen=True)
class LoadMore:
    """A list that loads more items by script (a browser is needed to see them all)."""

    selector: str
    url: str | None = None


@dataclass
class Listing:
    """Everything a listing page links to that a crawler follows, each list distinct, in page
    order, as public URLs."""

    url: str
    kind: UrlKind
    articles: list[ListingEntry] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    archive_years: list[str] = field(default_factory=list)
    archive_days: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    podcast_shows: list[str] = field(default_factory=list)
    load_more: LoadMore | None = None
    page: int = 1

    @property
    def article_urls(self) -> list[str]:
        return [entry.url for entry in self.articles]

    @property
    def next_page(self) -> str | None:
        """The pager link to page N+1 of this list (RFI's pager has no rel=next)."""
        for url in self.pages:
            info = classify(url)
            if info.kind == UrlKind.LIST_PAGE and info.page == self.page + 1:
                return url
        return None


def extract_listing(response: TextResponse, base_url: str | None = None) -> Listing:
    """Parse a listing page. ``base_url`` is where the site was fetched from (``RFI_BASE_URL``);
    by default the response's own origin, so a page from a mirror gives public URLs too."""
    base = base_url or _origin(response.url)
    page_info = classify(response.url, base)
    listing = Listing(
        url=to_public(response.url, base),
        kind=page_info.kind,
        page=page_info.page or 1,
    )
    root = response.selector.root
    if not isinstance(root, etree._Element):
        return listing
    # Only links and entry elements are ever looked up in these sets, so only they are collected.
    ignored = set(_IN_IGNORED_BLOCKS(root))
    chrome = set(_LINKS_IN_CHROME(root))
    seen: set[str] = set()

    for element in root.xpath(_ENTRIES):
        if element in ignored:
            continue
        entry = _entry(element, base)
        if entry is not None and entry.url not in seen:
            seen.add(entry.url)
            listing.articles.append(entry)

    buckets = {
        UrlKind.TAG: listing.tags,
        UrlKind.SECTION: listing.sections,
        UrlKind.ARCHIVE_YEAR: listing.archive_years,
        UrlKind.ARCHIVE_DAY: listing.archive_days,
        UrlKind.FEED: listing.feeds,
        UrlKind.PODCAST_SHOW: listing.podcast_shows,
    }
    for href in _FEED_LINKS(root):
        _add(listing.feeds, href, base)
    pager = root.xpath(_PAGER)
    for anchor in pager:
        _add(listing.pages, anchor.get("href"), base)
    skip = ignored | set(pager)
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith("#") or anchor in skip:
            continue
        info = classify(href, base)
        if info.kind in ARTICLE_KINDS:
            # Article links outside cards (lists without card markup); never from site chrome.
            if anchor in chrome:
                continue
            url = canonical_article_url(href, base)
            if url not in seen:
                seen.add(url)
                listing.articles.append(ListingEntry(
                    url=url, title=_text(anchor) or anchor.get("title"), source="link",
                    kind=info.kind,
                ))
        elif info.kind in buckets:
            _add(buckets[info.kind], href, base)

    listing.load_more = _load_more(root, base)
    return listing


def _entry(element: etree._Element, base: str) -> ListingEntry | None:
    """The article entry of a card, news-feed item or archive-day line, if it links an article."""
    classes = f" {element.get('class', '')} "
    if " m-item-news-feed " in classes:
        anchors = _NEWSFEED_LINK(element)
        source = "newsfeed"
    elif element.tag == "li":
        anchors = _ANY_LINK(element)
        source = "archive-day"
    else:
        anchors = next((found for xpath in _CARD_LINKS if (found := xpath(element))), [])
        source = "card"
    if not anchors:
        return None
    anchor = anchors[0]
    href = anchor.get("href") or ""
    info = classify(href, base)
    if info.kind not in ARTICLE_KINDS:
        return None
    return ListingEntry(
        url=canonical_article_url(href, base),
        title=_text(anchor) or anchor.get("title") or None,
        published_at=_time(element),
        source=source,
        kicker=_kicker(element),
        kind=info.kind,
    )


def _time(element: etree._Element) -> datetime | None:
    for value in _TIMES(element):
        when = as_utc(value)
        if when is not None:
            return when
    return None


def _kicker(element: etree._Element) -> str | None:
    for tag in _KICKERS(element):
        text = _text(tag)
        if text:
            return text
    return None


def _load_more(root: etree._Element, base: str) -> LoadMore | None:
    for element in root.xpath(_LOAD_MORE):
        if element.tag in ("style", "script"):
            continue
        selector = "[data-load-more]" if element.get("data-load-more") is not None else (
            ".m-infinite-scroll-loader")
        target = (element.get("data-load-more") or element.get("data-url")
                  or element.get("data-href") or element.get("href"))
        url = to_public(target, base) if target and target.startswith(("/", "http")) else None
        return LoadMore(selector=selector, url=url)
    return None


def _add(bucket: list[str], href: str | None, base: str) -> None:
    if not href:
        return
    url = to_public(href, base)
    if urlsplit(url).netloc == _PUBLIC_NETLOC and url not in bucket:
        bucket.append(url)


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else PUBLIC_BASE_URL
