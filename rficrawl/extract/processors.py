"""The processors of the article's fields: how each value a page source gives is cleaned
(input processors, which may reject a value with None) and how a field's collected values become
one (output processors).

The schema (``rficrawl.items``) names each field's processors; the loader
(``rficrawl.extract.loader``) applies them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urljoin

from rficrawl.extract.cleaning import normalize_text
from rficrawl.urls import UrlKind, canonical_article_url, classify, to_public

# An hreflang is a BCP 47 language tag (zh-Hans, pt-BR): letters, digits and hyphens. It becomes
# a key of ``twin_urls``, where anything else ("$x", "a.b") is a key MongoDB may refuse.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")

logger = logging.getLogger(__name__)


def split_keywords(value: str | Iterable[str]) -> list[str]:
    """Keywords as a list, whether the page gives a list or (older pages) a comma string."""
    values = [value] if isinstance(value, str) else list(value)
    words = []
    for text in values:
        for word in str(text).replace("，", ",").split(","):
            word = normalize_text(word)
            if word:
                words.append(word)
    return words


def unique(values: Iterable) -> list:
    """Values in order, without repeats (the page often gives a tag twice)."""
    seen: set = set()
    result = []
    for value in values:
        key = value.get("name") if isinstance(value, Mapping) else value
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


def unique_media(values: Iterable[Mapping]) -> list:
    """Media in order, one entry per URL; a later source may fill a duration the first lacked."""
    by_url: dict = {}
    for value in values:
        known = by_url.get(value["url"])
        if known is None:
            by_url[value["url"]] = dict(value)
        elif known.get("duration") is None:
            known["duration"] = value.get("duration")
    return list(by_url.values())


def absolute_public_url(value: str, loader_context: Mapping) -> str | None:
    """A link of the page, absolute; on RFI as its public www.rfi.fr URL even when the page
    came from a mirror (``rficrawl.urls.to_public``)."""
    value = normalize_text(value)
    if not value:
        return None
    return to_public(urljoin(loader_context["page_url"], value), loader_context["base_url"])


def canonical_url(value: str, loader_context: Mapping) -> str | None:
    """The public canonical URL of an article (``rficrawl.urls.canonical_article_url``), or
    None when the source gives no http(s) URL (a saved file's own ``file://`` address)."""
    value = normalize_text(value)
    if not value:
        return None
    url = canonical_article_url(urljoin(loader_context["page_url"], value),
                                loader_context["base_url"])
    return url if url.startswith(("https://", "http://")) else None


def section_slug(value: str, loader_context: Mapping) -> str | None:
    """The section an article is filed under, as its URL names it (decoded: ``政治``,
    ``asie-pacifique``), from a link to the section's page (``/fr/asie-pacifique/``; a programme
    for an episode: ``/fr/podcasts/{show}/``) or from the article's own URL
    (``/fr/asie-pacifique/20211209-...``). None for a link to anything else (the edition front)."""
    value = normalize_text(value)
    if not value:
        return None
    info = classify(urljoin(loader_context["page_url"], value), loader_context["base_url"])
    if info.kind in (UrlKind.PODCAST_SHOW, UrlKind.PODCAST_EPISODE):
        return info.show
    if info.kind in (UrlKind.SECTION, UrlKind.ARTICLE, UrlKind.LIST_PAGE):
        return info.section or info.show
    return None


def clean_author(value: Mapping, loader_context: Mapping) -> dict | None:
    name = normalize_text(value.get("name"))
    if not name:
        return None
    url = value.get("url")
    return {"name": name, "url": absolute_public_url(url, loader_context) if url else None}


def clean_image(value: Mapping, loader_context: Mapping) -> dict | None:
    image = {
        "url": absolute_public_url(value["url"], loader_context) if value.get("url") else None,
        "caption": normalize_text(value.get("caption")) or None,
        "credit": normalize_text(value.get("credit")) or None,
    }
    return image if any(image.values()) else None


def clean_media(value: Mapping, loader_context: Mapping) -> dict | None:
    url = value.get("url")
    if not url:
        return None
    return {
        "kind": value.get("kind"),
        "url": absolute_public_url(url, loader_context),
        "duration": value.get("duration"),
    }


def clean_twins(value: Mapping, loader_context: Mapping) -> dict | None:
    """The other editions' URLs by language tag; an hreflang that is no language tag is
    dropped, with a warning that names the page."""
    twins = {}
    for hreflang, href in value.items():
        if not _LANGUAGE_TAG.fullmatch(hreflang):
            logger.warning("Dropped the twin URL %r of %s: its hreflang %r is not a language tag",
                           href, loader_context["page_url"], hreflang)
            continue
        url = canonical_url(href, loader_context)
        if url and url != loader_context.get("url"):
            twins[hreflang] = url
    return twins or None


class MergeDicts:
    """Output processor: one dict from several sources, each key from the first that gives it."""

    def __call__(self, values: Iterable[Mapping]) -> dict | None:
        merged: dict = {}
        for value in values:
            for key, item in value.items():
                if merged.get(key) is None:
                    merged[key] = item
        return merged or None
