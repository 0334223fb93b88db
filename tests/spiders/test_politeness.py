"""Politeness defaults: browser-like headers pass RFI's 403 rule, retries back off on 429/5xx."""

from __future__ import annotations

import pytest

from tests.spiders.conftest import crawl
from tests.support.crawl import run_crawl
from tests.support.mirror import mirror_settings
from tests.support.mirror_build import site_path


def _flaky(root, failures: list[tuple[int, dict]]):
    """A route answering the given (status, headers) first, then the file as the mirror would."""
    answers = list(failures)

    def route(request):
        if answers:
            status, headers = answers.pop(0)
            return status, headers, f"<html><body>{status}</body></html>"
        body = root.joinpath(*request.path.strip("/").split("/")).read_bytes()
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body

    return route


@pytest.mark.parametrize(
    ("failures", "least_wait"),
    [
        ([(503, {}), (502, {})], 0.4 * 0.5 + 0.8 * 0.5),  # exponential: base, 2*base (jitter >= 50%)
        ([(429, {"Retry-After": "1"})], 1.0),  # the server says how long
    ],
)
def test_retries_wait_before_trying_again(site, mirror_server_factory, tmp_path, failures, least_wait):
    url = min(site.fronts_articles(["cn"]))
    path = site_path(url)
    server = mirror_server_factory(site.root, routes={path: _flaky(site.root, failures)})
    result = crawl("article", server, tmp_path, {"urls": url},
                   {"RETRY_BACKOFF_BASE": 0.4, "RETRY_TIMES": 3})
    assert result.urls() == {url}
    assert server.log.count(path) == len(failures) + 1
    assert result.stats["retry/count"] == len(failures)
    assert result.stats["retry/backoff_seconds"] >= least_wait


def test_default_headers_pass_where_bare_clients_get_403(site, mirror_server_factory, tmp_path):
    url = min(site.fronts_articles(["cn"]))
    server = mirror_server_factory(site.root, forbid_unless_browser=["/cn/*"])
    # Without the browser fallback (which would rescue a 403), so only the headers count.
    no_browser = {"RFICRAWL_BROWSER_ENABLED": 0}
    result = crawl("article", server, tmp_path / "ok", {"urls": url}, no_browser)
    assert result.urls() == {url}
    assert {record.status for record in server.log.records} == {200}
    bare = run_crawl("article", tmp_path / "bare", args={"urls": url}, settings=mirror_settings(
        server, MONGO_URI="", USER_AGENT="Scrapy/2.19 (+https://scrapy.org)", **no_browser))
    assert bare.items == []
    assert 403 in {record.status for record in server.log.records}
