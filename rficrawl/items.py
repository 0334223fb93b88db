"""The article's schema: every field rficrawl stores for an RFI article, declared once.

Each field of ``ArticleItem`` is one line that says everything the stages after extraction need:

- its **kind** (``Kind``): what its value is, and so whether it is *plain text* (escaped by any
  output that renders it as HTML or Markdown) or *HTML* (``body_html``, already made safe by the
  cleaner's allow-list, written as it is); objects and lists of objects name the kind of each
  part (``authors[].name`` is text, ``authors[].url`` a URL);
- whether an article without it is **required** (validation drops it as ``missing_<field>``);
- the page **sources** the loader asks, in order, the first that gives a value winning
  (``merge``: every source's values are merged), and its input/output **processors**, which
  itemloaders reads from the field (a kind has default ones);
- its **column** in ``rficrawl export --format csv`` (a position), whether ``rficrawl show``
  shows it, its place in the diff of ``rficrawl revisions``, and its place in a Markdown archive
  document (``markdown``);
- ``content=False`` for a field that says how the article was fetched, not what RFI published
  (a new ``fetched_at`` is no change of the article);
- the **coverage** a crawl's monitors expect of it (``all``: every article has it; ``usual``: as
  many as in the last crawls), for the fields worth watching.

Validation (``rficrawl.store.validation``), the stored document (``rficrawl.store.documents``),
the CSV, ``show`` and ``revisions`` (``rficrawl.cli.query``), the Markdown archive
(``rficrawl.export.markdown``) derive from it, and a test keeps the field table of
docs/extraction.md true to it. The store adds its own bookkeeping fields to each document; they
are declared here too (``STORE_FIELDS``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import scrapy
from itemloaders.processors import Identity, MapCompose, TakeFirst

from rficrawl.dates import as_utc
from rficrawl.extract.processors import (
    MergeDicts,
    canonical_url,
    clean_author,
    clean_image,
    clean_media,
    clean_twins,
    section_slug,
    split_keywords,
    text,
    unique,
    unique_media,
)
from rficrawl.extract.sources import DATALAYER, DOM, JSONLD, META


class Kind(enum.Enum):
    """What a field's value is. TEXT and URL are plain text; HTML is the one kind of markup."""

    TEXT = "text"
    HTML = "HTML"
    URL = "URL"
    DATE = "date"
    COUNT = "count"
    TEXT_LIST = "list of text"
    OBJECT = "object"
    OBJECT_LIST = "list of objects"


TEXT, HTML, URL, DATE, COUNT = Kind.TEXT, Kind.HTML, Kind.URL, Kind.DATE, Kind.COUNT
TEXT_LIST, OBJECT, OBJECT_LIST = Kind.TEXT_LIST, Kind.OBJECT, Kind.OBJECT_LIST
# Kinds whose value is a string: plain text, except HTML.
STRING_KINDS = frozenset({TEXT, HTML, URL})

_TEXT, _FIRST = MapCompose(text), TakeFirst()
# Processors of a kind, for the fields that declare none of their own.
_KIND_PROCESSORS: dict[Kind, tuple[Callable, Callable]] = {
    TEXT: (_TEXT, _FIRST),
    URL: (_TEXT, _FIRST),
    HTML: (Identity(), _FIRST),  # cleaned by rficrawl.extract.cleaning before it is loaded
    DATE: (MapCompose(as_utc), _FIRST),
    TEXT_LIST: (_TEXT, unique),
}
_ANY_PROCESSORS = (Identity(), _FIRST)

# Places in a Markdown archive document (rficrawl.export.markdown): the header's link text and
# link, the date line, the main image, the lead and the body; the file's folder and name.
MARKDOWN_PLACES = ("link text", "link", "date line", "image", "lead", "body", "folder", "file name")
# What a crawl's monitors expect of a field's fill rate (rficrawl.health): every article has it
# ("all"), or as many as in the last crawls ("usual"; some articles have no image, no author).
COVERAGE_EXPECTATIONS = ("all", "usual")
# The time of an article's version, for the Markdown archive's stamp: the first field that has one.
VERSION_TIME = ("modified_at", "published_at", "fetched_at")
# The date an article is filed under, as a Paris day (rficrawl.dates): the first that has one.
FILING_DATE = ("published_at", "modified_at")


@dataclass(frozen=True)
class FieldSpec:
    """One field of the schema (see the module's docstring for what each attribute is for)."""

    kind: Kind
    doc: str
    required: bool = False
    sources: tuple[str, ...] = ()
    merge: bool = False
    column: int | None = None
    show: bool = False
    diff: int | None = None
    markdown: str | None = None
    parts: Mapping[str, Kind] = field(default_factory=dict)
    content: bool = True
    coverage: str | None = None

    def __post_init__(self) -> None:
        if self.markdown is not None and self.markdown not in MARKDOWN_PLACES:
            raise ValueError(f"unknown Markdown place {self.markdown!r}; use one of "
                             f"{', '.join(MARKDOWN_PLACES)}")
        if self.coverage is not None and self.coverage not in COVERAGE_EXPECTATIONS:
            raise ValueError(f"unknown coverage {self.coverage!r}; use one of "
                             f"{', '.join(COVERAGE_EXPECTATIONS)}")


def article_field(kind: Kind, doc: str, *, input: Callable | None = None,
                  output: Callable | None = None, **spec: Any) -> scrapy.Field:
    """A field of ``ArticleItem``: its ``FieldSpec`` and its loader processors (the kind's
    unless given), where itemloaders looks for them."""
    default_input, default_output = _KIND_PROCESSORS.get(kind, _ANY_PROCESSORS)
    return scrapy.Field(spec=FieldSpec(kind, doc, **spec),
                        input_processor=input or default_input,
                        output_processor=output or default_output)


# The four sources of a page (rficrawl.extract.sources), in the order most fields ask them.
ALL = (JSONLD, META, DOM, DATALAYER)
_AUTHOR = {"name": TEXT, "url": URL}
_IMAGE = {"url": URL, "caption": TEXT, "credit": TEXT}
_MEDIA = {"kind": TEXT, "url": URL, "duration": COUNT}
_TWINS = {"<language tag>": URL}
_POST = {"time": DATE, "title": TEXT, "text": TEXT, "author": TEXT}
_WARC = {"file": TEXT, "offset": COUNT, "length": COUNT, "type": TEXT}


class ArticleItem(scrapy.Item):
    """An RFI article (fields in the order of JSON exports; see the module's docstring)."""

    url = article_field(
        URL, "canonical article URL on www.rfi.fr (RFI's percent-encoding, no query)",
        required=True, sources=ALL, input=MapCompose(canonical_url), column=2, show=True,
        markdown="link")
    content_id = article_field(
        TEXT, "RFI's stable id, e.g. WBMZ146377-RFI-CN-20251130", sources=(DATALAYER,),
        markdown="file name")
    edition = article_field(
        TEXT, "edition prefix, e.g. cn (the URL's, else the datalayer's)", required=True, column=3,
        show=True, markdown="folder")
    language = article_field(
        TEXT, "language of the page (JSON-LD inLanguage, <html lang>, else the edition's)",
        sources=(JSONLD, DOM))
    # The slug is stable across redesigns and languages, and is what -a sections and URLs use.
    section = article_field(
        TEXT, "section as its URL names it, e.g. 政治, asie-pacifique (breadcrumb link, else the "
        "article's URL)", sources=(JSONLD, DOM), input=MapCompose(section_slug), column=4,
        show=True, diff=3)
    section_name = article_field(
        TEXT, "the section's name as the page shows it, e.g. 政治, Asie-Pacifique",
        sources=(JSONLD, DOM, META, DATALAYER), show=True)
    kicker = article_field(TEXT, "the label above the title, e.g. 台海局势", sources=(DOM,), diff=4)
    # The datalayer is the one source that names RFI's content types; the template is the fallback.
    content_type = article_field(
        TEXT, "article, podcast, video, live... (datalayer content_type)", sources=(DATALAYER, DOM))
    title = article_field(
        TEXT, "headline", required=True, sources=ALL, column=5, diff=1, markdown="link text",
        coverage="all")
    lead = article_field(
        TEXT, "the chapo", sources=(JSONLD, META, DOM), column=6, diff=2, markdown="lead",
        coverage="all")
    body_html = article_field(
        HTML, "the body, cleaned: safe-to-display HTML (nh3's allow-list)", sources=(DOM,),
        markdown="body", coverage="all")
    body_text = article_field(
        TEXT, "plain text of the cleaned body, paragraphs separated by blank lines", column=15)
    authors = article_field(
        OBJECT_LIST, "authors with their profile page", parts=_AUTHOR,
        sources=(JSONLD, DOM, DATALAYER), input=MapCompose(clean_author), output=unique, column=7,
        show=True, diff=6, coverage="usual")
    published_at = article_field(
        DATE, "publication time", sources=ALL, column=9, show=True, diff=7, markdown="date line",
        coverage="all")
    modified_at = article_field(
        DATE, "last modification time", sources=(JSONLD, META, DOM), column=10, show=True, diff=8)
    # Caption and credit are only in the DOM: every source is read and merged.
    image = article_field(
        OBJECT, "the main image", parts=_IMAGE, sources=(JSONLD, META, DOM), merge=True,
        input=MapCompose(clean_image), output=MergeDicts(), markdown="image", coverage="usual")
    tags = article_field(
        TEXT_LIST, "RFI's tags", sources=(META, DOM, DATALAYER), column=8, show=True, diff=5,
        coverage="usual")
    keywords = article_field(
        TEXT_LIST, "keywords (a list, or older pages' comma string)", sources=(JSONLD, META),
        input=MapCompose(split_keywords))
    # A player may be in the DOM and not in the JSON-LD: every source is read and merged.
    media = article_field(
        OBJECT_LIST, "audio and video, duration in seconds", parts=_MEDIA, sources=(JSONLD, DOM),
        merge=True, input=MapCompose(clean_media), output=unique_media)
    twin_urls = article_field(
        OBJECT, "the other editions' versions by hreflang", parts=_TWINS, sources=(DOM,),
        input=MapCompose(clean_twins))
    live_posts = article_field(OBJECT_LIST, "a live blog's posts, oldest first", parts=_POST)
    word_count = article_field(COUNT, "words of body_text (a CJK character is a word)", column=11)
    content_hash = article_field(
        TEXT, "sha256 of the cleaned title, lead, body and live posts", required=True)
    fetched_at = article_field(DATE, "when the page was downloaded", content=False)
    # Set by the WARC add-on (rficrawl.warc), not by the extractor: where the page it was
    # extracted from is kept, for `rficrawl reextract`.
    warc = article_field(
        OBJECT, "the page's WARC record: file name, offset and length of its gzip member, record "
        "type (response, conversion, resource)", parts=_WARC, content=False)


# The schema of the article's fields, in the order of ArticleItem.
ARTICLE_FIELDS: Mapping[str, FieldSpec] = MappingProxyType(
    {name: meta["spec"] for name, meta in ArticleItem.fields.items()})

# Fields the store adds to each article's document: when and how often it saw the article, none
# of them what RFI published (``rficrawl.store.writer`` sets them; ``_id`` and ``published_day``
# come with the document, ``rficrawl.store.documents``).
STORE_FIELDS: Mapping[str, FieldSpec] = MappingProxyType({
    "_id": FieldSpec(TEXT, "content_id, else url", column=1, show=True),
    "published_day": FieldSpec(TEXT, "the Paris day of published_at, YYYY-MM-DD"),
    "first_seen_at": FieldSpec(DATE, "when it was first stored", column=13, show=True),
    "last_seen_at": FieldSpec(DATE, "when it was last seen, changed or not", column=14, show=True),
    "changed_at": FieldSpec(DATE, "when the current version replaced the one before"),
    "revision": FieldSpec(COUNT, "1 for the first version, then 2, 3...", column=12, show=True),
    "revision_reason": FieldSpec(TEXT, "what made this version: crawl, or reextract"),
})
# Every field of a stored article's document, the article's first.
DOCUMENT_FIELDS: Mapping[str, FieldSpec] = MappingProxyType({**ARTICLE_FIELDS, **STORE_FIELDS})
# The fields of a document that say how the store saw the article rather than what RFI published:
# two versions that differ only in them are the same version.
BOOKKEEPING_FIELDS = frozenset(
    [*STORE_FIELDS, *(name for name, spec in ARTICLE_FIELDS.items() if not spec.content)])


def fields_by(position: Callable[[FieldSpec], int | None],
              fields: Mapping[str, FieldSpec] = DOCUMENT_FIELDS) -> tuple[str, ...]:
    """Names of the fields that have a ``position`` (``column``, ``diff``), in its order."""
    placed = [(position(spec), name) for name, spec in fields.items() if position(spec)]
    return tuple(name for _, name in sorted(placed))


def value_kinds(fields: Mapping[str, FieldSpec] = ARTICLE_FIELDS) -> dict[str, Kind]:
    """The kind of every value of an article by its path (``title``, ``tags[]``,
    ``authors[].name``, ``image.caption``): what an output that renders HTML or Markdown must
    escape (text, URLs) and what it writes as it is (HTML)."""
    paths: dict[str, Kind] = {}
    for name, spec in fields.items():
        if spec.kind is TEXT_LIST:
            paths[f"{name}[]"] = TEXT
        elif spec.parts:
            prefix = f"{name}[]." if spec.kind is OBJECT_LIST else f"{name}."
            paths.update({prefix + part: kind for part, kind in spec.parts.items()})
        else:
            paths[name] = spec.kind
    return paths
