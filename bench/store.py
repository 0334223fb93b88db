"""Cost of storing articles through the storage pipeline against a plain ``insert_many``.

    .venv/bin/python bench/store.py [--count 50000] [--batch-size 500]

The articles are made from the real /cn/ article capture (extracted once with the project's
extractor), each with its own id, URL, title, date and a distinct paragraph, so documents have
the size and shape of real ones (falls back to a synthetic article of the same shape where
../shared is absent). Both paths write the same documents in batches of the same size:

- ``insert_many``: ``collection.insert_many(docs, ordered=False)`` into a collection with the
  archive's indexes (as the pipeline's), nothing else;
- ``pipeline``: ``StoragePipeline.process_item`` for every item on the asyncio loop, as in a
  crawl (validation, document building, batched reads and unordered bulk writes in the worker
  thread, the crawls record).

Pass 2 feeds the same articles again (or the first --unchanged-count of them), all unchanged: the
pipeline's inserts are refused as duplicates, it reads the stored hashes and (within
STORE_SEEN_RESOLUTION) writes nothing; the reference is insert_many of them into a fresh
database. The server is ``start_server``'s choice (MONGO_URI, mongod, FerretDB, nx-27017;
the checkout's FerretDB launcher is built first, see testbed.mongo).
Target: pipeline >= 0.7x insert_many on pass 1.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import datetime as dt
import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from scrapy import Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from rficrawl import settings as project
from rficrawl.items import ArticleItem
from rficrawl.store.connection import connect, ensure_indexes
from rficrawl.store.documents import to_document
from rficrawl.store.pipeline import StoragePipeline
from testbed.mongo import start_test_server

CAPTURE = (
    Path(os.environ.get("RFI_SHARED_DIR", REPO_ROOT.parent / "shared"))
    / "fixtures/rfi/cn-article-2025-11-30.html"
)
TARGET = 0.7


def template_item() -> ArticleItem:
    if CAPTURE.exists():
        from rficrawl.extract.article import extract_article

        url = "https://www.rfi.fr/cn/政治/20251130-台湾增加400亿美元国防开支-加速部署t-dome防空系统"
        response = HtmlResponse(url, body=CAPTURE.read_bytes(), encoding="utf-8")
        return extract_article(response)
    body = "\n\n".join(
        f"第{n}段：台湾行政院通过特别预算，加速部署防空系统。" * 6 for n in range(12)
    )
    now = dt.datetime(2025, 11, 30, 2, 13, tzinfo=dt.UTC)
    return ArticleItem(
        url="https://www.rfi.fr/cn/政治/20251130-x", content_id="WBMZ1-RFI-CN-20251130",
        edition="cn", language="zh-Hans", section="政治", kicker="台海局势", content_type="article",
        title="台湾增加国防开支", lead="台湾行政院通过特别预算", body_text=body,
        body_html="".join(f"<p>{p}</p>" for p in body.split("\n\n")),
        authors=[{"name": "法广", "url": None}], published_at=now, modified_at=now,
        tags=["台湾", "国防"], keywords=["台湾"], word_count=900, content_hash="x", fetched_at=now,
    )  # fmt: skip


def make_items(count: int) -> list[ArticleItem]:
    base = template_item()
    start = base["published_at"]
    items = []
    for n in range(count):
        item = copy.deepcopy(base)
        when = start - dt.timedelta(minutes=7 * n)
        item["url"] = f"https://www.rfi.fr/cn/政治/{when:%Y%m%d}-文章-{n}"
        item["content_id"] = f"WBMZ{200000 + n}-RFI-CN-{when:%Y%m%d}"
        item["title"] = f"{base['title']} ({n})"
        item["body_text"] = f"{base.get('body_text', '')}\n\n第{n}篇的独有段落。"
        item["published_at"] = item["modified_at"] = when
        item["fetched_at"] = dt.datetime.now(dt.UTC)
        text = f"{item['title']}\n{item.get('lead', '')}\n{item['body_text']}"
        item["content_hash"] = hashlib.sha256(text.encode()).hexdigest()
        items.append(item)
    return items


def plain_insert(uri: str, database: str, items: list[ArticleItem], batch: int) -> float:
    docs = [to_document(i) for i in items]  # the same documents, built before the clock starts
    client = connect(uri, timeout=30)
    ensure_indexes(client[database])  # the archive's indexes, as the pipeline's collection has
    collection = client[database]["articles"]
    started = time.perf_counter()
    for at in range(0, len(docs), batch):
        collection.insert_many(docs[at : at + batch], ordered=False)
    elapsed = time.perf_counter() - started
    client.close()
    return elapsed


async def _through_pipeline(pipeline: StoragePipeline, items: list[ArticleItem]) -> None:
    await pipeline.open_spider()
    for item in items:
        await pipeline.process_item(item)
    await pipeline.close_spider()
    await pipeline.spider_closed(pipeline.crawler.spider, "finished")


def through_pipeline(
    uri: str, database: str, items: list[ArticleItem], batch: int
) -> tuple[float, dict]:
    values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    values.update(
        MONGO_URI=uri, MONGO_DATABASE=database, STORE_BATCH_SIZE=batch, STORE_TIMEOUT=30,
        STORE_SPILL_DIR=tempfile.mkdtemp(prefix="bench-spill-"), REMOTE_CONTROL_ENABLED=False,
    )  # fmt: skip
    crawler = get_crawler(Spider, values)
    crawler.spider = crawler._create_spider("bench")
    pipeline = StoragePipeline.from_crawler(crawler)
    started = time.perf_counter()
    asyncio.run(_through_pipeline(pipeline, items))
    elapsed = time.perf_counter() - started
    stats = {
        k.rsplit("/", 1)[-1]: v
        for k, v in crawler.stats.get_stats().items()
        if k.startswith("rficrawl/store/")
    }
    return elapsed, stats


def report(name: str, count: int, pipeline: float, plain: float, stats: dict) -> float:
    ratio = (count / pipeline) / (count / plain)
    print(f"{name}: pipeline {count / pipeline:,.0f} articles/s ({pipeline:.1f}s; {stats})")
    print(f"{name}: insert_many {count / plain:,.0f} articles/s ({plain:.1f}s)")
    print(f"{name}: ratio pipeline/insert_many = {ratio:.2f}")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2, help="pass-1 rounds, order alternating")
    parser.add_argument(
        "--unchanged-count",
        type=int,
        default=None,
        help="articles fed again in pass 2 (default: --count). An unpatched FerretDB 1.24 scans "
        "the collection for every _id lookup, so pass 2 over 50,000 articles takes tens of "
        "minutes there (the launcher in tools/ferretdb/ carries the fix)",
    )
    args = parser.parse_args(argv)
    items = make_items(args.count)
    size = sum(len(str(to_document(i))) for i in items[:100]) / 100
    with tempfile.TemporaryDirectory(prefix="bench-store-") as data:
        server = start_test_server(Path(data))
        try:
            print(
                f"server: {server.kind} {server.version()}; {args.count:,} articles of ~{size / 1024:.1f} KiB, batches of {args.batch_size}"
            )
            tag = uuid.uuid4().hex[:6]
            ratios = []
            for round_ in range(1, args.rounds + 1):
                # Turn about, each round in fresh databases, so that neither path always runs
                # on a warmer (or busier) machine.
                plain_db, pipe_db = f"bench_plain{round_}_{tag}", f"bench_pipe{round_}_{tag}"
                if round_ % 2:
                    plain1 = plain_insert(server.uri, plain_db, items, args.batch_size)
                    pipe1, stats1 = through_pipeline(server.uri, pipe_db, items, args.batch_size)
                else:
                    pipe1, stats1 = through_pipeline(server.uri, pipe_db, items, args.batch_size)
                    plain1 = plain_insert(server.uri, plain_db, items, args.batch_size)
                name = f"pass 1, round {round_} (all new)"
                ratios.append(report(name, args.count, pipe1, plain1, stats1))
            ratio = statistics.median(ratios)
            again = make_items(args.count)[: args.unchanged_count]  # same content, fetched again
            plain2 = plain_insert(server.uri, f"bench_plain_again_{tag}", again, args.batch_size)
            pipe2, stats2 = through_pipeline(server.uri, pipe_db, again, args.batch_size)
            report(f"pass 2 ({len(again):,} unchanged)", len(again), pipe2, plain2, stats2)
            verdict = "meets" if ratio >= TARGET else "MISSES"
            print(
                f"target: pipeline >= {TARGET}x insert_many on pass 1: {verdict} "
                f"(median ratio of {args.rounds} rounds: {ratio:.2f})"
            )
            client = connect(server.uri)
            for name in client.list_database_names():
                if name.endswith(tag):
                    client.drop_database(name)
            client.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
