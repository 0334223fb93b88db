"""The storage pipeline driven directly (a real Crawler, the real server), without a download."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from rficrawl.ops.process import free_port
from rficrawl.store.crawls import spider_arguments
from rficrawl.store.documents import loads_line
from rficrawl.store.pipeline import StoragePipeline
from tests.store.conftest import make_item, poisoned
from tests.support.settings import project_settings


def pipeline_for(settings: dict) -> StoragePipeline:
    crawler = get_crawler(Spider, project_settings(**settings))
    crawler.spider = crawler._create_spider("storetest", refresh="never")
    return StoragePipeline.from_crawler(crawler)


async def run_items(pipeline: StoragePipeline, items) -> list:
    """Open, feed every item (collecting drops), close, as the engine does."""
    await pipeline.open_spider()
    outcomes = []
    for item in items:
        try:
            outcomes.append(await pipeline.process_item(item))
        except DropItem as exc:
            outcomes.append(exc)
    await pipeline.close_spider()
    await pipeline.spider_closed(pipeline.crawler.spider, "finished")
    return outcomes


def test_empty_uri_turns_storage_off():
    with pytest.raises(NotConfigured):
        pipeline_for({"MONGO_URI": ""})


def test_items_stored_in_batches_and_bad_ones_dropped_with_reason(mongo_db, db, tmp_path):
    pipeline = pipeline_for(
        {
            "MONGO_URI": mongo_db.uri,
            "MONGO_DATABASE": mongo_db.db,
            "STORE_BATCH_SIZE": 4,
            "STORE_SPILL_DIR": str(tmp_path / "spill"),
        }
    )
    good = [make_item(n) for n in range(10)]
    bad = [
        make_item(20, title=""),
        make_item(21, published_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        make_item(22, tags="台湾"),
        make_item(23, published_at="2025-11-30"),
    ]
    outcomes = asyncio.run(run_items(pipeline, good + bad))
    assert [o for o in outcomes if isinstance(o, DropItem)].__len__() == 4
    assert db.articles.count_documents({}) == 10
    stats = pipeline.crawler.stats.get_stats()
    assert stats["rficrawl/store/new"] == 10
    assert stats["rficrawl/dropped/missing_title"] == 1
    assert stats["rficrawl/dropped/date_out_of_range_published_at"] == 1
    assert stats["rficrawl/dropped/bad_type_tags"] == 1
    assert stats["rficrawl/dropped/bad_type_published_at"] == 1
    record = db.crawls.find_one({"_id": stats["rficrawl/crawl_id"]})
    assert record["status"] == "finished"
    assert record["finish_reason"] == "finished"
    assert record["spider"] == "storetest"
    assert record["arguments"] == {"refresh": "never"}
    assert record["counts"]["new"] == 10
    assert record["counts"]["dropped"] == 4
    assert record["dropped"]["missing_title"] == 1
    assert not (tmp_path / "spill").exists()


def test_acknowledged_writes_return_each_item_only_once_stored(mongo_db, db, tmp_path):
    """With a shared frontier (REDIS_URL set) an item leaves the pipeline only once its article is
    in MongoDB, even with a batch far from full: a worker killed afterwards loses nothing."""
    pipeline = pipeline_for(
        {
            "MONGO_URI": mongo_db.uri,
            "MONGO_DATABASE": mongo_db.db,
            "STORE_BATCH_SIZE": 500,
            "STORE_FLUSH_INTERVAL": 60,
            "REDIS_URL": "redis://127.0.0.1:1/0",  # only read as "a frontier is shared"
            "STORE_SPILL_DIR": str(tmp_path / "spill"),
        }
    )
    assert pipeline.ack_writes

    async def feed() -> list[int]:
        await pipeline.open_spider()
        stored_when_returned = []
        for n in range(3):
            item = await pipeline.process_item(make_item(n))
            stored_when_returned.append(db.articles.count_documents({"url": item["url"]}))
        await pipeline.close_spider()
        await pipeline.spider_closed(pipeline.crawler.spider, "finished")
        return stored_when_returned

    assert asyncio.run(feed()) == [1, 1, 1]


def test_writes_are_not_acknowledged_without_a_shared_frontier(mongo_db):
    pipeline = pipeline_for({"MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db,
                             "REDIS_URL": ""})
    assert not pipeline.ack_writes
    forced = pipeline_for({"MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db,
                           "REDIS_URL": "", "STORE_ACK_WRITES": True})
    assert forced.ack_writes


def test_crawl_record_written_at_open(mongo_db, db, tmp_path):
    pipeline = pipeline_for({"MONGO_URI": mongo_db.uri, "MONGO_DATABASE": mongo_db.db})

    async def opened():
        await pipeline.open_spider()
        record = db.crawls.find_one()
        pipeline.ticker.cancel()
        pipeline.executor.shutdown()
        return record

    record = asyncio.run(opened())
    assert record["status"] == "running"
    assert record["finished_at"] is None
    assert "url_unique" in db.articles.index_information()


def test_unreachable_server_spills_every_article(tmp_path, unused_uri):
    spill = tmp_path / "spill"
    pipeline = pipeline_for(
        {
            "MONGO_URI": unused_uri,
            "STORE_BATCH_SIZE": 3,
            "STORE_GIVE_UP_AFTER": 1,
            "STORE_TIMEOUT": 0.3,
            "STORE_SPILL_DIR": str(spill),
        }
    )
    items = [make_item(n) for n in range(7)]
    asyncio.run(run_items(pipeline, items))
    files = list(spill.glob("*.jsonl"))
    assert len(files) == 1
    lines = [loads_line(line) for line in files[0].read_text().splitlines()]
    assert sorted(d["_id"] for d in lines) == sorted(i["content_id"] for i in items)
    assert lines[0]["published_at"] == items[0]["published_at"].replace(
        microsecond=items[0]["published_at"].microsecond // 1000 * 1000
    )
    assert pipeline.crawler.stats.get_value("rficrawl/store/spilled") == 7


def test_password_never_logged_nor_recorded(tmp_path, caplog):
    port = free_port()
    uri = f"mongodb://archivist:s3cret-pw@127.0.0.1:{port}/?directConnection=true"
    pipeline = pipeline_for(
        {
            "MONGO_URI": uri,
            "STORE_GIVE_UP_AFTER": 0.5,
            "STORE_TIMEOUT": 0.3,
            "STORE_SPILL_DIR": str(tmp_path / "spill"),
        }
    )
    with caplog.at_level(logging.DEBUG):
        asyncio.run(run_items(pipeline, [make_item(1)]))
    assert "could not be stored" in caplog.text
    assert f"mongodb://archivist:***@127.0.0.1:{port}" in caplog.text
    assert "s3cret-pw" not in caplog.text
    assert (
        pipeline.record["store"]["uri"]
        == f"mongodb://archivist:***@127.0.0.1:{port}/?directConnection=true"
    )
    spider = pipeline.crawler._create_spider("x", source=uri)
    assert "s3cret-pw" not in str(spider_arguments(spider))


def test_one_bad_document_never_costs_its_batch(mongo_db, db, tmp_path):
    """Each bad document is found before the bulk write and dropped alone, with its reason in
    the stats and in ``crawls``; the rest of its batch is stored, nothing is spilled."""
    pipeline = pipeline_for(
        {
            "MONGO_URI": mongo_db.uri,
            "MONGO_DATABASE": mongo_db.db,
            "STORE_BATCH_SIZE": 4,
            "STORE_SPILL_DIR": str(tmp_path / "spill"),
        }
    )
    bad = {
        "bad_text_lead": poisoned(20, lead="\ud83d 台湾"),
        "bad_key_twin_urls": poisoned(21, twin_urls={"$where": "https://www.rfi.fr/tw/x"}),
        "bad_key_image": poisoned(22, image={"url.full": "https://s.rfi.fr/a.jpg"}),
        "bad_value_authors": poisoned(23, authors=[{"name": "法广", "id": {1, 2}}]),
        "too_large": poisoned(24, body_html="<p>" + "台" * (6 * 1024 * 1024) + "</p>"),
    }
    good = [make_item(n) for n in range(10)]
    items = good[:2] + list(bad.values())[:3] + good[2:6] + list(bad.values())[3:] + good[6:]
    outcomes = asyncio.run(run_items(pipeline, items))
    dropped = [str(o) for o in outcomes if isinstance(o, DropItem)]
    assert len(dropped) == len(bad)
    assert {d["_id"] for d in db.articles.find({}, {"_id": 1})} == {
        i["content_id"] for i in good
    }
    stats = pipeline.crawler.stats.get_stats()
    assert stats["rficrawl/store/new"] == len(good)
    assert {k: v for k, v in stats.items() if k.startswith("rficrawl/dropped/")} == {
        f"rficrawl/dropped/{reason}": 1 for reason in bad
    }
    record = db.crawls.find_one({"_id": stats["rficrawl/crawl_id"]})
    assert record["dropped"] == {reason: 1 for reason in bad}
    assert record["counts"]["dropped"] == len(bad)
    assert record["counts"]["new"] == len(good)
    assert not (tmp_path / "spill").exists()
    assert any("too_large" in text and bad["too_large"]["url"] in text for text in dropped)

