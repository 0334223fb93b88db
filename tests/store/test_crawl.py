"""Storage through ``scrapy crawl`` against the local mirror, with the real MongoDB-wire server.

The mirror is built per test from the real captures (testbed/build.py); crawls use
E5's ``article`` spider with a URL file, as a user re-fetching a list of articles would.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pymongo
import pytest

from rficrawl import urls
from rficrawl.commands.crawl import MONITORS_FAILED
from testbed.build import Mirror, build_mirror
from testbed.server import resolve_path
from tests.support.crawl import REPO_ROOT, CrawlResult, run_crawl, scrapy_command
from tests.support.mirror import mirror_settings

pytestmark = pytest.mark.slow

N_ARTICLES = 8


@pytest.fixture
def site(tmp_path: Path) -> Mirror:
    return build_mirror(tmp_path / "site", use_captures=True)


@pytest.fixture
def chosen(site: Mirror) -> list[str]:
    """Public URLs of plain articles of the mirror (no podcasts, none robots.txt forbids)."""
    plain = sorted(
        url for url, a in site.articles.items() if not a.media and url not in site.disallowed
    )
    assert len(plain) >= N_ARTICLES
    return plain[:N_ARTICLES]


def url_file(tmp_path: Path, chosen: list[str], name: str = "urls.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    return path


def store_settings(server, uri: str, db: str, tmp_path: Path, **extra) -> dict:
    return mirror_settings(
        server,
        MONGO_URI=uri,
        MONGO_DATABASE=db,
        STORE_SPILL_DIR=str(tmp_path / "spill"),
        STORE_FLUSH_INTERVAL=0.5,
        LOG_LEVEL="INFO",
        **extra,
    )


def crawl(tmp_path, name, settings, args) -> CrawlResult:
    result = run_crawl("article", tmp_path / name, args=args, settings=settings)
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    return result


def article_requests(server) -> list[str]:
    return [p for p in server.log.paths() if urls.classify(p, server.base_url).is_article]


def test_first_crawl_stores_second_skips_known_articles(
    site, chosen, mirror_server_factory, mongo_db, tmp_path
):
    server = mirror_server_factory(site.root)
    settings = store_settings(server, mongo_db.uri, mongo_db.db, tmp_path)
    args = {"urls_file": url_file(tmp_path, chosen), "refresh": "never"}
    first = crawl(tmp_path, "first", settings, args)
    db = mongo_db.database
    assert db.articles.count_documents({}) == N_ARTICLES
    assert {d["url"] for d in db.articles.find({}, {"url": 1})} == set(chosen)
    assert first.stats["rficrawl/store/new"] == N_ARTICLES
    assert len(article_requests(server)) == N_ARTICLES
    stored = db.articles.find_one({"url": chosen[0]})
    assert stored["revision"] == 1
    assert stored["published_at"].year >= 2024  # a BSON date, not text

    server.log.clear()
    second = crawl(tmp_path, "second", settings, args)
    assert article_requests(server) == []
    assert second.stats["rficrawl/known/skipped"] == N_ARTICLES
    assert second.stats.get("rficrawl/store/new", 0) == 0
    assert db.articles.count_documents({}) == N_ARTICLES
    records = list(db.crawls.find().sort("started_at", pymongo.ASCENDING))
    assert [r["status"] for r in records] == ["finished", "finished"]
    assert records[0]["counts"]["new"] == N_ARTICLES
    assert records[1]["counts"].get("new", 0) == 0


def test_edited_article_becomes_revision_2(site, chosen, mirror_server_factory, mongo_db, tmp_path):
    server = mirror_server_factory(site.root)
    settings = store_settings(server, mongo_db.uri, mongo_db.db, tmp_path)
    args = {"urls_file": url_file(tmp_path, chosen)}  # the article spider re-fetches by default
    crawl(tmp_path, "first", settings, args)
    db = mongo_db.database
    before = {d["url"]: d for d in db.articles.find()}

    edited_url = chosen[2]
    page = resolve_path(site.root, unquote(urlsplit(edited_url).path))
    title = site.articles[edited_url].title
    html = page.read_text(encoding="utf-8")
    assert title in html
    page.write_text(html.replace(title, title + "（更新）"), encoding="utf-8")

    again = crawl(tmp_path, "again", settings, args)
    assert again.stats["rficrawl/store/updated"] == 1
    assert again.stats["rficrawl/store/unchanged"] == N_ARTICLES - 1
    after = {d["url"]: d for d in db.articles.find()}
    assert after[edited_url]["revision"] == 2
    assert after[edited_url]["title"].endswith("（更新）")
    assert after[edited_url]["first_seen_at"] == before[edited_url]["first_seen_at"]
    revisions = list(db.revisions.find())
    assert len(revisions) == 1
    assert revisions[0]["article_id"] == after[edited_url]["_id"]
    assert "title" in revisions[0]["changed"]
    assert revisions[0]["document"]["title"] == before[edited_url]["title"]
    unchanged = [u for u in chosen if u != edited_url]
    assert all(after[u]["revision"] == 1 for u in unchanged)
    assert all(after[u]["content_hash"] == before[u]["content_hash"] for u in unchanged)


def test_two_crawls_at_once_store_each_article_once(
    site, chosen, mirror_server_factory, mongo_db, tmp_path
):
    server = mirror_server_factory(site.root, delay=0.05)
    settings = store_settings(server, mongo_db.uri, mongo_db.db, tmp_path, STORE_BATCH_SIZE=3)
    args = {"urls_file": url_file(tmp_path, chosen)}
    procs = []
    for name in ("a", "b"):
        out = tmp_path / name
        out.mkdir()
        cmd = scrapy_command("article", args, {**settings, "STATS_FILE": str(out / "stats.json")})
        procs.append(
            subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        )
    logs = [p.communicate(timeout=240)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs
    assert not any("Traceback" in log for log in logs), logs
    db = mongo_db.database
    assert db.articles.count_documents({}) == N_ARTICLES
    assert len({d["url"] for d in db.articles.find()}) == N_ARTICLES
    records = list(db.crawls.find())
    assert len(records) == 2
    assert sum(r["counts"].get("new", 0) for r in records) == N_ARTICLES
    assert all(r["counts"].get("spilled", 0) == 0 for r in records)


def test_bad_items_dropped_with_reason_in_crawls(
    site, chosen, mirror_server_factory, mongo_db, tmp_path
):
    # A page derived from a mirror article with its dates moved to 2099: an extraction the store
    # must refuse (a date in the future is a parsing error, not news).
    source = resolve_path(site.root, unquote(urlsplit(chosen[0]).path))
    html = source.read_text(encoding="utf-8")
    year = urlsplit(chosen[0]).path.split("/")[-1][:4]
    future_path = unquote(urlsplit(chosen[0]).path) + "-future"
    future_file = site.root / future_path.lstrip("/")
    shutil.copy(source, future_file)
    future_file.write_text(
        html.replace(f'"{year}-', '"2099-').replace(f"{year}-", "2099-"), encoding="utf-8"
    )
    future_url = "https://www.rfi.fr" + future_path

    server = mirror_server_factory(site.root)
    settings = store_settings(server, mongo_db.uri, mongo_db.db, tmp_path)
    result = run_crawl("article", tmp_path / "bad", args={"urls": f"{chosen[1]},{future_url}"},
                       settings=settings)
    # One article of two dropped: the crawl's monitors say so, and scrapy crawl exits 4.
    assert result.returncode == MONITORS_FAILED, result.log[-3000:]
    assert any("date_out_of_range" in f for f in result.stats["rficrawl/health"]["failed"])
    db = mongo_db.database
    assert db.articles.count_documents({}) == 1
    reasons = {k: v for k, v in result.stats.items() if k.startswith("rficrawl/dropped/")}
    assert any("date_out_of_range" in k for k in reasons), (reasons, result.log[-2000:])
    record = db.crawls.find_one()
    assert sum(record["dropped"].values()) == 1
    assert any(k.startswith("date_out_of_range") for k in record["dropped"])
