"""Test harness. Each module under tests/support owns one real service or test bed:

- support.mirror:   a local mirror of rfi.fr served on 127.0.0.1 (RFI_BASE_URL for spiders)
- support.mongo:    a MongoDB-wire server (MONGO_URI, mongod, FerretDB, nx-27017, in that order)
- support.redis:    a redis-server on a free port
- support.scrapyd:  scrapyd processes with authentication
- support.browser:  the system Chromium for scrapy-playwright
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = [
    "tests.support.mirror",
    "tests.support.mongo",
    "tests.support.redis",
    "tests.support.scrapyd",
    "tests.support.browser",
]



@pytest.fixture(scope="session", autouse=True)
def warc_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Crawls the tests start write their WARC files under the session's temporary folder (the
    WARC add-on's default is $WARC_DIR), never into the worktree's data/warc; a test that looks
    at the files gives its own ``-s WARC_DIR``."""
    path = str(tmp_path_factory.mktemp("warc"))
    os.environ["WARC_DIR"] = path
    return path
