"""Spider tests crawl a mirror built once per session from the real captures (testbed/build.py),
each test with its own server (and so its own request log)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rficrawl import urls
from testbed.build import Mirror, build_mirror
from testbed.server import MirrorServer
from tests.support.crawl import CrawlResult, run_crawl
from tests.support.mirror import mirror_settings

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    return build_mirror(tmp_path_factory.mktemp("rfi-mirror"), use_captures=True)


@pytest.fixture
def server(site: Mirror, mirror_server_factory) -> MirrorServer:
    return mirror_server_factory(site.root)


def crawl(spider: str, server: MirrorServer, tmp_path: Path, args: dict | None = None,
          settings: dict | None = None, output_name: str = "out.jsonl") -> CrawlResult:
    """``scrapy crawl SPIDER`` against the mirror, no store (MONGO_URI empty) unless given."""
    all_settings = mirror_settings(server, MONGO_URI="", LOG_LEVEL="INFO")
    all_settings.update(settings or {})
    result = run_crawl(spider, tmp_path, args=args, settings=all_settings, output_name=output_name)
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    return result


def paris_day(day: str, *, end: bool = False) -> dt.datetime:
    """The UTC instant a Paris calendar day starts (or, with ``end``, the next one starts)."""
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), PARIS)
    return (start + dt.timedelta(days=1 if end else 0)).astimezone(dt.UTC)


def requested_twice(server: MirrorServer) -> dict[str, int]:
    counts = Counter(server.log.paths())
    return {path: n for path, n in counts.items() if n > 1}


def article_paths(server: MirrorServer) -> set[str]:
    """Decoded paths of the article pages the crawl requested."""
    return {path for path in server.log.paths() if urls.classify(path, server.base_url).is_article}


def paths_of(article_urls: set[str]) -> set[str]:
    return {urls.classify(url).path for url in article_urls}
