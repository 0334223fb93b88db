"""rficrawl: crawl and archive the news of RFI in all its language editions."""

__version__ = "0.1.0"
