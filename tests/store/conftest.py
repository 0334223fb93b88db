"""Fixtures of the storage tests: a fresh database on the real server, article-shaped items."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid

import pymongo
import pytest

from rficrawl.items import ArticleItem
from rficrawl.store.connection import connect


@pytest.fixture
def db():
    uri = os.environ["E4_MONGO_URI"]
    client = connect(uri)
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield client[name]
    client.drop_database(name)
    client.close()


def make_item(n: int = 1, edition: str = "cn", **overrides) -> ArticleItem:
    """An item shaped like the extractor's output for the /cn/ capture (values made up here)."""
    published = dt.datetime(2025, 11, 30, 2, 13, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    title = overrides.pop("title", f"台湾增加国防开支 {n}")
    lead = overrides.pop("lead", f"台湾行政院通过特别预算 {n}")
    body = overrides.pop("body_text", f"第一段 {n}\n\n第二段：防空系统。")
    fields = dict(
        url=f"https://www.rfi.fr/{edition}/政治/20251130-文章-{n}",
        content_id=f"WBMZ{146000 + n}-RFI-{edition.upper()}-20251130",
        edition=edition,
        language="zh-Hans",
        section="政治",
        kicker="台海局势",
        content_type="article",
        title=title,
        lead=lead,
        body_html="".join(f"<p>{p}</p>" for p in body.split("\n\n")),
        body_text=body,
        authors=[{"name": "法广", "url": "https://www.rfi.fr/cn/作者/法广/"}],
        published_at=published,
        modified_at=published + dt.timedelta(hours=1),
        image={
            "url": "https://s.rfi.fr/media/display/x/w:1280/p:16x9/a.jpg",
            "caption": "图",
            "credit": "AP",
        },
        tags=["台湾", "国防"],
        keywords=["台湾"],
        media=[],
        twin_urls={"zh-Hant": f"https://www.rfi.fr/tw/政治/20251130-文章-{n}"},
        word_count=120 + n,
        content_hash=hashlib.sha256(f"{title}\n{lead}\n{body}".encode()).hexdigest(),
        fetched_at=dt.datetime.now(dt.UTC),
    )
    fields.update(overrides)
    return ArticleItem(**fields)


__all__ = ["make_item", "pymongo"]
