"""One date rule: a bare day is a Paris day for spiders, the CLI, the store and the archive alike.

The boundary is an article published at 23:30 UTC on 29 November 2025: 00:30 on 30 November in
Paris, so it belongs to 30 November everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import PurePosixPath

from scrapy.utils.test import get_crawler

from rficrawl.dates import DateRange, isoformat_z, jsonable, paris_day, parse_bound, to_json
from rficrawl.export.markdown import archive_path
from rficrawl.spiders.sitemaps import SitemapsSpider
from rficrawl.store.connection import connect
from rficrawl.store.documents import to_document
from rficrawl.store.queries import article_filter
from rficrawl.store.writer import ArticleWriter
from tests.store.conftest import make_item, rficrawl

LATE = dt.datetime(2025, 11, 29, 23, 30, tzinfo=dt.UTC)  # 00:30 on 30 November in Paris
DAY = "2025-11-30"


def test_a_bare_day_is_the_paris_day():
    assert parse_bound(DAY, upper=False) == dt.datetime(2025, 11, 29, 23, 0, tzinfo=dt.UTC)
    assert parse_bound(DAY, upper=True) == dt.datetime(2025, 11, 30, 23, 0, tzinfo=dt.UTC)
    # Summer time: Paris is UTC+2.
    assert parse_bound("2025-07-14", upper=False) == dt.datetime(2025, 7, 13, 22, 0, tzinfo=dt.UTC)
    assert paris_day(LATE) == dt.date(2025, 11, 30)
    assert paris_day("2025-11-29T23:30:00Z") == dt.date(2025, 11, 30)
    assert paris_day(LATE - dt.timedelta(hours=1)) == dt.date(2025, 11, 29)


def test_an_instant_is_utc_unless_it_says_otherwise_and_an_upper_one_is_inclusive():
    assert parse_bound("2025-11-29T23:30:00", upper=False) == LATE
    assert parse_bound("2025-11-30T00:30:00+01:00", upper=False) == LATE
    until = parse_bound("2025-11-29T23:30:00Z", upper=True)
    assert DateRange(until=until).contains(LATE)
    assert not DateRange(until=until).contains(LATE + dt.timedelta(milliseconds=1))


def test_a_text_that_is_no_date_is_named():
    for text in ("last tuesday", "2025-13-01", ""):
        try:
            parse_bound(text, upper=False)
        except ValueError as exc:
            assert repr(text) in str(exc) and "YYYY-MM-DD" in str(exc)
        else:
            raise AssertionError(f"{text!r} was taken for a date")


def test_the_late_article_belongs_to_the_paris_day_in_every_part():
    dates = DateRange.parse(DAY, DAY)
    assert dates.contains(LATE)
    assert dates.contains(dt.date(2025, 11, 30))
    assert not dates.contains(LATE - dt.timedelta(hours=1))  # 23:30 in Paris on the 29th
    assert not DateRange.parse("2025-11-29", "2025-11-29").contains(LATE)
    # The spiders' -a since/until.
    crawler = get_crawler(SitemapsSpider, {"RFI_BASE_URL": "http://127.0.0.1:9"})
    spider = SitemapsSpider.from_crawler(crawler, since=DAY, until=DAY)
    assert spider.dates == dates and spider.dates.contains(LATE)
    # The CLI's --since/--until.
    window = article_filter(since=parse_bound(DAY, upper=False), until=parse_bound(DAY, upper=True))
    assert window == {"published_at": {"$gte": dates.since, "$lt": dates.until}}
    # The stored document's day and the archive's folder.
    doc = to_document(make_item(1, published_at=LATE, modified_at=LATE))
    assert doc["published_day"] == DAY
    assert archive_path(doc) == PurePosixPath(f"cn/{DAY}/{doc['content_id']}.md")


def test_the_cli_finds_the_late_article_on_its_paris_day(mongo_db):
    late = make_item(1, published_at=LATE)
    early = make_item(2, published_at=LATE - dt.timedelta(hours=1))
    with connect(mongo_db.uri) as client:
        ArticleWriter(client[mongo_db.db]).write([to_document(late), to_document(early)])
    store = ("--mongo-uri", mongo_db.uri, "--db", mongo_db.db)

    def found(*options: str) -> set[str]:
        out = rficrawl("articles", "--json", *options, *store)
        assert out.returncode == 0, out.stderr
        return {json.loads(line)["url"] for line in out.stdout.splitlines() if line.strip()}

    assert found("--since", DAY, "--until", DAY) == {late["url"]}
    assert found("--since", "2025-11-29", "--until", "2025-11-29") == {early["url"]}
    assert found("--until", "2025-11-29T23:30:00Z") == {late["url"], early["url"]}
    stats = json.loads(rficrawl("stats", "--json", "--days", "100000", *store).stdout)
    assert stats["per_day"] == {"2025-11-29": 1, DAY: 1}
    bad = rficrawl("articles", "--since", "yesterday", *store)
    assert bad.returncode == 2 and "--since 'yesterday' is not a date" in bad.stderr


def test_one_json_encoding_of_dates():
    when = dt.datetime(2025, 11, 30, 10, 13, 47, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert isoformat_z(when) == "2025-11-30T09:13:47Z"
    assert jsonable({"a": [when], "b": dt.date(2025, 11, 30)}) == {
        "a": ["2025-11-30T09:13:47Z"], "b": "2025-11-30"}
    assert to_json({"t": when, "title": "台海"}) == '{"t": "2025-11-30T09:13:47Z", "title": "台海"}'
