"""What a listing page (edition or section front, tag, programme, archive year or day) links to.

Spiders call :func:`extract_listing` and follow what it reports; they contain no parsing. Every URL
is the public canonical one (``https://www.rfi.fr/...``, see :mod:`rficrawl.urls`), whatever base URL
the page was fetched from, and nothing off-site is reported.

Article entries come, in page order, from the markup RFI has used for lists since 2021, wherever
it sits on the page (main lists, asides, highlighted lists, news feeds, carousels):

- cards ``div.m-item-list-article`` (2025: ``[data-article-list]`` with the title link
  ``.article__title a[data-article-item-link]``; 2024: the same inside
  ``div.m-item-list-article__wrapper``; 2021: one ``a[data-article-item-link]`` around the whole
  card) and the related-story links of a main card (``a.m-list-main-related__article``), source
  ``"card"``;
- the news feed ``div.m-item-news-feed`` (wire items with a ``time``), source ``"newsfeed"``;
- archive days ``div.o-archive-day ul.o-archive-day__list li a``, source ``"archive-day"``;
- then any other article link in the page body (not the site's header, navigation or footer),
  source ``"link"``, for lists without card markup.

Only advertising and sponsored content is left out, by the markers the ad server, the ad and
recommendation networks and RFI's page builder put on it (:data:`AD_OR_SPONSORED`): ad slots,
sponsored and partner blocks, Outbrain and Taboola widgets, ``rel="sponsored"`` links. A block
RFI merely highlights (``aside-content--highlighted``: programme episodes, hot topics) is RFI's own
content and is read like any other; a block that puts an ad *next to* a list
(``o-block-ad-n-layout-list``, ``o-block-ad-n-newsfeed``) loses only the ad.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree
from scrapy.http import TextResponse

from rficrawl.dates import as_utc
from rficrawl.extract.parsing import parse_listing_page
from rficrawl.urls import (
    ARTICLE_KINDS,
    PUBLIC_BASE_URL,
    UrlKind,
    canonical_article_url,
    classify,
    to_public,
)

__all__ = [
    "AD_CLASSES",
    "AD_OR_SPONSORED",
    "SPONSORED_MODIFIERS",
    "Listing",
    "ListingEntry",
    "LoadMore",
    "extract_listing",
]

_PUBLIC_NETLOC = urlsplit(PUBLIC_BASE_URL).netloc


def _has_class(name: str) -> str:
    # The plain contains() first: the token test only runs on the few elements that can match.
    return (f"(contains(@class, '{name}')"
            f" and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))")


def _token(name: str) -> str:
    """XPath: the attribute node in hand (``.``) holds the class ``name`` as a whole token."""
    return f"contains(concat(' ', normalize-space(.), ' '), ' {name} ')"


#: Classes of ad slots and of recommendation widgets: RFI's ad blocks (not the wrappers that put
#: an ad next to a list, ``o-block-ad-n-layout-list``, ``o-block-ad-n-newsfeed``,
#: ``o-layout-list__item--with-ad``, whose articles are RFI's), Outbrain's and Taboola's.
AD_CLASSES = ("m-block-ad", "o-ad-container", "o-ad-sponsoring",
              "o-block-ad-n-layout-list__block-ad", "OUTBRAIN", "ob-widget",
              "trc_related_container")
#: BEM modifiers, in a class or a page-builder type (``data-org-type``), that mark a block as
#: sponsored or a partner's: ``aside-content--sponsors``, ``m-item-list-article--sponsored``.
SPONSORED_MODIFIERS = ("--sponsor", "--partner")
_SPONSORED = " or ".join(f"contains(., '{modifier}')" for modifier in SPONSORED_MODIFIERS)
#: The roots of advertising and sponsored content; nothing inside one is listed. Markers only,
#: never words in a URL or a block's title: RFI's own partner-media sections are articles too.
#: Predicates sit on attribute nodes, and a class is tested token by token only after a plain
#: contains() found a candidate: a page has a thousand class attributes and a dozen ads.
AD_OR_SPONSORED = (
    # The ad server's slots (France Médias Monde's tag manager): every ad block carries one.
    "//@data-tms-ad-type/.. | //@data-tms-ad-container/.. | "
    "//@class[contains(., '-ad') or contains(., 'OUTBRAIN') or contains(., 'ob-widget')"
    f" or contains(., 'trc_') or {_SPONSORED}]"
    f"[{' or '.join(_token(name) for name in AD_CLASSES)} or {_SPONSORED}]/.."
    f" | //@data-org-type[{_SPONSORED}]/.."
    " | //@id[starts-with(., 'taboola-')]/.."
    # A single paid link, marked as the web marks one.
    f" | //a/@rel[{_token('sponsored')}]/.."
)
# The site's own header, navigation and footer. A header or nav inside the page's content (an
# aside's or a card's) is content.
_CHROME = " | ".join(
    f"//{tag}[not(ancestor::main or ancestor::aside or ancestor::article or ancestor::section)]"
    for tag in ("header", "footer", "nav")
)

# Compiled once: lxml would otherwise compile each expression again for every page or card.
# Card roots, related-story links, news-feed items and archive-day entries, in document order.
_ENTRIES = etree.XPath(
    f"//div[{_has_class('m-item-list-article')}]"
    f" | //a[{_has_class('m-list-main-related__article')}]"
    f" | //div[{_has_class('m-item-news-feed')}]"
    f" | //div[{_has_class('o-archive-day')}]//ul[{_has_class('o-archive-day__list')}]/li"
)
_PAGER = etree.XPath(
    f"//*[@id='pager']//li[{_has_class('m-pagination__item')}]//a[@href]"
    f" | //div[{_has_class('m-pagination-wrapper')}]//li[{_has_class('m-pagination__item')}]"
    "//a[@href]"
)
_LOAD_MORE = etree.XPath(
    f"//*[@data-load-more] | //*[{_has_class('m-infinite-scroll-loader')}]"
)
# 2025 puts the link inside .news__content__title, 2021 right inside .news__content.
_NEWSFEED_LINK = etree.XPath(f".//*[{_has_class('news__content')}]//a[@href]")
_ANY_LINK = etree.XPath(".//a[@href]")
_CARD_LINKS = (
    etree.XPath(f".//*[{_has_class('article__title')}]//a[@data-article-item-link]"),
    etree.XPath(f".//*[{_has_class('article__title')}]//a[@href]"),
    etree.XPath(".//a[@data-article-item-link] | .//a[@href]"),
)
_TITLE_IN_LINK = etree.XPath(f".//*[{_has_class('article__title')}]")
_TIMES = etree.XPath(".//time/@datetime")
_KICKERS = etree.XPath(f".//*[{_has_class('a-tag')}]")
_IN_AD_OR_SPONSORED = etree.XPath(f"({AD_OR_SPONSORED})/descendant-or-self::*")
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
    # Article links only advertising or sponsored content shows: what a crawl does not follow.
    skipped: list[str] = field(default_factory=list)
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
    root = parse_listing_page(response)
    if root is None:
        return listing
    excluded = set(_IN_AD_OR_SPONSORED(root))
    chrome = set(_LINKS_IN_CHROME(root))
    seen: set[str] = set()

    for element in _ENTRIES(root):
        if element in excluded:
            continue
        entry = _entry(element, base, excluded)
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
    pager = _PAGER(root)
    for anchor in pager:
        _add(listing.pages, anchor.get("href"), base)
    pager_links = set(pager)
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith("#") or anchor in pager_links:
            continue
        info = classify(href, base)
        if anchor in excluded:
            if info.kind in ARTICLE_KINDS:
                _add(listing.skipped, canonical_article_url(href, base), base)
            continue
        if info.kind in ARTICLE_KINDS:
            # Article links outside cards (lists without card markup); never from the site's
            # header, navigation or footer.
            if anchor in chrome:
                continue
            url = canonical_article_url(href, base)
            if url not in seen:
                seen.add(url)
                listing.articles.append(ListingEntry(
                    url=url, title=_title(anchor), source="link",
                    kind=info.kind,
                ))
        elif info.kind in buckets:
            _add(buckets[info.kind], href, base)

    # A link an ad repeats is skipped there but followed where RFI lists it.
    listing.skipped = [url for url in listing.skipped if url not in seen]
    listing.load_more = _load_more(root, base)
    return listing


def _entry(element: etree._Element, base: str, excluded: set[etree._Element]
           ) -> ListingEntry | None:
    """The article entry of a card, related-story link, news-feed item or archive-day line, if it
    links an article."""
    classes = f" {element.get('class', '')} "
    if element.tag == "a":
        anchors = [element]
        source = "card"
    elif " m-item-news-feed " in classes:
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
    if anchor in excluded:
        return None
    href = anchor.get("href") or ""
    info = classify(href, base)
    if info.kind not in ARTICLE_KINDS:
        return None
    return ListingEntry(
        url=canonical_article_url(href, base),
        title=_title(anchor),
        published_at=_time(element),
        source=source,
        kicker=_kicker(element),
        kind=info.kind,
    )


def _title(anchor: etree._Element) -> str | None:
    """The link's text; where the link wraps a whole card (2021), only its title's."""
    inner = _TITLE_IN_LINK(anchor)
    return _text(inner[0] if inner else anchor) or anchor.get("title") or None


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
    for element in _LOAD_MORE(root):
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
