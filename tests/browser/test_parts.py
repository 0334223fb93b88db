"""The browser part's pure pieces, without a browser: post extraction, block detection, launch
options. (Every behaviour here is also exercised through real Chromium in the other tests.)"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from parsel import Selector
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import Headers, HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from rficrawl.browser.blocking import RequestBlock
from rficrawl.browser.challenge import set_cookie_lines
from rficrawl.browser.chromium import chromium_problem, launch_options
from rficrawl.browser.escalation import EscalationMiddleware, is_challenge
from rficrawl.browser.liveblog import is_live_blog
from rficrawl.browser.markup import has_element
from rficrawl.extract.liveblog import extract_live_posts
from testbed.captures import capture_bytes
from tests.browser.site import BODY_OPEN, CHALLENGE_PAGE, LIVE_BLOG_EMBED, article_variant
from tests.support.settings import settings_with_addons

HOME = "cn-home-2025-11-30.html"

# A rendered live blog as the test bed's embed script builds it (tests/browser/site.py).
RENDERED = """<div class="t-content__body"><div class="m-em-liveblog"><div class="live-pbp">
<article class="live-pbp__item"><time class="live-pbp__time" datetime="2025-12-01T10:05:00+01:00">
10:05</time><h2 class="live-pbp__title">Newest</h2><div class="live-pbp__body"><p>Second  line
one.</p><p>Second line two.</p></div><span class="live-pbp__author">B. Author</span></article>
<article class="live-pbp__item"><time class="live-pbp__time" datetime="2025-12-01T08:00:00Z">
09:00</time><h2 class="live-pbp__title">Oldest</h2><div class="live-pbp__body"><p>First.</p>
</div><span class="live-pbp__author">A. Author</span></article>
</div></div></div>"""


settings = settings_with_addons


def test_live_posts_are_read_oldest_first_with_utc_times():
    posts = extract_live_posts(Selector(text=RENDERED))
    assert posts == [
        {"time": datetime(2025, 12, 1, 8, 0, tzinfo=UTC), "title": "Oldest", "text": "First.",
         "author": "A. Author"},
        {"time": datetime(2025, 12, 1, 9, 5, tzinfo=UTC), "title": "Newest",
         "text": "Second line one.\n\nSecond line two.", "author": "B. Author"},
    ]


def test_posts_without_times_keep_the_page_order_reversed():
    html = RENDERED.replace(' datetime="2025-12-01T10:05:00+01:00"', "")
    assert [p["title"] for p in extract_live_posts(Selector(text=html))] == ["Oldest", "Newest"]
    assert extract_live_posts(Selector(text=html))[1]["time"] is None


def test_a_page_without_a_live_blog_has_no_posts_and_is_not_sent_to_the_browser():
    article = article_variant("/cn/政治/20251201-x", "x", "X")
    assert extract_live_posts(Selector(text=article.decode("utf-8"))) == []
    # The captures mention the live-blog classes in their CSS and scripts: not a live blog.
    assert not is_live_blog(response("http://127.0.0.1/a", article))
    embedded = LIVE_BLOG_EMBED.replace("{src}", "/live.json")
    assert is_live_blog(response("http://127.0.0.1/a", article.decode().replace(
        BODY_OPEN, BODY_OPEN + embedded)))
    widget = "<html><body><script src='https://cdn.tickaroo.com/x.js'></script></body></html>"
    assert is_live_blog(response("http://127.0.0.1/a", widget))
    assert not is_live_blog(response("http://127.0.0.1/a", "<p>tickaroo.com is a provider</p>"))


def test_element_checks_read_tags_not_stylesheets_or_scripts():
    home = HtmlResponse("http://127.0.0.1/cn/", body=capture_bytes(HOME), encoding="utf-8")
    for css in ("[data-load-more]", ".live-pbp--load-more", ".m-em-liveblog", "div.t-content__body",
                "[data-article-list]", ".m-item-list-article, .nothing-here"):
        assert has_element(home, css) is bool(home.css(css)), css
    assert not has_element(home, "[data-load-more]")  # only named in a script on this page
    assert has_element(home, "[data-article-list]")


def response(url: str, body: bytes | str, status: int = 200, kind: str = "article") -> HtmlResponse:
    request = Request(url, meta={"rfi_kind": kind})
    return HtmlResponse(url, status=status, body=body, encoding="utf-8", request=request)


def test_what_counts_as_blocked():
    mw = EscalationMiddleware(SimpleNamespace(settings=settings(), stats=None))
    article = article_variant("/cn/政治/20251201-x", "x", "X")
    url = "http://127.0.0.1/cn/政治/20251201-x"

    def reason(body, status=200, kind="article"):
        res = response(url, body, status, kind)
        return mw.block_reason(res.request, res)

    assert reason(article) is None
    assert reason(article, 403) == "403"
    assert reason(b"slow down", 429) == "429"
    assert reason(b"<html><body>not found</body></html>", 404) is None
    assert reason(CHALLENGE_PAGE) == "challenge"
    assert is_challenge(response(url, CHALLENGE_PAGE))
    shell = b"<html><body><main class='t-content'></main></body></html>"
    assert reason(shell) == "missing_markup"
    assert reason(shell, kind="front") is None  # fronts have no article body


def test_launch_options_use_the_system_chromium_and_the_sandbox_flags():
    options = launch_options(settings(PLAYWRIGHT_LAUNCH_OPTIONS={"headless": True, "args": ["--x"]}))
    assert options["executable_path"] == "/usr/bin/chromium"
    assert options["headless"] is True
    assert options["args"][0] == "--x"
    for flag in ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"):
        assert flag in options["args"]
    elsewhere = settings(RFICRAWL_BROWSER_CHROMIUM_PATH="/opt/c/chrome")
    assert launch_options(elsewhere)["executable_path"] == "/opt/c/chrome"


def test_a_missing_chromium_is_named_with_its_setting(tmp_path):
    problem = chromium_problem(settings(RFICRAWL_BROWSER_CHROMIUM_PATH=str(tmp_path / "none")))
    assert problem is not None
    assert "RFICRAWL_BROWSER_CHROMIUM_PATH" in problem and str(tmp_path / "none") in problem
    assert "RFICRAWL_BROWSER_ENABLED=0" in problem
    assert chromium_problem(settings(PLAYWRIGHT_CDP_URL="http://127.0.0.1:9222")) is None


def browser_asks(url: str, resource_type: str = "script") -> SimpleNamespace:
    """What the block rule reads of one of the browser's requests."""
    return SimpleNamespace(url=url, resource_type=resource_type)


def test_the_request_block_drops_types_then_blocked_hosts_then_hosts_not_allowed():
    stats = MemoryStatsCollector(get_crawler())
    rule = RequestBlock(["image"], ["doubleclick.net", "tms.fmm.io"], ["127.0.0.1", "rfi.fr"])
    rule.count_in(stats)
    assert rule(browser_asks("http://127.0.0.1:8000/cn/x.jpg", "image"))
    assert rule(browser_asks("https://securepubads.g.doubleclick.net/tag/js/gpt.js"))
    assert rule(browser_asks("https://tms.fmm.io/rfi/cn.js"))
    # A suffix matches whole labels only: notdoubleclick.net is another domain.
    assert rule(browser_asks("https://notdoubleclick.net/x.js"))
    assert rule(browser_asks("https://consent.fmm.io/loader.js"))
    for allowed in ("http://127.0.0.1:8000/build/js/main.js", "https://static.rfi.fr/x.js",
                    "https://rfi.fr/", "data:text/plain,x"):
        assert not rule(browser_asks(allowed)), allowed
    assert stats.get_value("rficrawl/browser/blocked_host") == 2
    assert stats.get_value("rficrawl/browser/blocked_host/tms.fmm.io") == 1
    assert stats.get_value("rficrawl/browser/not_allowed") == 2
    assert stats.get_value("rficrawl/browser/not_allowed/notdoubleclick.net") == 1
    assert stats.get_value("rficrawl/browser/not_allowed/consent.fmm.io") == 1
    # Without an allow-list every host that is not blocked is contacted.
    assert not RequestBlock([], ["tms.fmm.io"])(browser_asks("https://consent.fmm.io/loader.js"))


def test_the_browsers_cookies_reach_scrapys_jar_through_the_cookie_middleware():
    """The cookies a browser answer carries as Set-Cookie lines are stored by Scrapy's own
    CookiesMiddleware and sent with the next plain request to the host, not to another."""
    cookies = [
        {"name": "wall_clearance", "value": "a1b2", "domain": "127.0.0.1", "path": "/",
         "expires": -1, "httpOnly": False, "secure": False, "sameSite": "Lax"},
        {"name": "site_wide", "value": "v", "domain": ".rfi.fr", "path": "/",
         "expires": 4102444800, "httpOnly": True, "secure": False, "sameSite": "Lax"},
    ]
    lines = set_cookie_lines(cookies)
    assert lines == [
        "wall_clearance=a1b2; Path=/",
        "site_wide=v; Path=/; Domain=.rfi.fr; Expires=Fri, 01 Jan 2100 00:00:00 GMT; HttpOnly",
    ]
    middleware = CookiesMiddleware.from_crawler(get_crawler())
    for url in ("http://127.0.0.1:8000/cn/a", "https://www.rfi.fr/cn/a"):
        browser = Request(url, meta={"playwright": True})
        answer = HtmlResponse(url, headers=Headers({"Set-Cookie": lines}), body=b"<html></html>",
                              request=browser)
        middleware.process_response(browser, answer)
    plain = Request("http://127.0.0.1:8000/cn/b")
    middleware.process_request(plain)
    assert plain.headers.get("Cookie") == b"wall_clearance=a1b2"
    on_rfi = Request("https://www.rfi.fr/fr/c")
    middleware.process_request(on_rfi)
    assert b"site_wide=v" in on_rfi.headers.get("Cookie")
    elsewhere = Request("http://127.0.0.2:8000/cn/b")
    middleware.process_request(elsewhere)
    assert elsewhere.headers.get("Cookie") is None
