"""The article loader: each field read from its sources in order, through its processors.

An RFI article page states most facts several times: in the JSON-LD ``NewsArticle``, in the meta
tags, in the visible page (DOM) and in the ``datalayer`` JSON the analytics read. The schema
(``rficrawl.items``) says, for each field, which of them are asked and in which order, and its
input and output processors (``rficrawl.extract.processors``); the first source that gives a value
the field's input processor accepts wins, so a missing or broken source (old pages without
JSON-LD, a JSON-LD that does not parse) lets the next one answer. Fields whose sources are all
merged (``merge``) read every source. The readers of each source are in
``rficrawl.extract.sources``; the orchestration is ``rficrawl.extract.article.extract_article``.

Fields without sources are set after loading: ``edition`` (from the URL's path prefix, else the
datalayer's ``site_locale``), ``body_html`` (the DOM's body once cleaned by
``rficrawl.extract.cleaning``), ``body_text``, ``word_count`` and ``content_hash`` (from the
cleaned title, lead and body), ``live_posts`` (``rficrawl.extract.liveblog``) and ``fetched_at``;
``language`` falls back to the edition's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from itemloaders import ItemLoader

from rficrawl.items import ARTICLE_FIELDS, ArticleItem

# field -> sources asked, in order; the URL first, since the twins' processor leaves the page's
# own URL out.
FIELD_SOURCES: dict[str, tuple[str, ...]] = {
    name: spec.sources for name, spec in sorted(ARTICLE_FIELDS.items(),
                                                 key=lambda entry: entry[0] != "url")
    if spec.sources
}
MERGED_FIELDS = frozenset(name for name, spec in ARTICLE_FIELDS.items() if spec.merge)
# Each field's (input, output) processors from its metadata, read once: itemloaders would read
# them through a new ItemAdapter for every value added, a cost the extractor's bench shows.
_PROCESSORS = {name: (meta["input_processor"], meta["output_processor"])
               for name, meta in ArticleItem.fields.items()}


class ArticleLoader(ItemLoader):
    """Fills an ``ArticleItem``, each field through the processors its field declares.

    Loader context: ``page_url`` (the URL fetched), ``base_url`` and ``repair`` (the page's
    ``TextRepair``, which counts the values it repairs); ``url`` once loaded.
    """

    default_item_class = ArticleItem

    def get_input_processor(self, field_name: str) -> Callable:
        return _PROCESSORS[field_name][0]

    def get_output_processor(self, field_name: str) -> Callable:
        return _PROCESSORS[field_name][1]

    def load_sources(self, sources: Mapping[str, object]) -> dict[str, str]:
        """Every field from its sources (source name -> reader object), in the schema's order.

        Returns, for each field that got a value, the name of the source that gave it (the first
        one, for merged fields): the crawl counts them, and a template change shows first as
        fields read from a later source than usual."""
        given: dict[str, str] = {}
        for field, names in FIELD_SOURCES.items():
            source = self._load_field(field, [(name, sources[name]) for name in names])
            if source is not None:
                given[field] = source
            if field == "url":
                self.context["url"] = self.get_output_value("url")
        return given

    def _load_field(self, field: str, sources: list[tuple[str, object]]) -> str | None:
        """Add the field's value from its sources in order; the first the loader accepts wins
        (every source, for the merged fields). A source without a reader for it is skipped.
        Returns the name of the (first) source that gave a value, or None."""
        given = None
        for name, source in sources:
            read = getattr(source, field, None)
            if read is None:
                continue
            try:
                value = read()
                if value in (None, "", [], {}):
                    continue
                self.add_value(field, value)
            except (ValueError, TypeError, AttributeError, KeyError):
                continue  # a value of an unexpected shape in this source: the next one answers
            if self.get_collected_values(field):
                given = given or name
                if field not in MERGED_FIELDS:
                    return given
        return given
