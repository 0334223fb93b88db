"""Every query and export command on a store filled by real crawls of the mirror.

One module-wide archive: a crawl of articles of two editions (cn and tw), one of them with a
Latin name in its title, an edit of another in the mirror and a second crawl (so one article has
revision 2), all through ``scrapy crawl`` with the real server; the commands run as
``.venv/bin/rficrawl`` subprocesses. What a command must answer is computed from the mirror's own
description (testbed/build.py), not from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pymongo
import pytest

from rficrawl.cli.query import EXPORT_BATCH_SIZE, HISTORY_FIELDS, LISTING_FIELDS
from rficrawl.store.queries import earlier_versions, newest_first
from testbed.build import PARIS, Mirror, build_mirror
from testbed.server import MirrorServer, resolve_path
from tests.store.conftest import rficrawl
from tests.support.crawl import run_crawl
from tests.support.mirror import mirror_settings

pytestmark = pytest.mark.slow
N = 8


N_TW = 2
LATIN = "Lai Ching-te"  # a name in mixed case, for the case-insensitive search


@dataclass
class Archive:
    uri: str
    db: str
    urls: list[str]
    edited: str
    titles: dict[str, str]
    site: Mirror
    latin: str  # the article whose title holds LATIN

    def args(self) -> list[str]:
        return ["--mongo-uri", self.uri, "--db", self.db]

    def database(self, client: pymongo.MongoClient):
        return client[self.db]


@pytest.fixture(scope="module")
def archive(mongo_server, tmp_path_factory) -> Archive:
    root = tmp_path_factory.mktemp("query")
    site = build_mirror(root / "site", use_captures=True)
    plain = sorted(u for u, a in site.articles.items() if not a.media and u not in site.disallowed)
    by_edition = {ed: [u for u in plain if site.articles[u].edition == ed] for ed in ("cn", "tw")}
    chosen = by_edition["cn"][: N - N_TW] + by_edition["tw"][:N_TW]
    (root / "urls.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    latin = chosen[1]
    retitle(site, latin, site.articles[latin].title + " " + LATIN)
    server = MirrorServer(site.root).start()
    db = f"t_query_{uuid.uuid4().hex[:8]}"
    settings = mirror_settings(
        server, MONGO_URI=mongo_server.uri, MONGO_DATABASE=db, STORE_SPILL_DIR=str(root / "spill")
    )
    try:
        first = run_crawl(
            "article", root / "c1", args={"urls_file": root / "urls.txt"}, settings=settings
        )
        assert first.returncode == 0, first.log[-2000:]
        edited = chosen[3]
        retitle(site, edited, site.articles[edited].title + "（更新）")
        second = run_crawl(
            "article", root / "c2", args={"urls_file": root / "urls.txt"}, settings=settings
        )
        assert second.returncode == 0, second.log[-2000:]
    finally:
        server.stop()
    with pymongo.MongoClient(mongo_server.uri) as client:
        titles = {d["url"]: d["title"] for d in client[db].articles.find()}
    assert len(titles) == N
    yield Archive(mongo_server.uri, db, chosen, edited, titles, site, latin)
    with pymongo.MongoClient(mongo_server.uri) as client:
        client.drop_database(db)


def retitle(site: Mirror, url: str, title: str) -> None:
    """Give a mirror article a new title (in its page and in the mirror's description)."""
    page = resolve_path(site.root, unquote(urlsplit(url).path))
    old = site.articles[url].title
    page.write_text(page.read_text(encoding="utf-8").replace(old, title), encoding="utf-8")
    site.articles[url].title = title


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_articles_table_and_json(archive):
    table = rficrawl("articles", *archive.args())
    assert table.returncode == 0, table.stderr
    assert f"{N} of {N} matching articles" in table.stdout
    # A full page counts the matches; a shorter one (or no limit) holds them all.
    for limit, shown in (("3", 3), (str(N), N), ("0", N)):
        page = rficrawl("articles", "--limit", limit, *archive.args())
        assert f"{shown} of {N} matching articles" in page.stdout, page.stdout
    one_tag = rficrawl("articles", "--limit", "3", "--edition", "tw", *archive.args())
    assert f"{N_TW} of {N_TW} matching articles" in one_tag.stdout, one_tag.stdout
    listed = rficrawl("articles", "--json", *archive.args())
    docs = json_lines(listed.stdout)
    assert {d["url"] for d in docs} == set(archive.urls)
    published = [d["published_at"] for d in docs]
    assert published == sorted(published, reverse=True)
    assert published[0].endswith("Z")


def test_articles_table_reads_only_the_fields_it_shows(archive):
    with pymongo.MongoClient(archive.uri, tz_aware=True) as client:
        db = archive.database(client)
        listed = list(newest_first(db, {}, 3, LISTING_FIELDS))
        whole = list(newest_first(db, {}, 3))
    assert [set(doc) for doc in listed] == [{"_id", *LISTING_FIELDS}] * 3
    assert listed == [{k: doc[k] for k in ("_id", *LISTING_FIELDS)} for doc in whole]


def test_show_reads_only_the_fields_of_earlier_versions_it_lists(archive):
    with pymongo.MongoClient(archive.uri, tz_aware=True) as client:
        db = archive.database(client)
        article_id = db.articles.find_one({"url": archive.edited})["_id"]
        listed = earlier_versions(db, article_id, HISTORY_FIELDS)
        whole = earlier_versions(db, article_id)
    assert [set(rev) for rev in listed] == [{"_id", *HISTORY_FIELDS}]
    assert listed == [{k: rev[k] for k in ("_id", *HISTORY_FIELDS)} for rev in whole]
    assert "document" in whole[0]


def test_articles_filters(archive):
    limited = json_lines(rficrawl("articles", "--json", "--limit", "3", *archive.args()).stdout)
    assert len(limited) == 3
    for edition in ("cn", "tw"):
        found = json_lines(rficrawl("articles", "--json", "--edition", edition, *archive.args()).stdout)
        wanted = {u for u in archive.urls if archive.site.articles[u].edition == edition}
        assert wanted and {d["url"] for d in found} == wanted
    both = json_lines(rficrawl("articles", "--json", "--edition", "cn", "--edition", "tw",
                               *archive.args()).stdout)
    assert {d["url"] for d in both} == set(archive.urls)
    future = json_lines(
        rficrawl("articles", "--json", "--since", "2099-01-01", *archive.args()).stdout
    )
    assert future == []
    some = json_lines(rficrawl("articles", "--json", *archive.args()).stdout)[0]
    day = some["published_at"][:10]
    same_day = json_lines(
        rficrawl("articles", "--json", "--since", day, "--until", day, *archive.args()).stdout
    )
    assert some["url"] in {d["url"] for d in same_day}
    assert all(d["published_at"].startswith(day) for d in same_day)
    section = some["section"]
    in_section = json_lines(
        rficrawl("articles", "--json", "--section", section, *archive.args()).stdout
    )
    assert in_section and all(d["section"] == section for d in in_section)
    if some.get("tags"):
        tagged = json_lines(
            rficrawl("articles", "--json", "--tag", some["tags"][0], *archive.args()).stdout
        )
        assert some["url"] in {d["url"] for d in tagged}


def test_search_matches_cjk_text_and_latin_text_case_insensitively(archive):
    # The edited title ends in a CJK marker no other article has.
    found = json_lines(
        rficrawl("articles", "--json", "--search", "（更新）", *archive.args()).stdout
    )
    assert [d["url"] for d in found] == [archive.edited]
    for spelling in (LATIN.upper(), LATIN.lower(), "cHING-TE"):
        found = json_lines(rficrawl("articles", "--json", "--search", spelling, *archive.args()).stdout)
        assert [d["url"] for d in found] == [archive.latin], spelling
    title = archive.titles[archive.urls[0]]
    word = title[:4]
    found = json_lines(rficrawl("articles", "--json", "--search", word, *archive.args()).stdout)
    assert archive.urls[0] in {d["url"] for d in found}
    assert all(word in d["title"] + d.get("lead", "") + d.get("body_text", "") for d in found)
    nothing = json_lines(
        rficrawl("articles", "--json", "--search", "a.*(b", *archive.args()).stdout
    )
    assert nothing == []  # taken as text, not as a pattern (and no server error)


def test_show_with_revisions(archive):
    shown = rficrawl("show", archive.edited, *archive.args())
    assert shown.returncode == 0, shown.stderr
    assert archive.titles[archive.edited] in shown.stdout
    assert "earlier versions" in shown.stdout
    history = shown.stdout.split("earlier versions", 1)[1]
    assert "title" in history  # the field the edit changed
    as_json = json.loads(rficrawl("show", archive.edited, "--json", *archive.args()).stdout)
    assert as_json["article"]["revision"] == 2
    assert [r["revision"] for r in as_json["revisions"]] == [1]
    assert "（更新）" not in as_json["revisions"][0]["document"]["title"]  # the whole earlier version
    by_id = json.loads(
        rficrawl("show", as_json["article"]["_id"], "--json", *archive.args()).stdout
    )
    assert by_id["article"]["url"] == archive.edited
    missing = rficrawl("show", "https://www.rfi.fr/cn/none", *archive.args())
    assert missing.returncode == 2
    assert "no stored article" in missing.stderr and "Traceback" not in missing.stderr


def test_revisions_diff(archive):
    out = rficrawl("revisions", archive.edited, *archive.args())
    assert out.returncode == 0, out.stderr
    new_title = archive.titles[archive.edited]
    old_title = new_title.removesuffix("（更新）")
    assert "revision 1 → 2" in out.stdout
    assert f"-title: {old_title}" in out.stdout
    assert f"+title: {new_title}" in out.stdout
    unchanged = rficrawl("revisions", archive.urls[0], *archive.args())
    assert "no changes seen" in unchanged.stdout


def test_export_jsonl_csv_md(archive, tmp_path):
    jsonl = tmp_path / "a.jsonl"
    assert (
        rficrawl("export", "--format", "jsonl", "--out", str(jsonl), *archive.args()).returncode
        == 0
    )
    assert {d["url"] for d in json_lines(jsonl.read_text())} == set(archive.urls)
    table = tmp_path / "a.csv"
    assert (
        rficrawl("export", "--format", "csv", "--out", str(table), *archive.args()).returncode == 0
    )
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert {r["url"] for r in rows} == set(archive.urls)
    assert {r["title"] for r in rows} == set(archive.titles.values())
    md = tmp_path / "md"
    out = rficrawl("export", "--format", "md", "--out", str(md), "--edition", "cn", *archive.args())
    assert out.returncode == 0, out.stderr
    # {edition}/{Paris day of publication}/{content_id}.md (docs/extraction.md), from the mirror.
    cn = [archive.site.articles[u] for u in archive.urls if archive.site.articles[u].edition == "cn"]
    expected = {
        Path("cn", f"{a.published_at.astimezone(PARIS):%Y-%m-%d}", f"{a.content_id}.md"): a
        for a in cn
    }
    files = {p.relative_to(md) for p in md.rglob("*.md")}
    assert files == set(expected)
    for path, article in expected.items():
        assert f"]({article.url})" in (md / path).read_text(encoding="utf-8")  # its title links it


def test_export_reads_batch_after_batch(archive, mongo_db, tmp_path):
    """An export of more articles than one batch of its cursor (EXPORT_BATCH_SIZE) gets every
    one, newest first, and --limit stops it inside a batch. The articles are the crawled ones,
    copied under other ids and dates into a database of their own."""
    with pymongo.MongoClient(archive.uri, tz_aware=True) as client:
        crawled = list(archive.database(client).articles.find())
    latest = max(doc["published_at"] for doc in crawled)
    copies = []
    for n in range(EXPORT_BATCH_SIZE * 2 + 37):
        doc = dict(crawled[n % len(crawled)])
        doc["_id"] = f"{doc['_id']}-copy{n}"
        doc["url"] = f"{doc['url']}?copy={n}"
        doc["published_at"] = latest - dt.timedelta(minutes=n)  # one article a minute
        copies.append(doc)
    mongo_db.database.articles.insert_many(copies)
    newest_first = [d["_id"] for d in sorted(copies, key=lambda d: d["published_at"], reverse=True)]
    where = ["--mongo-uri", mongo_db.uri, "--db", mongo_db.db]
    out = tmp_path / "all.jsonl"
    done = rficrawl("export", "--format", "jsonl", "--out", str(out), *where)
    assert done.returncode == 0, done.stderr
    assert [d["_id"] for d in json_lines(out.read_text())] == newest_first
    assert f"exported {len(copies)} articles" in done.stderr
    limit = EXPORT_BATCH_SIZE + 7
    done = rficrawl("export", "--format", "jsonl", "--out", str(out), "--limit", str(limit), *where)
    assert done.returncode == 0, done.stderr
    assert [d["_id"] for d in json_lines(out.read_text())] == newest_first[:limit]


def test_stats(archive):
    out = rficrawl("stats", "--json", "--days", "100000", *archive.args())
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["articles"] == N
    assert stats["revisions"] == 1
    assert stats["per_edition"] == {"cn": N - N_TW, "tw": N_TW}
    assert sum(stats["per_day"].values()) == N
    assert len(stats["crawls"]) == 2
    assert {c["finish_reason"] for c in stats["crawls"]} == {"finished"}
    assert sorted(c["counts"]["new"] for c in stats["crawls"]) == [0, N]
    table = rficrawl("stats", *archive.args())
    assert table.returncode == 0
    assert "articles per edition" in table.stdout and "last crawls" in table.stdout


def test_unreachable_server_is_one_line(tmp_path):
    for command in (
        ["articles"],
        ["stats"],
        ["show", "x"],
        ["export", "--format", "jsonl", "--out", str(tmp_path / "x")],
    ):
        out = rficrawl(*command, "--mongo-uri", "mongodb://127.0.0.1:9/?connectTimeoutMS=500")
        assert out.returncode == 2
        assert "cannot reach MongoDB" in out.stderr
        assert "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1


def test_store_init_creates_indexes(mongo_db):
    out = rficrawl("store", "init", "--mongo-uri", mongo_db.uri, "--db", mongo_db.db)
    assert out.returncode == 0, out.stderr
    indexes = mongo_db.database.articles.index_information()
    assert "url_unique" in indexes and "edition_published" in indexes
    assert (
        rficrawl("store", "init", "--mongo-uri", mongo_db.uri, "--db", mongo_db.db).returncode == 0
    )
