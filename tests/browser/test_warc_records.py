"""Pages the real headless Chromium rendered, as the WARC files keep them: the rendered DOM in a
``conversion`` record that refers to the plain answer recorded before it (the same request's
earlier download), and the article's pointer at the rendering."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from rficrawl.extract.article import read_article
from rficrawl.warc.reader import read_at
from tests.browser.site import crawl_settings
from tests.support.crawl import run_crawl
from tests.warc.conftest import all_records, warc_files, warcio

pytestmark = pytest.mark.slow


def test_a_rendered_page_is_a_conversion_record_referring_to_the_plain_answer(
        site, mirror_server_factory, browser_settings, tmp_path):
    plain = site.article("plain")
    shell = site.shell_article("shell")  # a plain 200 without the article: escalated, rendered
    blocked = site.blocked_article("blocked")  # a plain 403: escalated, rendered
    server = mirror_server_factory(site.root, **site.server_options())
    warc = tmp_path / "warc"
    result = run_crawl(
        "article", tmp_path / "crawl",
        args={"urls": ",".join(server.url(path) for path in (plain, shell, blocked))},
        settings=crawl_settings(server, browser_settings,
                                {"WARC_DIR": str(warc), "RFICRAWL_HEALTH_ENABLED": False}))
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    items = {unquote(urlsplit(item["url"]).path): item for item in result.items}
    assert set(items) == {plain, shell, blocked}

    records = all_records(warc)
    by_id = {r.warc_headers["WARC-Record-ID"]: r for r in records}
    for path in (shell, blocked):
        (rendered,) = [r for r in records
                       if r.type == "conversion" and unquote(urlsplit(r.url).path) == path]
        earlier = by_id[rendered.warc_headers["WARC-Refers-To"]]
        # The plain answer it came from: the same URL, fetched before, recorded as it came.
        assert earlier.type == "response"
        assert earlier.url == rendered.url == rendered.warc_headers["WARC-Refers-To-Target-URI"]
        assert earlier.warc_headers["WARC-Date"] == rendered.warc_headers["WARC-Refers-To-Date"]
        assert earlier.warc_headers["WARC-Date"] <= rendered.warc_headers["WARC-Date"]
        assert rendered.warc_headers["Content-Type"].startswith("text/html")
        assert earlier.payload != rendered.payload
        assert "测试文章" not in earlier.payload.decode("utf-8", "replace")

        # The article points at the rendering, which extracts to the article the crawl stored.
        pointer = items[path]["warc"]
        assert pointer["type"] == "conversion"
        with (warc / pointer["file"]).open("rb") as stream:
            page = read_at(stream, pointer["file"], pointer["offset"], pointer["length"])
        assert page.record_id == rendered.warc_headers["WARC-Record-ID"]
        again = read_article(page.response(), base_url=page.origin).item
        assert again["title"] == items[path]["title"] == f"测试文章 {path.rsplit('-', 1)[1]}"
        assert again["content_hash"] == items[path]["content_hash"]

    # The plain article was never rendered: its response record is the article's.
    assert items[plain]["warc"]["type"] == "response"
    assert not [r for r in records if r.type == "conversion"
                and unquote(urlsplit(r.url).path) == plain]
    for path in warc_files(warc):
        checked = warcio("check", path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
