"""``rficrawl report`` on a store filled by real crawls, opened in the real headless Chromium: it
loads with zero requests leaving the file and no console error, every chart has a drawn size,
and its numbers are the store's (counted here by reading every document, not by the report's
queries)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import sync_playwright

from rficrawl.browser.chromium import launch_options
from rficrawl.dates import paris_day
from testbed.build import build_mirror
from testbed.server import resolve_path
from tests.store.conftest import rficrawl
from tests.support.browser import chromium_settings, require_chromium
from tests.support.crawl import run_crawl
from tests.support.mirror import mirror_settings
from tests.support.settings import settings_with_addons

pytestmark = pytest.mark.slow


def test_report_in_chromium(tmp_path: Path, mirror_server_factory, mongo_db):
    require_chromium()
    site = build_mirror(tmp_path / "site", use_captures=False)
    server = mirror_server_factory(site.root)
    url = min(site.fronts_articles(["cn"]))
    article = site.articles[url]
    for name, edition, refresh in (("cn", "cn", "never"), ("tw", "tw", "never"),
                                   ("edited", article.edition, "all")):
        if name == "edited":  # RFI edits one article: a revision
            page = resolve_path(site.root, unquote(urlsplit(url).path))
            page.write_text(page.read_text().replace(article.title, article.title + " (mis à jour)"))
        result = run_crawl("fronts", tmp_path / name, args={"editions": edition, "refresh": refresh},
                           settings={**mirror_settings(server), "MONGO_URI": mongo_db.uri,
                                     "MONGO_DATABASE": mongo_db.db,
                                     "STORE_SPILL_DIR": str(tmp_path / "spill")})
        assert result.returncode == 0, result.log[-3000:]
    db = mongo_db.database
    docs = list(db.articles.find({}, {"edition": 1, "published_at": 1, "tags": 1}))
    days = sorted(paris_day(doc["published_at"]) for doc in docs)
    since, until = days[0], paris_day(dt.datetime.now(dt.UTC))

    out = tmp_path / "report.html"
    made = rficrawl("report", "--out", str(out), "--since", since.isoformat(),
                    "--mongo-uri", mongo_db.uri, "--db", mongo_db.db)
    assert made.returncode == 0, made.stderr

    outside, errors = [], []
    options = launch_options(settings_with_addons(**chromium_settings()))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**options)
        page = browser.new_page()

        def guard(route) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:", "http://127.0.0.1")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        page.route("**/*", guard)
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(out.as_uri(), wait_until="load")
        sizes = page.eval_on_selector_all(
            "section > svg", "charts => charts.map(c => [c.getBoundingClientRect().width, "
            "c.getBoundingClientRect().height])")
        tables = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
            'table.numbers')].map(t => [t.id, [...t.tBodies[0].rows].map(
            r => [...r.cells].map(c => c.textContent))]))""")
        total = page.text_content("#total-articles")
        browser.close()

    assert outside == [] and errors == []
    assert len(sizes) == 6 and all(w > 100 and h > 100 for w, h in sizes), sizes

    per_day = Counter((doc["edition"], paris_day(doc["published_at"]).isoformat()) for doc in docs)
    shown = {(edition, day): int(n) for edition, day, n in tables["per-day"]}
    assert {key: n for key, n in shown.items() if n} == dict(per_day)
    assert int(total) == len(docs)
    missing = {edition: int(n) for edition, n in tables["missing-days"]}
    span = (until - since).days + 1
    for edition in ("cn", "tw"):
        assert missing[edition] == span - len({d for e, d in per_day if e == edition})

    tags = Counter(tag for doc in docs for tag in doc.get("tags") or [])
    assert {tag: int(n) for tag, n in tables["tags"]} == dict(tags.most_common(20))

    records = list(db.crawls.find().sort("started_at", -1))
    assert [row[0] for row in tables["last-crawls"]] == [r["_id"] for r in records]
    assert [int(row[6]) for row in tables["last-crawls"]] == [r["counts"]["new"] for r in records]
    assert [row[-1] for row in tables["last-crawls"]] == ["passed"] * 3
    assert [row[0] for row in tables["crawls"]] == [r["_id"] for r in reversed(records)]
    fills = {(edition, name): float(rate) for edition, name, rate in tables["fill-rates"]}
    assert fills[("cn", "title")] == 100.0
    revised = Counter(paris_day(r["superseded_at"]).isoformat() for r in db.revisions.find())
    assert sum(revised.values()) == 1
    assert {day: int(n) for day, n in tables["revisions"] if int(n)} == dict(revised)
