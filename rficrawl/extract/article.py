"""From a downloaded RFI page to an ``ArticleItem``: a pure function, usable without a crawl.

Spiders, the ``rficrawl extract`` command, the tests and the bench all call ``extract_article``.
A page that cannot give a usable article raises ``NotAnArticle`` with a short machine-readable
reason, which the spider counts in the crawl stats as ``rficrawl/dropped/<reason>``; no other
exception leaves it. Text that could break a later stage (a lone surrogate, a control character)
is repaired where it enters (``rficrawl.extract.repair``), and a warning in the log names the page.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from rficrawl.dates import as_utc
from rficrawl.editions import editions
from rficrawl.extract.cleaning import clean_body
from rficrawl.extract.liveblog import LIVE_BLOG, extract_live_posts
from rficrawl.extract.loader import ArticleLoader
from rficrawl.extract.parsing import is_truncated
from rficrawl.extract.sources import DATALAYER, JSONLD, SOURCES, ArticlePage
from rficrawl.items import ARTICLE_FIELDS, ArticleItem
from rficrawl.urls import canonical_article_url

# Templates (``t-content--{name}``) of pages archived as articles. Fronts are ``page-builder``.
# Video pages (``video``) are archived too, as issue 4 asks: their player is the item's ``media``
# and their caption its body; one with neither is dropped as ``no-body``.
ARTICLE_TEMPLATES = frozenset({"article", "breaking", "report", "diaporama", "video"})
# Datalayer content types of pages that are not articles whatever their template.
NOT_ARTICLE_TYPES = {"homepage": "front", "section": "front", "tag": "front", "list": "front"}
# Scripts written without spaces between words, where each character counts as a word.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHARACTER = re.compile(f"[{_CJK}]")
_OTHER_WORD = re.compile(f"[^\\W{_CJK}]+")

# Fields whose first source is the JSON-LD and that take one source's value (not merged ones).
JSONLD_FIRST = frozenset(name for name, spec in ARTICLE_FIELDS.items()
                         if spec.sources[:1] == (JSONLD,) and not spec.merge)

logger = logging.getLogger(__name__)


class NotAnArticle(Exception):
    """The page cannot give a usable article; ``reason`` is short and machine-readable.

    Reasons: ``not-an-article:{template}`` (front, video...), ``truncated``, ``no-title``,
    ``no-body``, ``no-url``, ``unknown-edition``.
    """

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Extraction:
    """An article and, for each field that has a value, the source that gave it (``jsonld``,
    ``meta``, ``dom``, ``datalayer``): what the crawl counts to see a template change coming."""

    item: ArticleItem
    sources: Mapping[str, str]

    @property
    def fell_back_past_jsonld(self) -> bool:
        """Whether a field the JSON-LD is asked first for came from another source."""
        return any(source != JSONLD for field, source in self.sources.items()
                   if field in JSONLD_FIRST)


def extract_article(
    response: TextResponse,
    *,
    fetched_at: datetime | None = None,
    base_url: str | None = None,
) -> ArticleItem:
    """The article of an RFI page, every field from the first source that gives it.

    ``base_url`` is where the page was fetched from when it is not www.rfi.fr (a local mirror):
    links on it are stored as their public www.rfi.fr URLs. ``fetched_at`` defaults to now.
    """
    return read_article(response, fetched_at=fetched_at, base_url=base_url).item


def read_article(
    response: TextResponse,
    *,
    fetched_at: datetime | None = None,
    base_url: str | None = None,
) -> Extraction:
    """``extract_article``, with the source of each field (see :class:`Extraction`)."""
    base_url = base_url or f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
    if is_truncated(response):
        raise NotAnArticle("truncated", f"{response.url} ends before </html>")
    page = ArticlePage(response)
    _check_template(page)
    sources = {name: source(page) for name, source in SOURCES.items()}
    loader = ArticleLoader(page_url=response.url, base_url=base_url, repair=page.repair)
    given = loader.load_sources(sources)

    url = loader.get_output_value("url") or _page_url(response, base_url)
    if not url:
        raise NotAnArticle("no-url", f"{response.url} states no canonical URL; give the page's URL")
    loader.replace_value("url", url)
    edition = _edition(url, sources[DATALAYER].edition())
    title = loader.get_output_value("title")
    if not title:
        raise NotAnArticle("no-title", f"{url} has no headline in any source")

    live_posts, body = [], None
    if page.body is not None:  # the live blog is read before cleaning drops its embed
        if page.body.css_first(LIVE_BLOG) is not None:
            live_posts = extract_live_posts(Selector(text=page.body.html or ""))
        body = clean_body(page.body, url)
    if body is None or not (body.text or live_posts or loader.get_output_value("media")):
        raise NotAnArticle("no-body", f"{url} has no article text")

    loader.add_value("body_html", body.html)  # the DOM's body, cleaned
    loader.add_value("edition", edition)
    loader.add_value("language", editions()[edition].language)
    item = loader.load_item()
    item["body_text"] = body.text
    item["live_posts"] = live_posts
    page.repair.item(item)  # every string, before the words are counted and hashed
    item["word_count"] = count_words(item["body_text"])
    item["content_hash"] = content_hash(item["title"], item.get("lead") or "", item["body_text"],
                                        item["live_posts"])
    item["fetched_at"] = as_utc(fetched_at) or datetime.now(UTC)
    for field in ("authors", "tags", "keywords", "media"):
        item.setdefault(field, [])
    item.setdefault("twin_urls", {})
    if page.repair.changed:
        logger.warning("Repaired the text of %s (lone surrogates replaced by U+FFFD, control "
                       "characters removed): %s", url, page.repair.summary())
    article = ArticleItem({name: item[name] for name in ArticleItem.fields if name in item})
    return Extraction(article, given)


def content_hash(
    title: str, lead: str, body_text: str, live_posts: Sequence[Mapping] = ()
) -> str:
    """sha256 of the cleaned title, lead and body text, and of a live blog's posts: changes only
    when the words change, so a live blog's new posts make a new revision.

    Never raises: the extractor's text is repaired, and any other caller's lone surrogate is
    hashed as its code point (``surrogatepass``) rather than refused; valid text hashes as UTF-8.
    """
    posts = (f"{post.get('title') or ''}\n{post.get('text') or ''}" for post in live_posts)
    text = "\n\n".join(part.strip() for part in (title, lead, body_text, *posts))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def count_words(text: str) -> int:
    """Words of a text. In Chinese and Japanese, written without spaces, each character counts
    as a word (the usual convention); elsewhere a word is a run of letters and digits."""
    return len(_CJK_CHARACTER.findall(text)) + len(_OTHER_WORD.findall(text))


def _check_template(page: ArticlePage) -> None:
    kind = NOT_ARTICLE_TYPES.get(str(page.datalayer.get("content_type") or ""))
    template = page.template
    if kind is None and template is not None and template not in ARTICLE_TEMPLATES:
        kind = "front" if template == "page-builder" else template
    if kind is None and template is None and not page.jsonld and page.body is None:
        kind = "unknown"
    if kind is not None:
        raise NotAnArticle(f"not-an-article:{kind}",
                           f"{page.response.url} is not an article ({kind} page)")


def _page_url(response: TextResponse, base_url: str) -> str | None:
    if response.url.startswith(("http://", "https://")):
        return canonical_article_url(response.url, base_url)
    return None


def _edition(url: str, datalayer_locale: str | None) -> str:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    for prefix in (segments[0] if segments else None, datalayer_locale):
        if prefix in editions():
            return prefix
    raise NotAnArticle("unknown-edition", f"{url} is in no edition of editions.toml")
