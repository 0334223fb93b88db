"""Exports of articles: the Markdown archive and JSON feeds with ISO 8601 UTC dates.

``rficrawl.export.markdown`` (``render_markdown``, ``archive_path``, feed format ``md``) and
``rficrawl.export.jsonfeed`` (feed formats ``json``, ``jsonlines``/``jsonl``/``jl``) serve both
Scrapy's feeds (``scrapy crawl ... -O FILE``) and ``rficrawl export``.
"""
