"""Fixtures of the storage tests: a fresh database on the real server, article-shaped items."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from rficrawl.items import ArticleItem
from rficrawl.ops.process import free_port
from rficrawl.store.connection import connect
from rficrawl.urls import encode_url


@pytest.fixture
def db(mongo_db):
    """The test's own database on the suite's server, through the store's client options."""
    client = connect(mongo_db.uri)
    yield client[mongo_db.db]
    client.close()


def make_item(n: int = 1, edition: str = "cn", **overrides) -> ArticleItem:
    """An item shaped like the extractor's output for the /cn/ capture (values made up here)."""
    published = dt.datetime(2025, 11, 30, 2, 13, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    title = overrides.pop("title", f"台湾增加国防开支 {n}")
    lead = overrides.pop("lead", f"台湾行政院通过特别预算 {n}")
    body = overrides.pop("body_text", f"第一段 {n}\n\n第二段：防空系统。")
    fields = {
        "url": encode_url(f"https://www.rfi.fr/{edition}/政治/20251130-文章-{n}"),
        "content_id": f"WBMZ{146000 + n}-RFI-{edition.upper()}-20251130",
        "edition": edition,
        "language": "zh-Hans",
        "section": "政治",
        "kicker": "台海局势",
        "content_type": "article",
        "title": title,
        "lead": lead,
        "body_html": "".join(f"<p>{p}</p>" for p in body.split("\n\n")),
        "body_text": body,
        "authors": [{"name": "法广", "url": "https://www.rfi.fr/cn/作者/法广/"}],
        "published_at": published,
        "modified_at": published + dt.timedelta(hours=1),
        "image": {
            "url": "https://s.rfi.fr/media/display/x/w:1280/p:16x9/a.jpg",
            "caption": "图",
            "credit": "AP",
        },
        "tags": ["台湾", "国防"],
        "keywords": ["台湾"],
        "media": [],
        "twin_urls": {"zh-Hant": f"https://www.rfi.fr/tw/政治/20251130-文章-{n}"},
        "word_count": 120 + n,
        "content_hash": hashlib.sha256(f"{title}\n{lead}\n{body}".encode()).hexdigest(),
        "fetched_at": dt.datetime.now(dt.UTC),
    }
    fields.update(overrides)
    return ArticleItem(**fields)


def poisoned(n: int, **fields) -> ArticleItem:
    """An article-shaped item with fields that BSON or the server cannot take (an extractor bug,
    a hand-edited feed); set after make_item, whose hash needs encodable text."""
    item = make_item(n)
    item.update(fields)
    return item


@pytest.fixture
def unused_uri() -> str:
    """A MongoDB URI where nothing listens (a port just freed by the kernel)."""
    return f"mongodb://127.0.0.1:{free_port()}/?directConnection=true"


def rficrawl(*args: str) -> subprocess.CompletedProcess:
    """Run the ``rficrawl`` command of this virtualenv as a user does."""
    command = Path(sys.executable).parent / "rficrawl"
    return subprocess.run(
        [str(command), *args], capture_output=True, text=True, check=False, timeout=120
    )
