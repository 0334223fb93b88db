"""The article loader: every field's sources, in order, and its input/output processors.

An RFI article page states most facts several times: in the JSON-LD ``NewsArticle``, in the meta
tags, in the visible page (DOM) and in the ``datalayer`` JSON the analytics read. ``FIELD_SOURCES``
says, for each field, which of them are asked and in which order; the first source that gives a
value the field's input processor accepts wins, so a missing or broken source (old pages without
JSON-LD, a JSON-LD that does not parse) lets the next one answer. The readers of each source are
in ``rficrawl.extract.sources``; the orchestration is ``rficrawl.extract.article.extract_article``.

``body_html`` is the DOM's body, added once cleaned (``rficrawl.extract.cleaning``) after the
other fields; ``language`` falls back to the edition's. Fields not listed in ``FIELD_SOURCES``
are derived after loading: ``edition`` (from the URL's path prefix, else the datalayer's
``site_locale``), ``body_text``, ``word_count`` and ``content_hash`` (from the cleaned title, lead
and body), ``live_posts`` (``rficrawl.extract.liveblog``) and ``fetched_at``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urljoin

from itemloaders import ItemLoader
from itemloaders.processors import Identity, MapCompose, TakeFirst

from rficrawl.extract.cleaning import normalize_text
from rficrawl.extract.dates import as_utc
from rficrawl.items import ArticleItem
from rficrawl.urls import canonical_article_url, to_public

JSONLD, META, DOM, DATALAYER = "jsonld", "meta", "dom", "datalayer"

# field -> sources asked, first that answers wins (except MERGED_FIELDS, below).
FIELD_SOURCES: dict[str, tuple[str, ...]] = {
    "url": (JSONLD, META, DOM, DATALAYER),
    "content_id": (DATALAYER,),
    "language": (JSONLD, DOM),
    "section": (JSONLD, META, DOM, DATALAYER),
    "kicker": (DOM,),
    # The datalayer is the one source that names RFI's content types; the template is the fallback.
    "content_type": (DATALAYER, DOM),
    "title": (JSONLD, META, DOM, DATALAYER),
    "lead": (JSONLD, META, DOM),
    "authors": (JSONLD, DOM, DATALAYER),
    "published_at": (JSONLD, META, DOM, DATALAYER),
    "modified_at": (JSONLD, META, DOM),
    "image": (JSONLD, META, DOM),
    "tags": (META, DOM, DATALAYER),
    "keywords": (JSONLD, META),
    "media": (JSONLD, DOM),
    "twin_urls": (DOM,),
    "body_html": (DOM,),  # cleaned, then added last
}
# Fields whose every source is read and merged instead of the first one winning: the image's
# caption and credit are only in the DOM; a player may be in the DOM and not in the JSON-LD.
MERGED_FIELDS = frozenset({"image", "media"})
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


_TEXT = MapCompose(normalize_text)
_FIRST = TakeFirst()


class ArticleLoader(ItemLoader):
    """Fills an ``ArticleItem``. Loader context: ``page_url`` (the URL fetched) and ``base_url``.

    Every field's processors are declared here (input: cleans each value a source gives, may
    reject it with None; output: picks or merges the collected values).
    """

    default_item_class = ArticleItem
    default_input_processor = _TEXT
    default_output_processor = _FIRST

    url_in, url_out = MapCompose(canonical_url), _FIRST
    content_id_in, content_id_out = _TEXT, _FIRST
    edition_in, edition_out = _TEXT, _FIRST
    language_in, language_out = _TEXT, _FIRST
    section_in, section_out = _TEXT, _FIRST
    kicker_in, kicker_out = _TEXT, _FIRST
    content_type_in, content_type_out = _TEXT, _FIRST
    title_in, title_out = _TEXT, _FIRST
    lead_in, lead_out = _TEXT, _FIRST
    body_html_in, body_html_out = Identity(), _FIRST  # cleaned by rficrawl.extract.cleaning
    authors_in, authors_out = MapCompose(clean_author), unique
    published_at_in, published_at_out = MapCompose(as_utc), _FIRST
    modified_at_in, modified_at_out = MapCompose(as_utc), _FIRST
    image_in, image_out = MapCompose(clean_image), MergeDicts()
    tags_in, tags_out = _TEXT, unique
    keywords_in, keywords_out = MapCompose(split_keywords), unique
    media_in, media_out = MapCompose(clean_media), unique_media
    twin_urls_in, twin_urls_out = MapCompose(clean_twins), _FIRST
