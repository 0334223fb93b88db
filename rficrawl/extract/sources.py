"""The four sources of an RFI article page, each read once from one parse of the page.

``ArticlePage`` parses the response with lxml (once: parsing is the crawler's main CPU cost) and
finds the JSON-LD ``NewsArticle``, the head's meta and link tags, the ``datalayer`` JSON and the
article's template. Text is repaired as it leaves the parsers (``rficrawl.extract.repair``): the
tree once parsed, each JSON value once loaded. Each source class has one method per field it can
answer, returning raw values that the loader's input processors clean
(``rficrawl.extract.loader``). A method that has nothing returns None; a source that is missing
or broken answers nothing, never raises. The schema (``rficrawl.items``) names, for each field,
the sources asked and their order, by the names below.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cached_property

import isodate
from lxml import etree
from scrapy.http import TextResponse

from rficrawl.extract.cleaning import normalize_text
from rficrawl.extract.repair import TextRepair, may_need_repair

JSONLD, META, DOM, DATALAYER = "jsonld", "meta", "dom", "datalayer"


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_HEAD_META = etree.XPath("/html/head/meta")
_HEAD_LINKS = etree.XPath("/html/head/link[@href]")
_BREADCRUMB = etree.XPath(f".//nav[{_has_class('m-breadcrumb')}]//li/a")
_TIMES = etree.XPath(".//time/@datetime")
_AUTHORS = etree.XPath(f".//a[{_has_class('m-from-author__name')}]")
_TAGS = etree.XPath(f".//a[{_has_class('a-hot-tag')}]")
_PART_SEARCH = {
    name: etree.XPath(f".//*[{_has_class(name)}]")
    for name in ("t-content__section", "t-content__chapo", "t-content__dates",
                 "t-content__main-media", "t-content__authors", "t-content__body",
                 "t-content__tags")
}
_TEMPLATE = re.compile(r"\bt-content--([a-z-]+)")
ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
                 "LiveBlogPosting", "BlogPosting"}


def iso_duration_seconds(value: object) -> int | None:
    """Seconds of an ISO 8601 duration (``PT7M49S``) or of a plain number; None otherwise (also
    for months and years, whose length depends on the date, and for a negative duration)."""
    if isinstance(value, int | float):
        return int(value)
    try:
        duration = isodate.parse_duration(str(value or "").strip())
    except (isodate.ISO8601Error, ValueError):
        return None
    if not isinstance(duration, timedelta) or duration < timedelta(0):
        return None
    return int(duration.total_seconds())


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(element: etree._Element | None) -> str | None:
    return normalize_text(element.xpath("string()")) if element is not None else None


def _find_content(root: etree._Element) -> etree._Element | None:
    """The page's ``div.t-content`` (the template's root), looked for inside ``<main>``."""
    for main in root.iter("main"):
        for div in main.iter("div"):
            classes = div.get("class")
            if classes and "t-content" in classes.split():
                return div
    return None


def _player_media(data: object) -> list[dict]:
    """Media of one RFI player JSON: ``{"mediaId", "type", "sources": [{"url"}], "duration"}``.
    Live streams (``type: live``, the radio's own player) are not the article's media."""
    if not isinstance(data, dict) or data.get("type") == "live":
        return []
    kind = "video" if "video" in str(data.get("type") or "").lower() else "audio"
    duration = iso_duration_seconds(data.get("duration"))
    return [{"kind": kind, "url": source.get("url"), "duration": duration}
            for source in _as_list(data.get("sources")) if isinstance(source, dict)][:1]


class ArticlePage:
    """One parse of a downloaded page and the places the sources read from."""

    def __init__(self, response: TextResponse):
        self.response = response
        parser = etree.HTMLParser(encoding=response.encoding, remove_comments=True,
                                  collect_ids=False, huge_tree=True)
        root = etree.fromstring(response.body or b"<html></html>", parser)
        self.root = root if root is not None else etree.fromstring(b"<html></html>", parser)
        self.repair = TextRepair()
        if may_need_repair(response.body, response.encoding):
            self.repair.tree(self.root)
        self.content = _find_content(self.root)
        self._jsonld_scripts: list[etree._Element] = []
        self._datalayer_script: etree._Element | None = None
        for script in self.root.iter("script"):
            if script.get("type") == "application/ld+json":
                self._jsonld_scripts.append(script)
            elif script.get("id") == "datalayer" and self._datalayer_script is None:
                self._datalayer_script = script
        scope = self.content if self.content is not None else self.root
        self.article = next((element for element in scope.iter("article")
                             if "t-content__article-wrapper" in (element.get("class") or "")),
                            scope)
        self._parts: dict[str, etree._Element] = {}
        for parent in (self.article, self.content):
            for child in parent if parent is not None else ():
                if child.tag == "h1":
                    self._parts.setdefault("h1", child)
                for name in (child.get("class") or "").split():
                    self._parts.setdefault(name, child)
        self.body = self.part("t-content__body")

    def load_json(self, script: etree._Element, where: str) -> object:
        """The JSON of a ``<script>``, its strings repaired; None when it does not parse, or
        nests deeper than Python's recursion limit lets the parser or the repair walk go."""
        try:
            return self.repair.load_json(script.text or "", where)
        except (ValueError, RecursionError):
            return None

    def part(self, name: str) -> etree._Element | None:
        """A part of the article template by its class (``t-content__body``...) or ``h1``.

        The 2025 template has them as children of the article (tags: of the template's root),
        found in one pass; other layouts fall back to a search of the article.
        """
        if name in self._parts:
            return self._parts[name]
        if name == "h1":
            found = next(self.article.iter("h1"), None)
        else:
            found = next(iter(_PART_SEARCH[name](self.article)), None)
            if found is None and name == "t-content__tags" and self.content is not None:
                found = next(iter(_PART_SEARCH[name](self.content)), None)
        self._parts[name] = found
        return found

    @cached_property
    def template(self) -> str | None:
        """The page template, from ``t-content--{template}`` (article, page-builder, video...)."""
        if self.content is None:
            return None
        match = _TEMPLATE.search(self.content.get("class", ""))
        return match.group(1) if match else None

    @cached_property
    def _jsonld_objects(self) -> list[dict]:
        """Every object of the page's JSON-LD scripts (their ``@graph`` members included), each
        script loaded once."""
        objects = []
        for script in self._jsonld_scripts:
            for node in _as_list(self.load_json(script, "JSON-LD")):
                if isinstance(node, dict):
                    objects += [candidate for candidate in [node, *_as_list(node.get("@graph"))]
                                if isinstance(candidate, dict)]
        return objects

    @cached_property
    def jsonld(self) -> dict:
        """The page's JSON-LD article object; empty when absent or broken."""
        return next((candidate for candidate in self._jsonld_objects
                     if set(_as_list(candidate.get("@type"))) & ARTICLE_TYPES), {})

    @cached_property
    def breadcrumb(self) -> dict:
        """The JSON-LD ``BreadcrumbList``'s entry for the article's section (the last entry
        before the article itself, not the edition front) as ``{"url", "name"}``; empty when the
        page has none."""
        crumbs = next((candidate for candidate in self._jsonld_objects
                       if "BreadcrumbList" in _as_list(candidate.get("@type"))), None)
        return _breadcrumb_section(crumbs, self.jsonld) if crumbs is not None else {}

    @cached_property
    def meta(self) -> dict[str, list[str]]:
        meta: dict[str, list[str]] = {}
        for element in _HEAD_META(self.root):
            key = element.get("property") or element.get("name")
            content = element.get("content")
            if key and content is not None:
                meta.setdefault(key.lower(), []).append(content)
        return meta

    @cached_property
    def links(self) -> list[tuple[str, str | None, str]]:
        """The head's links as (rel, hreflang, href)."""
        return [(link.get("rel", "").lower(), link.get("hreflang"), link.get("href"))
                for link in _HEAD_LINKS(self.root)]

    @cached_property
    def datalayer(self) -> dict:
        script = self._datalayer_script
        data = self.load_json(script, "datalayer") if script is not None else None
        return data if isinstance(data, dict) else {}


def _breadcrumb_section(crumbs: dict, article: dict) -> dict:
    """The section entry of a JSON-LD ``BreadcrumbList`` (see ``ArticlePage.breadcrumb``)."""
    entries = []
    for element in _as_list(crumbs.get("itemListElement")):
        if not isinstance(element, dict):
            continue
        item = element.get("item")
        url = item.get("@id") or item.get("url") if isinstance(item, dict) else item
        name = (item.get("name") if isinstance(item, dict) else None) or element.get("name")
        position = element.get("position")
        entries.append((position if isinstance(position, int | float) else len(entries),
                        {"url": url, "name": name}))
    entries = [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]
    own = {article.get("url"), article.get("@id")} - {None}
    if entries and entries[-1]["url"] in own:
        entries.pop()
    return entries[-1] if len(entries) > 1 else {}


class JsonLdSource:
    def __init__(self, page: ArticlePage):
        self.data = page.jsonld
        self.breadcrumb = page.breadcrumb

    def url(self):
        page = self.data.get("mainEntityOfPage")
        return self.data.get("url") or (page.get("@id") if isinstance(page, dict) else page)

    def language(self):
        return self.data.get("inLanguage")

    def section(self):
        return self.breadcrumb.get("url")

    def section_name(self):
        return self.breadcrumb.get("name") or self.data.get("articleSection")

    def title(self):
        return self.data.get("headline")

    def lead(self):
        return self.data.get("description")

    def authors(self):
        authors = _as_list(self.data.get("author"))
        return [a if isinstance(a, dict) else {"name": a} for a in authors]

    def published_at(self):
        return self.data.get("datePublished")

    def modified_at(self):
        return self.data.get("dateModified")

    def image(self):
        images = _as_list(self.data.get("image")) or _as_list(self.data.get("thumbnailUrl"))
        if not images:
            return None
        first = images[0]
        if isinstance(first, dict):
            return {"url": first.get("url") or first.get("contentUrl"),
                    "caption": first.get("caption"), "credit": first.get("creditText")}
        return {"url": first}

    def keywords(self):
        return self.data.get("keywords")

    def media(self):
        media = []
        for kind in ("audio", "video"):
            for obj in _as_list(self.data.get(kind)):
                if isinstance(obj, dict):
                    media.append({"kind": kind, "url": obj.get("contentUrl") or obj.get("embedUrl"),
                                  "duration": iso_duration_seconds(obj.get("duration"))})
        return media


class MetaSource:
    def __init__(self, page: ArticlePage):
        self.meta = page.meta

    def _first(self, *keys: str) -> str | None:
        for key in keys:
            if self.meta.get(key):
                return self.meta[key][0]
        return None

    def url(self):
        return self._first("og:url")

    def section_name(self):
        return self._first("article:section")

    def title(self):
        return self._first("og:title", "twitter:title")

    def lead(self):
        return self._first("og:description", "description", "twitter:description")

    def published_at(self):
        return self._first("article:published_time")

    def modified_at(self):
        return self._first("article:modified_time")

    def image(self):
        url = self._first("og:image", "twitter:image")
        return {"url": url} if url else None

    def tags(self):
        return self.meta.get("article:tag")

    def keywords(self):
        return self._first("keywords", "news_keywords")


class DomSource:
    def __init__(self, page: ArticlePage):
        self.page = page
        self.article = page.article

    def url(self):
        return next((href for rel, _, href in self.page.links if rel == "canonical"), None)

    def language(self):
        return self.page.root.get("lang")

    def _section_link(self) -> etree._Element | None:
        """The breadcrumb's last link (home > section), unless it links home only."""
        links = _BREADCRUMB(self.page.content) if self.page.content is not None else []
        return links[-1] if len(links) > 1 else None

    def section(self):
        """The breadcrumb's section link, else the page's canonical URL (which holds the
        section of a dated article: /fr/asie-pacifique/20211209-...)."""
        link = self._section_link()
        return link.get("href") if link is not None else self.url()

    def section_name(self):
        return _text(self._section_link())

    def kicker(self):
        return _text(self.page.part("t-content__section"))

    def content_type(self):
        return self.page.template

    def title(self):
        return _text(self.page.part("h1"))

    def lead(self):
        return _text(self.page.part("t-content__chapo"))

    def authors(self):
        scope = self.page.part("t-content__authors")
        return [{"name": _text(a), "url": a.get("href")}
                for a in _AUTHORS(scope if scope is not None else self.article)]

    def published_at(self):
        dates = self._dates()
        return dates[0] if dates else None

    def modified_at(self):
        dates = self._dates()
        return dates[1] if len(dates) > 1 else None

    def _dates(self) -> list[str]:
        part = self.page.part("t-content__dates")
        return _TIMES(part) if part is not None else []

    def image(self):
        media = self.page.part("t-content__main-media")
        figure = next(media.iter("figure"), None) if media is not None else None
        if figure is None:
            return None
        image = next(figure.iter("img"), None)
        spans = [_text(span) for span in figure.xpath("./figcaption/span")]
        caption = spans[0] if spans else _text(next(figure.iter("figcaption"), None))
        return {
            "url": image.get("src") if image is not None else None,
            "caption": caption or (image.get("alt") if image is not None else None),
            "credit": spans[1] if len(spans) > 1 else None,
        }

    def tags(self):
        part = self.page.part("t-content__tags")
        return [_text(a) for a in _TAGS(part)] if part is not None else []

    def media(self):
        """Players of the article: RFI's player JSON (``script[data-media-id]``, the markup of the
        site's radio player) and plain ``<audio>``/``<video>`` elements."""
        media = []
        for element in self.article.iter("script", "audio", "video"):
            if element.tag == "script":
                if element.get("data-media-id") is not None:
                    media.extend(_player_media(self.page.load_json(element, "player JSON")))
                continue
            sources = [element.get("src")] + [s.get("src") for s in element.iter("source")]
            url = next((src for src in sources if src), None)
            if url:
                media.append({"kind": element.tag, "url": url, "duration": None})
        return media

    def twin_urls(self):
        return {hreflang: href for rel, hreflang, href in self.page.links
                if rel == "alternate" and hreflang and hreflang != "x-default"}


class DatalayerSource:
    def __init__(self, page: ArticlePage):
        self.data = page.datalayer

    def url(self):
        return self.data.get("canonical")

    def content_id(self):
        return self.data.get("content_id")

    def section_name(self):
        supertags = [t.get("name") for t in _as_list(self.data.get("supertag"))
                     if isinstance(t, dict)]
        return self.data.get("cat1") or next(iter(supertags), None)

    def content_type(self):
        return self.data.get("content_type")

    def title(self):
        return self.data.get("content_title")

    def authors(self):
        return [{"name": a.get("name")} for a in _as_list(self.data.get("authors"))
                if isinstance(a, dict)]

    def published_at(self):
        day, time = self.data.get("publication_date"), self.data.get("publication_time")
        return f"{day}T{time or '00:00:00'}" if day else None

    def tags(self):
        return [t.get("name") for t in _as_list(self.data.get("tags")) if isinstance(t, dict)]

    def edition(self):
        return self.data.get("site_locale")


# The source classes by the names the schema uses.
SOURCES = {JSONLD: JsonLdSource, META: MetaSource, DOM: DomSource, DATALAYER: DatalayerSource}
