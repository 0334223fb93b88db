"""No browser test reaches the network: a request to a host other than 127.0.0.1 is dropped and
fails the test, unless the project's own block list drops it first (tests/support/browser.py)."""

from __future__ import annotations

import pytest

from tests.browser.site import crawl_settings
from tests.support.crawl import run_crawl

pytestmark = pytest.mark.slow

# A third party no rule of the project names (the .test top-level domain is reserved: RFC 2606).
UNPLANNED = "tracker.unplanned.test"
SCRIPT = f'<script src="https://{UNPLANNED}/t.js"></script>'


def test_a_request_to_an_unplanned_host_is_dropped_and_fails_the_test(
    site, mirror_server_factory, browser_settings, tmp_path
):
    path = site.article("calls-home", body_prefix=SCRIPT)
    server = mirror_server_factory(site.root)
    settings = crawl_settings(server, browser_settings, {"RFICRAWL_BROWSER_RENDER_KINDS": "article"})
    args = {"urls": server.url(path)}

    with pytest.raises(AssertionError, match=f"the browser tried to reach the network: .*{UNPLANNED}"):
        run_crawl("article", tmp_path / "unplanned", args=args, settings=settings)

    # Once a real crawl's block list names the host, the same page is rendered and passes.
    blocked = run_crawl("article", tmp_path / "planned", args=args, settings={
        **settings, "RFICRAWL_BROWSER_BLOCKED_HOSTS": f"tms.fmm.io,consent.fmm.io,{UNPLANNED}"})
    assert blocked.returncode == 0, blocked.log[-3000:]
    assert [item["title"] for item in blocked.items] == ["测试文章 calls-home"]
    assert blocked.stats.get(f"rficrawl/browser/blocked_host/{UNPLANNED}") == 1
    assert not blocked.stats.get("rficrawl/browser/not_allowed")
