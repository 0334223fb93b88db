"""Test harness. Each module under tests/support owns one real service or test bed:

- support.mirror:   a local mirror of rfi.fr served on 127.0.0.1 (RFI_BASE_URL for spiders)
- support.mongo:    a MongoDB-wire server (MONGO_URI, mongod, FerretDB, nx-27017, in that order)
- support.redis:    a redis-server on a free port
- support.scrapyd:  scrapyd processes with authentication
- support.browser:  the system Chromium for scrapy-playwright
"""

from __future__ import annotations

pytest_plugins = [
    "tests.support.mirror",
    "tests.support.mongo",
    "tests.support.redis",
    "tests.support.scrapyd",
    "tests.support.browser",
]

