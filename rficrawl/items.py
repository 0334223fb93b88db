"""The article item: every field rficrawl stores for an RFI article.

The loader that fills it (with each field's input/output processors and order of sources) is
``rficrawl.extract.loader.ArticleLoader``.
"""

from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    url = scrapy.Field()  # canonical article URL (absolute, RFI's percent-encoding, no query/fragment)
    content_id = scrapy.Field()  # RFI's stable id from the datalayer, e.g. WBMZ146377-RFI-CN-20251130
    edition = scrapy.Field()  # path prefix, e.g. "cn"
    language = scrapy.Field()  # language read from the page (JSON-LD inLanguage, <html lang>)
    section = scrapy.Field()  # articleSection / breadcrumb section, e.g. 政治
    kicker = scrapy.Field()  # the label above the title (div.t-content__section), e.g. 台海局势
    content_type = scrapy.Field()  # article, podcast, video, live... (datalayer content_type)
    title = scrapy.Field()
    lead = scrapy.Field()  # the chapo
    body_html = scrapy.Field()  # cleaned, safe-to-display HTML
    body_text = scrapy.Field()  # plain text of the cleaned body, paragraphs separated by blank lines
    authors = scrapy.Field()  # [{"name": ..., "url": ...}]
    published_at = scrapy.Field()  # timezone-aware UTC datetime
    modified_at = scrapy.Field()  # timezone-aware UTC datetime
    image = scrapy.Field()  # {"url": ..., "caption": ..., "credit": ...}
    tags = scrapy.Field()  # [str]
    keywords = scrapy.Field()  # [str]
    media = scrapy.Field()  # [{"kind": "audio"|"video", "url": ..., "duration": seconds}]
    twin_urls = scrapy.Field()  # {hreflang: url} of the other editions' versions
    live_posts = scrapy.Field()  # [{"time", "title", "text", "author"}] for live blogs
    word_count = scrapy.Field()
    content_hash = scrapy.Field()  # sha256 of cleaned title + lead + body, stable across runs
    fetched_at = scrapy.Field()  # timezone-aware UTC datetime of the download
