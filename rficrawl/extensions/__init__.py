"""Scrapy extensions of rficrawl (switched on in settings.py)."""
