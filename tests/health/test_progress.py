"""A crawl's progress through ``scrapy crawl`` with the real store: the periodic log lines and
the summary table, per edition, with the store's new, revised and unchanged counts; and the live
table on a terminal (a pseudo-terminal here)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from testbed.build import build_mirror
from testbed.server import resolve_path
from tests.health.test_monitors import crawl
from tests.support.crawl import run_crawl, scrapy_command
from tests.support.mirror import mirror_settings

pytestmark = pytest.mark.slow
PROGRESS = {"RFICRAWL_HEALTH_PROGRESS": "log", "RFICRAWL_HEALTH_PROGRESS_INTERVAL": 0.2}


def summary_rows(log: str) -> dict[str, list[str]]:
    """The summary table's rows by edition (its first cell), each row's cells after it."""
    table = log[log.index("Crawl summary:"):]
    rows = {}
    for line in table.splitlines()[1:]:
        cells = [cell.strip() for cell in re.split(r"[│┃|]", line) if cell.strip()]
        if len(cells) == 8 and cells[0] != "edition":
            rows[cells[0]] = cells[1:]
    return rows


def test_progress_lines_and_summary_count_new_revised_and_unchanged_per_edition(
        tmp_path, mirror_server_factory, mongo_db):
    site = build_mirror(tmp_path / "site", use_captures=False)
    server = mirror_server_factory(site.root)
    first = crawl(server, mongo_db, tmp_path, "first", **PROGRESS)
    assert first.returncode == 0, first.log[-3000:]
    new = first.stats["rficrawl/store/new_by_edition/cn"]
    assert new == first.stats["rficrawl/store/new"] > 0
    assert re.search(r"Progress: pages \d+, articles \d+, new \d+, .* \| cn \d+p \d+a \d+n",
                     first.log), first.log[-3000:]
    rows = summary_rows(first.log)
    # pages, articles, new, revised, unchanged, dropped, errors
    assert rows["cn"][2:5] == [str(new), "0", "0"], rows
    assert rows["all"][2] == str(new)

    # One stored article edited on the site; with refresh=all the rest are fetched again and
    # found unchanged.
    edited = next(iter(a for a in site.articles.values() if "/cn/" in a.url))
    page = resolve_path(site.root, unquote(urlsplit(edited.url).path))
    html = page.read_text(encoding="utf-8")
    marker = "<p>"
    body = html.index('class="t-content__body')
    at = html.index(marker, body)
    page.write_text(html[:at] + "<p>一段新加的文字。</p>" + html[at:], encoding="utf-8")
    second_run = run_crawl("fronts", tmp_path / "second", args={"editions": "cn", "refresh": "all"},
                           settings={**mirror_settings(server), "MONGO_URI": mongo_db.uri,
                                     "MONGO_DATABASE": mongo_db.db, "LOG_LEVEL": "INFO",
                                     "STORE_SPILL_DIR": str(tmp_path / "spill"), **PROGRESS})
    assert second_run.returncode == 0, second_run.log[-3000:]
    stats = second_run.stats
    revised = stats.get("rficrawl/store/updated_by_edition/cn", 0)
    unchanged = stats.get("rficrawl/store/unchanged_by_edition/cn", 0)
    assert revised == stats["rficrawl/store/updated"] == 1
    assert unchanged == stats["rficrawl/store/unchanged"] > 0
    rows = summary_rows(second_run.log)
    assert rows["cn"][3:5] == [str(revised), str(unchanged)], rows
    # Every periodic line's per-edition figures are the same kinds, never beyond the end's.
    for found in re.finditer(r"\| cn \d+p \d+a (\d+)n(?: (\d+)r)?(?: (\d+)u)?", second_run.log):
        assert int(found[2] or 0) <= revised and int(found[3] or 0) <= unchanged


def test_a_terminal_gets_the_live_table(tmp_path, mirror_server_factory):
    site = build_mirror(tmp_path / "site", use_captures=False)
    server = mirror_server_factory(site.root)
    argv = scrapy_command("fronts", args={"editions": "tw", "max_articles": "3"}, settings={
        "RFI_BASE_URL": server.base_url, "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "RFICRAWL_HEALTH_PROGRESS": "auto", "MONGO_URI": ""})
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
                               env=env, cwd=Path(__file__).resolve().parents[2])
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the crawl closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=60) == 0, shown.decode(errors="replace")[-3000:]
    os.close(leader)
    text = shown.decode("utf-8", errors="replace")
    # rich drew the table (box characters) with its columns, and redrew it at the end.
    assert re.search(r"crawling for \d+ s", text), text[-3000:]  # the live table's title
    assert re.search(r"crawl max_articles in \d+ s; monitors passed", text), text[-3000:]
    for column in ("pages", "articles", "new", "revised", "unchanged", "dropped", "errors"):
        assert column in text
    assert re.search(r"tw\s*│\s*\d+\s*│\s*3\s*│", text), text[-3000:]
