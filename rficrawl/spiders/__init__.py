"""The discovery spiders: fronts, archive, feeds, sitemaps, article (see docs/spiders.md)."""
