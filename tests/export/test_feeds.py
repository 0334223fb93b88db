"""The feed exporters through a real Scrapy crawl: ``-O archive.md:md`` and ``-O out.jsonl``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from rficrawl.dates import as_utc
from testbed.captures import capture_path
from tests.extract import pages

REPO_ROOT = Path(__file__).resolve().parents[2]

# A one-page spider over the capture (file://), calling the extractor as the real spiders do.
SPIDER = '''
import scrapy
from rficrawl.extract.article import extract_article

class CaptureSpider(scrapy.Spider):
    name = "capture"

    async def start(self):
        yield scrapy.Request({url!r})

    def parse(self, response):
        yield extract_article(response)
'''


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feeds")
    capture = capture_path(pages.ARTICLE)
    spider = tmp / "capture_spider.py"
    spider.write_text(SPIDER.format(url=capture.as_uri()))
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider),
           "-O", f"{tmp / 'archive.md'}:md", "-O", str(tmp / "out.jsonl"),
           "-O", str(tmp / "out.csv"),
           # The exporters alone: no add-on (storage, frontier, browser), no project middleware.
           "-s", "ADDONS={}", "-s", "DOWNLOADER_MIDDLEWARES={}",
           "-s", "SPIDER_MIDDLEWARES={}", "-s", "REMOTE_CONTROL_ENABLED=False",
           "-s", "LOG_LEVEL=INFO"]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp, proc


def test_md_feed_writes_one_file_per_article_and_an_index(crawl):
    tmp, _ = crawl
    article = tmp / "archive" / "cn" / "2025-11-30" / "WBMZ146377-RFI-CN-20251130.md"
    assert article.is_file()
    text = article.read_text(encoding="utf-8")
    assert text.startswith("<!--1764494042000-->\n"
                           "[台湾增加400亿美元国防开支 加速部署T-Dome防空系统]"
                           "(https://www.rfi.fr/cn/")
    index = (tmp / "archive.md").read_text(encoding="utf-8")
    assert index == ("- [台湾增加400亿美元国防开支 加速部署T-Dome防空系统]"
                     "(archive/cn/2025-11-30/WBMZ146377-RFI-CN-20251130.md)\n")
    assert not list(tmp.rglob("*.part"))


def test_jsonl_feed_dates_are_iso_utc_with_z_and_round_trip(crawl):
    tmp, _ = crawl
    lines = (tmp / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    raw = lines[0]
    assert '"published_at": "2025-11-30T09:13:47Z"' in raw
    assert '"modified_at": "2025-11-30T09:14:02Z"' in raw
    assert "台湾" in raw  # UTF-8, not ASCII-escaped
    item = json.loads(raw)
    assert item["fetched_at"].endswith("Z")
    fetched = as_utc(item["fetched_at"])
    assert isinstance(fetched, datetime) and fetched.utcoffset().total_seconds() == 0
    assert item["url"] == pages.ARTICLE_URL


def test_csv_feed_dates_and_nested_values(crawl):
    tmp, _ = crawl
    with (tmp / "out.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 1
    row = rows[0]
    assert row["published_at"] == "2025-11-30T09:13:47Z"
    assert json.loads(row["tags"]) == ["中国", "台海"]
    assert json.loads(row["authors"])[0]["name"] == "左依"
    assert json.loads(row["image"])["credit"] == "AFP - I-HWA CHENG"
    assert row["content_id"] == "WBMZ146377-RFI-CN-20251130"
