"""Politeness through real crawls with the project's own defaults (rficrawl/settings.py,
"Politeness"; rficrawl/backoff.py), checked on what the mirror saw: when each request arrived and
when it was answered, not on the crawler's stats.

Other crawl tests turn politeness off (tests/support/mirror.py); here it stays on and only its
durations are scaled down (``polite``), so that robots.txt, the per-domain concurrency, AutoThrottle
and the retry backoff all run as in production, just faster. Every timing assert is a lower bound
(a request came no earlier than the rule allows), which a loaded machine cannot break.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from email.utils import format_datetime
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rficrawl import settings as defaults
from testbed.build import Mirror, site_path
from testbed.server import DropConnection, MirrorRequest, MirrorServer, RequestRecord
from tests.spiders.conftest import crawl
from tests.support.crawl import CrawlResult, run_crawl, start_crawl
from tests.support.mirror import hold, mirror_settings

# The politeness settings that are durations; ``polite`` multiplies each by its scale.
DURATIONS = ("DOWNLOAD_DELAY", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY",
             "RETRY_BACKOFF_BASE", "RETRY_BACKOFF_MAX")
# Scrapy's default DOWNLOAD_DELAY_JITTER: each delay is drawn in [0.5, 1.5] x the slot's delay.
LEAST_JITTER = 0.5


def polite(server: MirrorServer, scale: float, **overrides: object) -> dict[str, object]:
    """Settings of a crawl of ``server`` with every politeness default kept, durations scaled."""
    settings: dict[str, object] = {
        "RFI_BASE_URL": server.base_url,
        "MONGO_URI": "",
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }
    settings.update({name: getattr(defaults, name) * scale for name in DURATIONS})
    settings.update(overrides)
    return settings


def polite_crawl(server: MirrorServer, tmp_path: Path, urls: list[str], scale: float,
                 **overrides: object) -> CrawlResult:
    result = run_crawl("article", tmp_path, args={"urls": ",".join(urls)},
                       settings=polite(server, scale, **overrides))
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    return result


def plain_articles(site: Mirror, n: int) -> list[str]:
    """``n`` public URLs of plain articles of the mirror (none robots.txt forbids)."""
    plain = sorted(url for url, a in site.articles.items() if not a.media and url not in site.disallowed)
    assert len(plain) >= n
    return plain[:n]


def tries(server: MirrorServer, url: str) -> list[RequestRecord]:
    """The requests for one article, in arrival order."""
    path = site_path(url)
    return sorted((r for r in server.log.records if r.path == path), key=lambda r: r.received_at)


def answers_first(server: MirrorServer, answers: list[tuple[int, object]]):
    """A route giving these (status, headers) answers first, then the page as the mirror serves it.

    Status 0 cuts the connection without an answer; headers may be a callable, called when the
    answer is made (for an HTTP date relative to that moment)."""
    left = list(answers)

    def route(request: MirrorRequest):
        if not left:
            return server.serve_file(request)
        status, headers = left.pop(0)
        if status == 0:
            raise DropConnection
        headers = headers() if callable(headers) else headers
        return status, headers, f"<html><body>{status}</body></html>"

    return route


# --- robots.txt ----------------------------------------------------------------------------------


def robots_site(site: Mirror, tmp_path: Path, urls: list[str], robots: str) -> Path:
    root = tmp_path / "site"
    for url in urls:
        target = root / site_path(url).lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(site.root / site_path(url).lstrip("/"), target)
    # Paths as RFI's robots.txt writes them: percent-encoded.
    (root / "robots.txt").write_text(robots, encoding="utf-8")
    return root


@pytest.mark.parametrize("own_group", [True, False], ids=["rficrawl-group", "star-only"])
def test_robots_rules_for_rficrawl_apply_else_those_for_every_agent(
    site, mirror_server_factory, tmp_path, own_group
):
    a, b, c = plain_articles(site, 3)
    path = {url: urlsplit(url).path for url in (a, b, c)}
    # A group for the project's token replaces the "*" group entirely (RFC 9309); a group for
    # another robot does not concern us.
    named = defaults.ROBOTSTXT_USER_AGENT if own_group else "otherbot"
    robots = (f"User-agent: {named}\nDisallow: {path[a]}\n\n"
              f"User-agent: *\nDisallow: {path[b]}\n")
    server = mirror_server_factory(robots_site(site, tmp_path, [a, b, c], robots))
    result = polite_crawl(server, tmp_path / "out", [a, b, c], scale=0.02)
    refused = a if own_group else b
    assert result.urls() == {a, b, c} - {refused}
    assert server.log.count(site_path(refused)) == 0
    assert server.log.count("/robots.txt") == 1
    assert result.stats["robotstxt/forbidden"] == 1


# --- concurrency and AutoThrottle ----------------------------------------------------------------


def test_never_more_than_the_per_domain_concurrency_in_flight(site, mirror_server_factory, tmp_path):
    urls = plain_articles(site, 16)
    cap = defaults.CONCURRENT_REQUESTS_PER_DOMAIN
    assert defaults.CONCURRENT_REQUESTS > cap  # the per-domain knob is the one that binds
    server = mirror_server_factory(site.root, delay=0.3)
    # The first articles wait at the mirror until `cap` of them are there, so the crawl surely
    # reaches its limit; a crawler that sent more would have them in flight at once too.
    hold(server, [site_path(url) for url in urls], open_at=cap, limit=60)
    # AutoThrottle aiming at 16 requests in flight would not hold the crawl back by itself.
    result = polite_crawl(server, tmp_path, urls, scale=0.02, AUTOTHROTTLE_TARGET_CONCURRENCY=16)
    assert result.urls() == set(urls)
    assert server.log.max_in_flight() == cap


def test_autothrottle_spaces_requests_out_when_the_mirror_is_slow(site, mirror_server_factory, tmp_path):
    urls = plain_articles(site, 8)
    latency = 1.2
    server = mirror_server_factory(site.root)

    def slow(request: MirrorRequest):
        time.sleep(latency)
        return server.serve_file(request)

    for url in urls:
        server.add_route(site_path(url), slow)
    scale = 0.05
    result = polite_crawl(server, tmp_path, urls, scale=scale)
    assert result.urls() == set(urls)

    records = sorted((r for r in server.log.records if r.path != "/robots.txt"),
                     key=lambda r: r.received_at)
    first_answer = min(r.answered_at for r in records)
    gaps = [later.received_at - earlier.received_at
            for earlier, later in pairwise(records) if later.received_at > first_answer]
    # Once a response has shown the latency, the delay is at least latency / target concurrency
    # (within the jitter), far above DOWNLOAD_DELAY, the delay without AutoThrottle.
    adapted = LEAST_JITTER * latency / defaults.AUTOTHROTTLE_TARGET_CONCURRENCY
    static = (2 - LEAST_JITTER) * defaults.DOWNLOAD_DELAY * scale
    assert adapted - 0.1 > static
    assert len(gaps) >= 3, gaps
    assert min(gaps) >= adapted - 0.1, gaps


# --- retries -------------------------------------------------------------------------------------


def test_retries_back_off_exponentially(site, mirror_server_factory, tmp_path):
    [url] = plain_articles(site, 1)
    server = mirror_server_factory(site.root)
    server.add_route(site_path(url), answers_first(server, [(503, {}), (502, {})]))
    scale = 0.2
    result = polite_crawl(server, tmp_path, [url], scale=scale)
    assert result.urls() == {url}
    seen = tries(server, url)
    assert [r.status for r in seen] == [503, 502, 200]
    base = defaults.RETRY_BACKOFF_BASE * scale
    waits = [later.received_at - earlier.answered_at for earlier, later in pairwise(seen)]
    # Retry n waits base * 2**(n-1), of which the jitter may take up to half.
    assert waits[0] >= 0.5 * base, waits
    assert waits[1] >= 0.5 * 2 * base, waits
    assert result.stats["retry/count"] == 2


def http_date(delay: float) -> tuple[float, dict[str, str]]:
    """A Retry-After HTTP date about ``delay`` seconds from now (whole seconds, as HTTP has)."""
    when = float(int(time.time() + delay))
    return when, {"Retry-After": format_datetime(dt.datetime.fromtimestamp(when, dt.UTC), usegmt=True)}


@pytest.mark.parametrize("advice", ["seconds", "date", "date-beyond-the-cap"])
def test_retry_after_is_waited_for_and_capped(site, mirror_server_factory, tmp_path, advice):
    [url] = plain_articles(site, 1)
    server = mirror_server_factory(site.root)
    scale = 0.02
    cap = defaults.RETRY_BACKOFF_MAX * scale
    asked: list[float] = []  # the earliest time the server allowed

    def headers() -> dict[str, str]:
        if advice == "seconds":
            asked.append(time.time() + 2)
            return {"Retry-After": "2"}
        when, header = http_date(2 if advice == "date" else 86_400)
        asked.append(min(when, time.time() + cap))
        return header

    server.add_route(site_path(url), answers_first(server, [(503, headers)]))
    result = polite_crawl(server, tmp_path, [url], scale=scale)
    assert result.urls() == {url}
    first, retry = tries(server, url)
    assert first.status == 503 and retry.status == 200
    assert 0.9 <= asked[0] - first.answered_at <= cap
    assert retry.received_at >= asked[0]
    if advice == "date-beyond-the-cap":
        # A day was asked for; the crawl went on after RETRY_BACKOFF_MAX.
        assert retry.received_at - first.answered_at < 600


def test_a_reset_connection_is_retried(site, mirror_server_factory, tmp_path):
    [url] = plain_articles(site, 1)
    server = mirror_server_factory(site.root)
    # Two cuts: Twisted silently re-sends once a request cut on a reused keep-alive connection,
    # so the second cut is the one the crawler surely sees.
    server.add_route(site_path(url), answers_first(server, [(0, {}), (0, {})]))
    result = polite_crawl(server, tmp_path, [url], scale=0.02, LOG_LEVEL="DEBUG")
    assert result.urls() == {url}
    assert [r.status for r in tries(server, url)][-1] == 200
    assert result.stats["retry/count"] >= 1
    # Scrapy counts a cut connection as a failed download; its log names the cause.
    assert result.stats["retry/reason_count/scrapy.exceptions.DownloadFailedError"] >= 1
    assert "(failed 1 times)" in result.log and "ConnectionLost" in result.log


def test_a_refused_connection_is_retried_until_the_site_is_back(site, mirror_server_factory, tmp_path):
    [url] = plain_articles(site, 1)
    server = mirror_server_factory(site.root)
    # The real backoff (RETRY_BACKOFF_BASE unscaled): seconds between tries, ample time to start
    # the mirror once the first refusal is logged.
    settings = polite(server, 0.02, RETRY_BACKOFF_BASE=defaults.RETRY_BACKOFF_BASE, LOG_LEVEL="DEBUG")
    server.stop()  # nothing listens on its port now: connections are refused
    crawl_ = start_crawl("article", tmp_path, args={"urls": url}, settings=settings)
    crawl_.wait_for_log("Retrying")
    server.start()
    result = crawl_.finish()
    assert result.returncode == 0, result.log[-3000:]
    assert result.urls() == {url}
    assert result.stats["retry/reason_count/scrapy.exceptions.DownloadConnectionRefusedError"] >= 1
    assert [r.status for r in tries(server, url)] == [200]


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
