"""The unreachable-site rule through ``scrapy crawl``: a closed port and a host that cannot
resolve (under ``.invalid``, which never resolves) end the crawl fast, with one ERROR line naming
the base URL and what failed, and a non-zero exit status."""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import unquote, urlsplit

import pytest

from rficrawl.commands.crawl import CLOSE_REASON_STATUS, MONITORS_FAILED
from rficrawl.ops.process import free_port
from testbed.build import build_mirror
from testbed.server import DropConnection
from tests.support.crawl import run_crawl
from tests.support.mirror import mirror_settings

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("base_url", "failure"), [
    (f"http://127.0.0.1:{free_port()}", "connection refused"),
    ("http://www.rfi.invalid", "DNS lookup failed"),
], ids=["closed-port", "unresolvable-host"])
def test_an_unreachable_site_ends_the_crawl(tmp_path, base_url, failure):
    started = time.monotonic()
    result = run_crawl("fronts", tmp_path, args={"editions": "cn,tw"},
                       settings={"RFI_BASE_URL": base_url, "LOG_LEVEL": "INFO"}, timeout=120)
    took = time.monotonic() - started
    assert result.returncode == CLOSE_REASON_STATUS["site_unreachable"] == 3, result.log[-3000:]
    assert result.stats["finish_reason"] == "site_unreachable"
    lines = [line for line in result.log.splitlines() if "Site unreachable" in line]
    assert len(lines) == 1, result.log[-3000:]
    assert " ERROR: " in lines[0] and base_url in lines[0] and failure in lines[0]
    assert result.stats.get("response_received_count", 0) == 0
    print(f"{base_url}: closed in {took:.0f} s (the process, start-up included)")


def test_a_site_that_takes_connections_and_never_answers_ends_the_crawl(tmp_path):
    """A host that accepts connections (the kernel's backlog) and never sends a byte: the crawl
    closes as unreachable once RFICRAWL_HEALTH_UNREACHABLE_TIMEOUT has passed, and its requests in
    flight give up then too, not after DOWNLOAD_TIMEOUT; requests still waiting (the section
    fronts behind robots.txt, robots.txt's own retries) are not sent."""
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(64)
        base_url = f"http://127.0.0.1:{hanging.getsockname()[1]}"
        result = run_crawl("fronts", tmp_path, args={"editions": "cn"}, settings={
            "RFI_BASE_URL": base_url, "LOG_LEVEL": "INFO", "RFICRAWL_HEALTH_UNREACHABLE_TIMEOUT": 4,
            "DOWNLOAD_TIMEOUT": 600,
        }, timeout=120)  # shorter than DOWNLOAD_TIMEOUT: a request that waited for it fails here
    assert result.returncode == CLOSE_REASON_STATUS["site_unreachable"], result.log[-3000:]
    assert re.search(r"Site unreachable: .* did not answer: (no response \d+ s after the first "
                     r"request|the first \d+ requests failed)", result.log), result.log[-3000:]
    # The requests sent before any answer gave up after the bound: timeouts, not a cut.
    failed = {key.rsplit("/", 1)[-1] for key in result.stats
              if key.startswith("downloader/exception_type_count/") and "IgnoreRequest" not in key}
    assert failed and all("Timeout" in name for name in failed), failed
    assert result.stats.get("response_received_count", 0) == 0


def test_a_site_that_answers_is_not_judged_on_later_failures(tmp_path, mirror_server_factory):
    """The fronts answer, then every article's connection is cut: the crawl is not ended as
    unreachable; it pauses during the run of failures and goes on to the end of its work."""
    site = build_mirror(tmp_path / "site", use_captures=False)
    articles = [unquote(urlsplit(url).path) for url in site.fronts_articles(["cn"])]
    server = mirror_server_factory(site.root, routes=dict.fromkeys(articles, _cut))
    result = run_crawl("fronts", tmp_path / "crawl", args={"editions": "cn"}, settings={
        **mirror_settings(server), "LOG_LEVEL": "INFO", "RETRY_TIMES": 0,
        "RFICRAWL_HEALTH_PAUSE_AFTER_FAILURES": 5, "RETRY_BACKOFF_BASE": 0.5,
        "RETRY_BACKOFF_MAX": 1,
    })
    assert result.stats["finish_reason"] == "finished", result.log[-3000:]
    assert "Site unreachable" not in result.log
    assert result.stats.get("rficrawl/unreachable/pauses", 0) >= 1, result.log[-6000:]
    assert re.search(r"failed \d+ requests in a row \(so far: download failed", result.log)
    assert "pausing the crawl" in result.log and "Resuming the crawl" in result.log
    # Every article was still asked for: pausing lost none of them.
    assert set(articles) <= set(server.log.paths())
    # Its monitors saw the download errors: a failed verdict, exit status 4.
    assert result.returncode == MONITORS_FAILED, result.log[-3000:]
    assert any("download errors" in f for f in result.stats["rficrawl/health"]["failed"])


def _cut(request):
    """An article whose connection is cut after a while, as when the site goes down: slow
    enough that the run of failures lasts longer than the rule's one-second look."""
    time.sleep(0.5)
    raise DropConnection
