"""The ``rficrawl`` console command: everything that is not ``scrapy crawl``."""
