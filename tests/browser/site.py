"""The browser test bed: pages that need a browser, served by the mirror server.

Everything is built at test time in a temporary mirror root:

- articles are variants of the real article capture (cn-article-2025-11-30.html): its bytes with
  another path, title and content_id, so each is a distinct article with RFI's real markup;
- the live-blog embed, the load-more list and their JSON routes are written here. No capture holds
  a rendered live blog or a load-more list: they are modelled on the class names RFI's pages use
  for them (``.m-em-liveblog`` directly in ``div.t-content__body``, ``a.live-pbp--load-more``,
  ``[data-load-more]``, seen in the captures' stylesheets and scripts; see ../shared/RFI-SITE.md)
  and, for list cards, on the /cn/ front capture's ``div.m-item-list-article[data-article-list]``
  with ``.article__title a[data-article-item-link]``;
- routes imitate the site's behaviours: 403 to plain clients, a challenge page, a JavaScript
  cookie wall (:class:`CookieWall`), a page that never finishes loading.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote

from testbed.captures import capture_bytes
from testbed.server import MirrorRequest, MirrorServer
from tests.support.mirror import mirror_settings

CAPTURE = "cn-article-2025-11-30.html"
CAPTURE_PATH = "/cn/政治/20251130-台湾增加400亿美元国防开支-加速部署t-dome防空系统"
CAPTURE_TITLE = "台湾增加400亿美元国防开支 加速部署T-Dome防空系统"
CAPTURE_ID = "WBMZ146377-RFI-CN-20251130"
BODY_OPEN = '<div class="t-content__body u-clearfix">'

# Seconds a hanging route holds its request at most (far beyond the navigation timeout in tests).
HANG_SECONDS = 60


def is_the_browser(headers) -> bool:
    """How the test bed's "site" tells Chromium from plain HTTP clients: by the browser's own
    User-Agent. (The project's plain User-Agent imitates a browser's, so the mirror's default
    check, a browser-like User-Agent, would let plain requests through.)"""
    return "HeadlessChrome/" in headers.get("User-Agent", "")


def crawl_settings(server: MirrorServer, *more: dict) -> dict[str, object]:
    """Settings of a test crawl of ``server``: no store (these tests read the -O feed), then ``more``."""
    settings = mirror_settings(server, MONGO_URI="")
    for extra in more:
        settings.update(extra)
    return settings


def article_path(name: str, section: str = "政治") -> str:
    """Path of a test article, in RFI's article URL pattern /{ed}/{section}/{YYYYMMDD}-{slug}."""
    return f"/cn/{section}/20251201-{name}"


def article_variant(path: str, title: str, content_id: str, body_prefix: str = "") -> bytes:
    """The real article capture as another article: its path, headline and content_id replaced
    everywhere, and ``body_prefix`` inserted at the top of ``div.t-content__body``."""
    page = capture_bytes(CAPTURE).decode("utf-8")
    assert page.count(BODY_OPEN) == 1, "the article capture changed: update tests/browser/site.py"
    page = page.replace(quote(CAPTURE_PATH), quote(path)).replace(CAPTURE_PATH, path)
    page = page.replace(CAPTURE_TITLE, title).replace(CAPTURE_ID, content_id)
    page = page.replace(BODY_OPEN, BODY_OPEN + body_prefix)
    return page.encode("utf-8")


# The live-blog embed. Written for these tests, modelled on RFI's class names (see the module
# docstring): the server sends the embed empty; its script loads the posts, newest first, by
# XMLHttpRequest from a JSON route, and "load more" fetches the next batch.
LIVE_BLOG_EMBED = """
<!-- Test page part written for rficrawl (tests/browser/site.py), modelled on RFI's live-blog
     embed class names; the post markup is an assumption (no capture holds a rendered live blog). -->
<div class="m-em-liveblog" data-liveblog-src="{src}">
  <div class="live-pbp" data-live-pbp></div>
  <a class="live-pbp--load-more" data-load-more href="#" hidden>加载更多</a>
</div>
<script>
(function () {
  var embed = document.querySelector('.m-em-liveblog');
  var list = embed.querySelector('.live-pbp');
  var more = embed.querySelector('.live-pbp--load-more');
  var next = embed.getAttribute('data-liveblog-src');
  function render(post) {
    var item = document.createElement('article');
    item.className = 'live-pbp__item';
    item.innerHTML = '<time class="live-pbp__time"></time><h2 class="live-pbp__title"></h2>' +
      '<div class="live-pbp__body"></div><span class="live-pbp__author"></span>';
    var time = item.querySelector('time');
    time.setAttribute('datetime', post.time);
    time.textContent = post.display;
    item.querySelector('.live-pbp__title').textContent = post.title;
    item.querySelector('.live-pbp__body').innerHTML = post.html;
    item.querySelector('.live-pbp__author').textContent = post.author;
    list.appendChild(item);
  }
  function load() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', next);
    xhr.onload = function () {
      var data = JSON.parse(xhr.responseText);
      data.posts.forEach(render);
      next = data.next;
      more.hidden = !next;
    };
    xhr.send();
  }
  more.addEventListener('click', function (event) { event.preventDefault(); load(); });
  load();
})();
</script>
"""


@dataclass
class LivePost:
    minute: int  # minutes after 08:00 UTC on 2025-12-01
    title: str
    paragraphs: list[str]
    author: str

    @property
    def time(self) -> str:
        hour, minute = divmod(8 * 60 + self.minute, 60)
        return f"2025-12-01T{hour:02d}:{minute:02d}:00+00:00"

    def as_json(self) -> dict:
        return {
            "time": self.time,
            "display": self.time[11:16],
            "title": self.title,
            "html": "".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs),
            "author": self.author,
        }


def live_posts(count: int, start: int = 0) -> list[LivePost]:
    return [
        LivePost(
            minute=n * 7,
            title=f"快讯第{n + 1}条：测试标题",
            paragraphs=[f"第{n + 1}条的第一段。", f"第{n + 1}条的第二段，含更多细节。"],
            author=f"记者{n % 3 + 1}",
        )
        for n in range(start, start + count)
    ]


class LiveBlogFeed:
    """The JSON route of one live blog: posts newest first, ``per_page`` a batch."""

    def __init__(self, prefix: str, posts: list[LivePost], per_page: int = 5) -> None:
        self.prefix = prefix
        self.posts = posts
        self.per_page = per_page
        self.lock = threading.Lock()

    @property
    def first_url(self) -> str:
        return f"{self.prefix}?page=1"

    def add(self, posts: list[LivePost]) -> None:
        """New posts arrive (a later crawl must find them)."""
        with self.lock:
            self.posts = self.posts + posts

    def __call__(self, request: MirrorRequest) -> tuple[int, dict[str, str], str]:
        page = int(parse_qs(request.query).get("page", ["1"])[0])
        with self.lock:
            newest_first = sorted(self.posts, key=lambda post: post.minute, reverse=True)
        start = (page - 1) * self.per_page
        batch = newest_first[start : start + self.per_page]
        more = start + self.per_page < len(newest_first)
        body = {
            "posts": [post.as_json() for post in batch],
            "next": f"{self.prefix}?page={page + 1}" if more else None,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False)


# A list that grows by "load more": written for these tests, modelled on the /cn/ front capture's
# article cards and on RFI's [data-load-more] control (see the module docstring).
LIST_PAGE = """<!DOCTYPE html>
<!-- Test page written for rficrawl (tests/browser/site.py): a section front whose list grows by
     "load more", modelled on the /cn/ front capture's cards (div.m-item-list-article
     [data-article-list], .article__title a[data-article-item-link]) and RFI's [data-load-more]. -->
<html lang="zh-Hans">
<head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="https://www.rfi.fr{path_q}"></head>
<body>
<main><div class="t-content t-content--page-builder">
  <div class="o-layout-list" data-layout-list-wrapper>{cards}</div>
  <a class="m-load-more" data-load-more href="{more}">加载更多</a>
</div></main>
<script>
(function () {{
  var more = document.querySelector('[data-load-more]');
  var list = document.querySelector('[data-layout-list-wrapper]');
  more.addEventListener('click', function (event) {{
    event.preventDefault();
    fetch(more.getAttribute('href')).then(function (r) {{ return r.json(); }}).then(function (data) {{
      list.insertAdjacentHTML('beforeend', data.html);
      if (data.next) {{ more.setAttribute('href', data.next); }} else {{ more.remove(); }}
    }});
  }});
}})();
</script>
</body></html>
"""

# The same list growing by infinite scroll: the next batch loads when RFI's loader element
# (.m-infinite-scroll-loader, named in ../shared/RFI-SITE.md) scrolls into view. Cards are tall so
# that the loader starts below the fold.
SCROLL_LIST_PAGE = """<!DOCTYPE html>
<!-- Test page written for rficrawl (tests/browser/site.py): a section front whose list grows by
     infinite scroll, modelled on the /cn/ front capture's cards and RFI's
     .m-infinite-scroll-loader. -->
<html lang="zh-Hans">
<head><meta charset="utf-8"><title>{title}</title>
<style>.m-item-list-article {{ height: 400px; }}</style></head>
<body>
<main><div class="t-content t-content--page-builder">
  <div class="o-layout-list" data-layout-list-wrapper>{cards}</div>
  <div class="m-infinite-scroll-loader" data-next="{more}">…</div>
</div></main>
<script>
(function () {{
  var loader = document.querySelector('.m-infinite-scroll-loader');
  var list = document.querySelector('[data-layout-list-wrapper]');
  var busy = false;
  new IntersectionObserver(function (entries) {{
    if (!entries[0].isIntersecting || busy) {{ return; }}
    busy = true;
    fetch(loader.getAttribute('data-next')).then(function (r) {{ return r.json(); }})
      .then(function (data) {{
        list.insertAdjacentHTML('beforeend', data.html);
        if (data.next) {{ loader.setAttribute('data-next', data.next); }} else {{ loader.remove(); }}
        busy = false;
      }});
  }}).observe(loader);
}})();
</script>
</body></html>
"""

CARD = """
    <div class="o-layout-list__item">
      <div class="m-item-list-article" data-article-list>
        <div class="article__infos"><div class="article__title ">
          <a href="{href}" data-article-item-link><h2 class="article__title">{title}</h2></a>
        </div></div>
      </div>
    </div>"""


def card(path: str, title: str) -> str:
    return CARD.format(href=quote(path), title=html.escape(title))


class ListFeed:
    """The route behind a list's "load more": the next batch of cards as HTML in JSON."""

    def __init__(self, prefix: str, batches: list[list[str]]) -> None:
        self.prefix = prefix
        self.batches = batches  # batches[0] is in the page; the route serves the others

    def url(self, batch: int) -> str:
        return f"{self.prefix}?batch={batch}"

    def __call__(self, request: MirrorRequest) -> tuple[int, dict[str, str], str]:
        batch = int(parse_qs(request.query).get("batch", ["1"])[0])
        if not 0 < batch < len(self.batches):
            return 404, {"Content-Type": "application/json"}, "{}"
        body = {
            "html": "".join(card(path, f"列表文章 {path[-2:]}") for path in self.batches[batch]),
            "next": self.url(batch + 1) if batch + 1 < len(self.batches) else None,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False)


CHALLENGE_PAGE = """<!DOCTYPE html>
<!-- Written for rficrawl's tests: the shape of a Cloudflare browser-check page. -->
<html><head><title>Just a moment...</title></head>
<body><div id="challenge-body-text">Checking your browser before accessing www.rfi.fr.</div>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script></body></html>"""


# A bot wall's JavaScript cookie challenge. Written for these tests, modelled on the common walls
# that answer a client without their cookie with a small page whose script computes a token,
# stores it in a cookie and reloads the page (Sucuri's and DDoS-Guard's JavaScript challenges,
# Cloudflare's former "I'm Under Attack" page): status 403, no content, the cookie set by the
# script (no Set-Cookie header), the reload 400 ms later. With the right cookie, any client, the
# browser or plain HTTP, gets the page.
WALL_PAGE = """<!DOCTYPE html>
<!-- Test page written for rficrawl (tests/browser/site.py): a JavaScript cookie challenge, modelled
     on common bot walls (a token computed by script, stored in a cookie, then a reload). -->
<html><head><meta charset="utf-8"><title>One moment, please...</title>
<meta name="robots" content="noindex, nofollow"></head>
<body><p>Checking your browser before accessing the site. This takes a moment.</p>
<noscript>Please turn JavaScript on and reload the page.</noscript>
<script>
(function () {{
  var token = (({seed} * 31 + 7) % 1000003).toString(16);
  document.cookie = "{cookie}=" + token + "; path=/; max-age=1800; SameSite=Lax";
  setTimeout(function () {{ location.reload(); }}, 400);
}})();
</script></body></html>"""


@dataclass
class CookieWall:
    """The wall's rules: the cookie its script sets, and whether it ever accepts it (a wall that
    has flagged the client keeps answering the challenge, which keeps reloading)."""

    seed: int
    cookie: str = "wall_clearance"
    admits: bool = True

    @property
    def token(self) -> str:
        return format((self.seed * 31 + 7) % 1000003, "x")

    def page(self) -> str:
        return WALL_PAGE.format(seed=self.seed, cookie=self.cookie)

    def lets_through(self, headers) -> bool:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get("Cookie", ""))
        except CookieError:
            return False
        return self.admits and self.cookie in jar and jar[self.cookie].value == self.token


SHELL_PAGE = """<!DOCTYPE html>
<!-- Written for rficrawl's tests: an article page's frame (RFI's main > div.t-content) with its
     article left out, as a protection layer or a failed render may serve it. -->
<html lang="zh-Hans"><head><title>RFI - 法国国际广播电台</title></head>
<body><main><div class="t-content t-content--article"></div></main></body></html>"""


@dataclass
class Site:
    """A mirror root plus the routes and rules of the browser test bed."""

    root: Path
    routes: dict = field(default_factory=dict)
    browser_only: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)

    def write(self, path: str, body: bytes | str) -> None:
        target = self.root.joinpath(*[p for p in path.split("/") if p])
        if path.endswith("/"):
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)

    def article(self, name: str, body_prefix: str = "", section: str = "政治") -> str:
        """Write an article variant; returns its path."""
        path = article_path(name, section)
        self.write(path, article_variant(path, f"测试文章 {name}", f"TEST-{name}", body_prefix))
        return path

    def live_blog(self, name: str, posts: list[LivePost], per_page: int = 5,
                  extra_head: str = "") -> tuple[str, LiveBlogFeed]:
        feed = LiveBlogFeed(f"/live-posts/{name}.json", posts, per_page)
        self.routes[feed.prefix] = feed
        embed = LIVE_BLOG_EMBED.replace("{src}", feed.first_url) + extra_head
        return self.article(name, embed), feed

    def blocked_article(self, name: str) -> str:
        """An article answered 403 unless the client is the browser."""
        path = self.article(name)
        self.browser_only.add(path)
        return path

    def challenged_article(self, name: str) -> str:
        """An article behind a challenge page for plain clients (200, but no article)."""
        return self._plain_sees(name, 200, CHALLENGE_PAGE)

    def shell_article(self, name: str) -> str:
        """An article whose plain answer is the page frame without the article (200)."""
        return self._plain_sees(name, 200, SHELL_PAGE)

    def rate_limited_article(self, name: str) -> str:
        """An article answered 429 to plain clients."""
        return self._plain_sees(name, 429, "<html><body>Too Many Requests</body></html>")

    def _plain_sees(self, name: str, status: int, plain_body: str) -> str:
        path = self.article(name)
        page = article_variant(path, f"测试文章 {name}", f"TEST-{name}")

        def route(request: MirrorRequest) -> tuple[int, dict[str, str], bytes | str]:
            if is_the_browser(request.headers):
                return 200, {"Content-Type": "text/html; charset=utf-8"}, page
            return status, {"Content-Type": "text/html; charset=utf-8"}, plain_body

        self.routes[path] = route
        return path

    def walled_article(self, name: str, wall: CookieWall) -> str:
        """An article behind a JavaScript cookie wall, for every client."""
        path = self.article(name)
        page = article_variant(path, f"测试文章 {name}", f"TEST-{name}")

        def route(request: MirrorRequest) -> tuple[int, dict[str, str], bytes | str]:
            if wall.lets_through(request.headers):
                return 200, {"Content-Type": "text/html; charset=utf-8"}, page
            return 403, {"Content-Type": "text/html; charset=utf-8"}, wall.page()

        self.routes[path] = route
        return path

    def late_article(self, name: str) -> str:
        """An article whose body a script shows 2 s after the page loaded, for every client
        (written for these tests: a challenge that lets the content through in place, with no
        navigation). Until then its body div lacks RFI's class, so the plain answer has no
        article markup. The 2 s leave the browser ample time to see the page without it first."""
        path = article_path(name)
        page = article_variant(path, f"测试文章 {name}", f"TEST-{name}").decode("utf-8")
        hidden = BODY_OPEN.replace("t-content__body", "t-content__body-pending")
        reveal = ("<script>window.addEventListener('load', function () { setTimeout(function () {"
                  " document.querySelector('.t-content__body-pending').className ="
                  " 't-content__body u-clearfix'; }, 2000); });</script></body>")
        page = page.replace(BODY_OPEN, hidden).replace("</body>", reveal, 1)
        self.write(path, page)
        return path

    def never_rendering_article(self, name: str) -> str:
        """403 to plain clients; the browser's request hangs past any navigation timeout."""
        path = article_path(name)
        self.browser_only.add(path)

        def hang(request: MirrorRequest) -> tuple[int, dict[str, str], str]:
            self.release.wait(HANG_SECONDS)
            return 503, {"Content-Type": "text/plain"}, "gave up"

        self.routes[path] = hang
        return path

    def hang_route(self, prefix: str) -> None:
        """A resource that never arrives (a script that keeps a page from ever loading)."""

        def hang(request: MirrorRequest) -> tuple[int, dict[str, str], str]:
            self.release.wait(HANG_SECONDS)
            return 503, {"Content-Type": "text/plain"}, "gave up"

        self.routes[prefix] = hang

    def load_more_list(self, path: str, batches: list[list[str]], scroll: bool = False) -> ListFeed:
        """A list page whose first batch is in the HTML; the others come by "load more" (or, with
        ``scroll``, by infinite scroll)."""
        feed = ListFeed(f"/list-more{path}", batches)
        self.routes[feed.prefix] = feed
        cards = "".join(card(p, f"列表文章 {p[-2:]}") for p in batches[0])
        template = SCROLL_LIST_PAGE if scroll else LIST_PAGE
        self.write(path, template.format(
            title="测试列表", path_q=quote(path), cards=cards, more=feed.url(1)
        ))
        return feed

    def blocked_news_sitemap(self, edition: str, paths: list[str]) -> str:
        """The edition's Google News sitemap listing ``paths``, answered 403 to plain clients (as
        RFI reportedly does to datacenter clients). Format: sitemaps.org urlset with news:."""
        entries = "".join(
            f"<url><loc>https://www.rfi.fr{quote(path)}</loc><news:news><news:publication_date>"
            f"2025-12-01T08:00:00+00:00</news:publication_date><news:title>{html.escape(path)}"
            "</news:title></news:news></url>"
            for path in paths
        )
        path = f"/sitemaps/{edition}/news.xml"
        self.write(path, '<?xml version="1.0" encoding="UTF-8"?>\n'
                   '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                   'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                   f"{entries}</urlset>")
        self.browser_only.add(path)
        return path

    def server_options(self) -> dict:
        return {"routes": self.routes, "forbid_unless_browser": sorted(self.browser_only),
                "browser_check": is_the_browser}
