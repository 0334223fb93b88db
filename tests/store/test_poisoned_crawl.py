"""A poisoned page in a crawl of three: the two good articles are stored, the poisoned one is
repaired (and stored) or dropped with its reason, the crawl exits 0 and logs no traceback.

``scrapy crawl article`` against a local mirror and the suite's real MongoDB-wire server. The
three pages are derived from the real article capture (testbed/build.py); the third
gets one poison from tests/extract/pages.py, each of which keeps RFI's markup around it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from testbed.build import ARTICLE_CAPTURE, MirrorBuilder
from testbed.captures import capture_bytes
from testbed.server import resolve_path
from tests.extract import pages
from tests.store.test_crawl import crawl, store_settings, url_file

pytestmark = pytest.mark.slow

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def three_articles(root: Path, poison: Callable[[bytes], bytes]) -> list[str]:
    """Three articles derived from the capture under ``root``; the last one poisoned."""
    builder = MirrorBuilder(root, capture_bytes(ARTICLE_CAPTURE).decode("utf-8"))
    published = dt.datetime(2025, 11, 30, 8, tzinfo=dt.UTC)
    urls = [builder.article(f"/cn/中国/20251130-投毒测试-{n}", published + dt.timedelta(hours=n)).url
            for n in range(3)]
    page = resolve_path(root, unquote(urlsplit(urls[-1]).path))
    page.write_bytes(poison(page.read_bytes()))
    return urls


@pytest.mark.parametrize("poison, outcome", [
    (pages.lone_surrogate_headline, "repaired"),
    (pages.control_characters, "repaired"),
    (pages.odd_hreflang_twins, "repaired"),
    (pages.oversized, "too_large"),
], ids=["lone-surrogate-headline", "control-characters", "odd-hreflang-keys", "over-16-MiB"])
def test_a_poisoned_page_costs_only_itself(poison, outcome, mirror_server_factory, mongo_db,
                                           tmp_path):
    urls = three_articles(tmp_path / "site", poison)
    good, poisoned = urls[:2], urls[2]
    server = mirror_server_factory(tmp_path / "site")
    settings = store_settings(server, mongo_db.uri, mongo_db.db, tmp_path)
    result = crawl(tmp_path, "crawl", settings, {"urls_file": url_file(tmp_path, urls)})

    db = mongo_db.database
    stored = {doc["url"]: doc for doc in db.articles.find()}
    record = db.crawls.find_one()
    dropped = {k: v for k, v in result.stats.items() if k.startswith("rficrawl/dropped/")}
    assert set(good) <= set(stored)
    assert [text for doc in stored.values() for text in strings(doc) if NOT_XML.search(text)] == []
    assert not (tmp_path / "spill").exists()
    if outcome == "repaired":
        assert set(stored) == set(urls)
        assert dropped == {}
        assert record["dropped"] == {}
    else:
        assert set(stored) == set(good)
        assert dropped == {f"rficrawl/dropped/{outcome}": 1}
        assert record["dropped"] == {outcome: 1}
        assert record["counts"]["dropped"] == 1
        assert outcome in result.log and poisoned in result.log
    assert record["counts"]["new"] == len(stored)

    if poison is pages.lone_surrogate_headline:
        assert stored[poisoned]["title"].startswith("\ufffd ")
        assert f"Repaired the text of {poisoned}" in result.log
    elif poison is pages.control_characters:
        assert pages.POISONED_LINK_TEXT in stored[poisoned]["body_text"]
        assert f"Repaired the text of {poisoned}" in result.log
    elif poison is pages.odd_hreflang_twins:
        assert stored[poisoned]["twin_urls"] == stored[good[0]]["twin_urls"]
        assert "hreflang '$where' is not a language tag" in result.log
