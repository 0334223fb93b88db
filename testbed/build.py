"""Build a local mirror of rfi.fr for spider tests, ``make demo`` and bench/crawl.py.

The mirror is written at test time into a directory that ``testbed.server.MirrorServer`` serves.
It is made of:

- the real captures (``../shared/fixtures/rfi``), read through testbed/captures.py and never
  copied into the project: the /cn/ front as it is, and article pages *derived* from the article
  capture's bytes (new URL, title, content_id, dates and one paragraph of distinct text);
- small hand-written pages under testbed/pages/ (each says what it was modelled on): section
  fronts and their pager pages, the /tw/ front, archive year and day pages, an article template;
- RSS feeds and sitemaps generated here in the formats RFI serves (RSS 2.0; sitemaps.org urlset and
  sitemapindex with Google News ``news:`` entries), and a robots.txt.

``build_mirror(root, use_captures=False)`` needs no captures at all (hand-written pages only): that
is the variant ``make demo`` serves on a fresh clone.

The returned :class:`Mirror` says what the site holds (which list pages, feeds, sitemaps and archive
days link which articles, and each article's date), so that tests compute the articles a spider
must find from the site's description, not from the spider's output.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from string import Template
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from testbed.captures import capture_bytes

PUBLIC = "https://www.rfi.fr"
PAGES = Path(__file__).resolve().parent / "pages"
PARIS = ZoneInfo("Europe/Paris")
HOME_CAPTURE = "cn-home-2025-11-30.html"
ARTICLE_CAPTURE = "cn-article-2025-11-30.html"
# The section of /cn/ with a three-page list (pager), the podcast, the video article and the
# robots.txt-disallowed and off-site links.
PAGED_SECTION = "中国"
ARCHIVE_WORDS = {"cn": "档案资料库", "tw": "檔案資料庫"}
TAG_FEED = ("cn", "台海")


def public_url(path: str) -> str:
    """The public URL of a site path, percent-encoded as RFI writes its hrefs."""
    return PUBLIC + quote(path, safe="/-%")


def site_path(url: str) -> str:
    """The decoded path of a public URL or of a path (what the mirror server looks up)."""
    return unquote(urlsplit(url).path)


@dataclass
class MirrorArticle:
    url: str  # public, percent-encoded
    published_at: dt.datetime
    edition: str
    title: str
    media: str = ""  # "audio" or "video" for podcast episodes and video articles
    content_id: str = ""  # the datalayer's content_id written into the page


@dataclass
class Mirror:
    root: Path
    articles: dict[str, MirrorArticle] = field(default_factory=dict)
    # Public URL of a front or list -> its pages (page 1 first) -> article URLs on each page.
    lists: dict[str, list[list[str]]] = field(default_factory=dict)
    tag_lists: dict[str, list[list[str]]] = field(default_factory=dict)  # same, for tag lists
    # Edition -> year -> archive day URLs; day URL -> pages -> article URLs.
    archive_years: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    archive_days: dict[str, list[list[str]]] = field(default_factory=dict)
    feeds: dict[str, list[str]] = field(default_factory=dict)  # feed URL -> article URLs
    news_sitemaps: dict[str, list[str]] = field(default_factory=dict)  # edition -> URLs
    monthly_sitemaps: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # ed -> YYYYMM
    disallowed: set[str] = field(default_factory=set)  # article URLs robots.txt forbids
    offsite: list[str] = field(default_factory=list)  # off-site links placed on list pages

    # --- what each spider must find ----------------------------------------------------------

    def fronts_articles(self, editions: list[str], max_pages: int = 10,
                        sections: list[str] | None = None, tags: list[str] | None = None) -> set[str]:
        """What ``fronts`` finds: fronts and sections by default, or the sections and tags given."""
        chosen = sections is not None or tags is not None
        lists = []
        for list_url, pages in self.lists.items():
            parts = [p for p in site_path(list_url).split("/") if p]
            if parts[0] in editions and (not chosen or parts[1:2] and parts[1] in (sections or [])):
                lists.append(pages)
        for list_url, pages in self.tag_lists.items():
            parts = [p for p in site_path(list_url).split("/") if p]
            if parts[0] in editions and parts[-1] in (tags or []):
                lists.append(pages)
        return self._fetchable({url for pages in lists for page in pages[:max_pages] for url in page})

    def archive_articles(self, editions: list[str]) -> set[str]:
        found: set[str] = set()
        for edition in editions:
            for days in self.archive_years.get(edition, {}).values():
                for day in days:
                    for page in self.archive_days[day]:
                        found.update(page)
        return self._fetchable(found)

    def feed_articles(self, feed_urls: list[str]) -> set[str]:
        return self._fetchable({url for feed in feed_urls for url in self.feeds.get(feed, [])})

    def sitemap_articles(self, editions: list[str]) -> set[str]:
        found: set[str] = set()
        for edition in editions:
            found.update(self.news_sitemaps.get(edition, []))
            for urls in self.monthly_sitemaps.get(edition, {}).values():
                found.update(urls)
        return self._fetchable(found)

    def in_range(self, urls: set[str], since: dt.datetime | None = None,
                 until: dt.datetime | None = None) -> set[str]:
        """The articles of ``urls`` published in [since, until)."""
        return {
            url for url in urls
            if (since is None or self.articles[url].published_at >= since)
            and (until is None or self.articles[url].published_at < until)
        }

    def _fetchable(self, urls: set[str]) -> set[str]:
        return {url for url in urls if url in self.articles and url not in self.disallowed}


# --- Page makers ---------------------------------------------------------------------------------


def _template(name: str) -> Template:
    return Template((PAGES / name).read_text(encoding="utf-8"))


def _first(pattern: str, text: str, what: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise ValueError(f"article template has no {what} (pattern {pattern!r})")
    return match.group(1)


def _display(when: dt.datetime) -> str:
    return when.astimezone(PARIS).strftime("%d/%m/%Y - %H:%M")


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class ArticleDeriver:
    """Copies of an RFI article page with another URL, title, id, dates and text.

    The originals are read from the template itself (canonical link, h1, datalayer content_id,
    article:published_time), so the same code derives from the real capture and from
    testbed/pages/article.html.
    """

    def __init__(self, template: str):
        self.template = template
        url = _first(r'<link rel="canonical" href="([^"]+)"', template, "canonical link")
        self.path = urlsplit(url).path
        self.title = _first(r'<h1 class="t-content__title[^"]*">([^<]+)</h1>', template, "h1 title")
        self.content_id = _first(r'"content_id": "([^"]+)"', template, "content_id")
        self.published = _first(r'article:published_time" content="([^"]+)"', template, "date")
        self.modified = _first(r'article:modified_time" content="([^"]+)"', template, "modified")
        published = dt.datetime.fromisoformat(self.published)
        self.display = _display(published)
        self.day, self.time = self.published[:10], self.published[11:19]
        body = template.index('class="t-content__body')
        self.note_at = template.index("<p>", body)

    def page(self, article: MirrorArticle, content_id: str, note: str) -> str:
        path = urlsplit(article.url).path
        when = article.published_at
        text = self.template[: self.note_at] + f"<p>{html.escape(note)}</p>" + self.template[self.note_at:]
        for old, new in (
            (self.path, path),
            (self.path.replace("/", "\\/"), path.replace("/", "\\/")),
            (self.title, html.escape(article.title)),
            (self.content_id, content_id),
            (self.published, _iso(when)),
            (self.modified, _iso(when + dt.timedelta(minutes=5))),
            (self.display, _display(when)),
            (f'"publication_date": "{self.day}"', f'"publication_date": "{when:%Y-%m-%d}"'),
            (f'"publication_time": "{self.time}"', f'"publication_time": "{when:%H:%M:%S}"'),
        ):
            text = text.replace(old, new)
        if article.media:
            text = text.replace('"@type": "NewsArticle",', '"@type": "NewsArticle",' + _media_jsonld(article), 1)
        return text


def _media_jsonld(article: MirrorArticle) -> str:
    # RFI's JSON-LD for audio items: audio{contentUrl, duration, thumbnailUrl} (RFI-SITE.md).
    slug = urlsplit(article.url).path.rsplit("/", 1)[-1]
    if article.media == "audio":
        return (f' "audio": {{"@type": "AudioObject", "contentUrl": '
                f'"https://aod-rfi.akamaized.net/rfi/test/{slug}.mp3", "duration": "PT5M30S"}},')
    return (f' "video": {{"@type": "VideoObject", "contentUrl": '
            f'"https://rfi-vod.akamaized.net/test/{slug}.mp4", "duration": "PT2M"}},')


def card(url: str, title: str, when: dt.datetime | None = None) -> str:
    """An article card as on RFI fronts (div.m-item-list-article[data-article-list], 2025)."""
    href = urlsplit(url).path if url.startswith(PUBLIC) else url
    date = (f'\n        <div class="article__date"><time datetime="{_iso(when)}">{_display(when)}</time></div>'
            if when else "")
    return f"""    <div class="m-item-list-article" data-article-list>
        <a class="m-item-image m-item-image--16x9" href="{href}" data-article-item-link aria-hidden="true" tabindex="-1"></a>
        <div class="article__infos">
            <div class="article__title "><a href="{href}" data-article-item-link><h2 aria-level="3">{html.escape(title)}</h2></a></div>{date}
        </div>
    </div>"""


def pager(list_url: str, pages: int, current: int) -> str:
    """RFI's list pager: div#pager ol li.m-pagination__item a; page N at {list-url}{N}/."""
    if pages < 2:
        return ""
    path = urlsplit(list_url).path
    base = path if path.endswith("/") else path + "/"
    items = []
    for number in range(1, pages + 1):
        href = path if number == 1 else f"{base}{number}/"
        mark = ' aria-current="page"' if number == current else ""
        items.append(f'<li class="m-pagination__item"><a href="{href}"{mark}>{number}</a></li>')
    return f'<div id="pager"><ol>{"".join(items)}</ol></div>'


def rss(channel_url: str, title: str, articles: list[MirrorArticle]) -> str:
    """An RSS 2.0 feed as RFI serves /{ed}/rss (title, link, guid, pubDate RFC 822, description)."""
    items = "".join(
        f"""
    <item>
      <title>{html.escape(a.title)}</title>
      <link>{a.url}</link>
      <guid isPermaLink="true">{a.url}</guid>
      <pubDate>{format_datetime(a.published_at.astimezone(dt.UTC))}</pubDate>
      <description>{html.escape(a.title)}</description>
    </item>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by testbed/build.py, modelled on RFI's RSS 2.0 feeds (/{{ed}}/rss). -->
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>{html.escape(title)}</title>
    <link>{channel_url}</link>
    <description>{html.escape(title)}</description>{items}
  </channel>
</rss>
"""


def news_sitemap(articles: list[MirrorArticle], language: str) -> str:
    """A Google News sitemap as RFI serves /sitemaps/{ed}/news.xml."""
    urls = "".join(
        f"""
  <url>
    <loc>{a.url}</loc>
    <lastmod>{_iso(a.published_at)}</lastmod>
    <news:news>
      <news:publication><news:name>RFI</news:name><news:language>{language}</news:language></news:publication>
      <news:publication_date>{_iso(a.published_at)}</news:publication_date>
      <news:title>{html.escape(a.title)}</news:title>
      <news:keywords>test</news:keywords>
    </news:news>
    <image:image><image:loc>https://s.rfi.fr/media/display/test/w:1280/p:16x9/test.jpg</image:loc></image:image>
  </url>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by testbed/build.py, modelled on RFI's Google News sitemaps. -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{urls}
</urlset>
"""


def sitemap_index(children: list[tuple[str, dt.datetime]]) -> str:
    entries = "".join(
        f"\n  <sitemap><loc>{url}</loc><lastmod>{_iso(when)}</lastmod></sitemap>" for url, when in children
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by testbed/build.py, modelled on RFI's /sitemaps/{{ed}}/index.xml. -->
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}
</sitemapindex>
"""


def urlset(articles: list[MirrorArticle]) -> str:
    entries = "".join(
        f"\n  <url><loc>{a.url}</loc><lastmod>{_iso(a.published_at)}</lastmod></url>" for a in articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by testbed/build.py, modelled on RFI's monthly contents_YYYYMM.xml. -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}
</urlset>
"""


# --- The builder ---------------------------------------------------------------------------------


class MirrorBuilder:
    """Writes pages under ``root`` and records them in a :class:`Mirror`."""

    def __init__(self, root: Path, article_template: str):
        self.root = root
        self.mirror = Mirror(root)
        self.deriver = ArticleDeriver(article_template)
        self.front = _template("front.html")
        self._serial = 0

    def write(self, url_or_path: str, content: str | bytes) -> None:
        path = site_path(url_or_path)
        target = self.root.joinpath(*[p for p in path.split("/") if p])
        if path.endswith("/"):
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        target.write_bytes(content)

    def article(self, path: str, when: dt.datetime, media: str = "", title: str = "") -> MirrorArticle:
        """Write a derived article page at ``path`` (decoded site path) published at ``when``."""
        self._serial += 1
        edition = path.strip("/").split("/")[0]
        url = public_url(path)
        content_id = f"TEST{self._serial:06d}-RFI-{edition.upper()}-{when:%Y%m%d}"
        article = MirrorArticle(url, when, edition, title or f"镜像测试文章 {edition} {self._serial}",
                                media, content_id)
        note = f"镜像副本 {self._serial}：这一段文字只属于 {path}。"
        self.write(url, self.deriver.page(article, content_id, note))
        self.mirror.articles[url] = article
        return article

    def front_page(self, list_url: str, edition: str, title: str, pages: list[list[MirrorArticle]],
                   *, extra_cards: str = "", archive_years: list[int] = (),
                   content_type: str = "section") -> None:
        years = "\n".join(
            f'<li class="o-aside-content__archive-years__year"><a class="a-archive-link" '
            f'href="{quote(f"/{edition}/{ARCHIVE_WORDS[edition]}/{year}/")}">{year}</a></li>'
            for year in archive_years
        )
        rss_url = list_url + "rss"
        for number, articles in enumerate(pages, start=1):
            cards = "\n".join(card(a.url, a.title, a.published_at) for a in articles)
            page_url = list_url if number == 1 else f"{list_url}{number}/"
            self.write(page_url, self.front.substitute(
                lang="zh", title=html.escape(title), canonical=page_url, rss=rss_url,
                cards=cards + (extra_cards if number == 1 else ""),
                pager=pager(list_url, len(pages), number), archive_years=years,
                content_type=content_type, edition=edition,
            ))
        self.mirror.lists[list_url] = [[a.url for a in page] for page in pages]

    def feed(self, feed_url: str, channel_url: str, title: str, articles: list[MirrorArticle]) -> None:
        self.write(feed_url, rss(channel_url, title, articles))
        self.mirror.feeds[feed_url] = [a.url for a in articles]


def _at(day: str, hour: int = 8) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def build_mirror(root: Path, *, use_captures: bool = True) -> Mirror:
    """Write the test mirror under ``root`` (created) and describe it.

    With ``use_captures`` the /cn/ front is the real capture and every article derives from the
    real article capture (a test skips where ../shared is absent); without, only hand-written pages.
    """
    from rficrawl.editions import get_edition

    root.mkdir(parents=True, exist_ok=True)
    if use_captures:
        template = capture_bytes(ARTICLE_CAPTURE).decode("utf-8")
    else:
        template = (PAGES / "article.html").read_text(encoding="utf-8")
    b = MirrorBuilder(root, template)
    m = b.mirror
    cn, tw = get_edition("cn"), get_edition("tw")

    # /cn/ front: the real capture and an article for each of its links, or a hand-written front.
    if use_captures:
        home = _real_home_articles(b)
        b.write("/cn/", capture_bytes(HOME_CAPTURE))
        m.lists[public_url("/cn/")] = [[a.url for a in home]]
    else:
        home = [b.article(f"/cn/国际/202511{29 + n % 2}-首页文章-{n}", _at(f"2025-11-{29 + n % 2}", 6 + n))
                for n in range(6)]
        b.front_page(public_url("/cn/"), "cn", "法广", [home], archive_years=[2025, 2024],
                     content_type="homepage")

    # Section fronts: 中国 has three pages (pager), a podcast episode, a video article, a page
    # robots.txt forbids, off-site links and a card repeated from the home page.
    paged = public_url(f"/cn/{PAGED_SECTION}/")
    pages = [
        [b.article(f"/cn/{PAGED_SECTION}/202511{27 - p}-分页文章-{p}-{n}", _at(f"2025-11-{27 - p}", 9 + n))
         for n in range(4)]
        for p in range(3)
    ]
    podcast = b.article("/cn/专栏检索/法广视角/20251127-播客节目-1", _at("2025-11-27", 5), media="audio")
    video = b.article(f"/cn/{PAGED_SECTION}/20251127-视频新闻-1", _at("2025-11-27", 4), media="video")
    blocked = b.article(f"/cn/{PAGED_SECTION}/20251126-robots-blocked", _at("2025-11-26"))
    m.disallowed.add(blocked.url)
    m.offsite = ["https://savoirs.rfi.fr/zh/apprendre-enseigner/test",
                 "https://www.facebook.com/RFI.Chinese/posts/1"]
    pages[0] += [podcast, video, blocked, home[0]]
    offsite_cards = "\n" + "\n".join(card(url, "站外链接") for url in m.offsite)
    b.front_page(paged, "cn", PAGED_SECTION, pages, extra_cards=offsite_cards)
    # Every other registry section of /cn/ and /tw/: a one-page list with its own article and a
    # repeated one, and the section's feed.
    tw_home = [b.article(f"/tw/國際/20251130-繁體文章-{n}", _at("2025-11-30", 7 + n)) for n in range(3)]
    for edition, repeated in ((cn, home[1]), (tw, tw_home[0])):
        for n, section in enumerate(s for s in edition.sections if s != PAGED_SECTION):
            own = b.article(f"/{edition.prefix}/{section}/20251124-栏目文章-{n}", _at("2025-11-24", 1 + n % 20))
            section_url = public_url(f"/{edition.prefix}/{section}/")
            b.front_page(section_url, edition.prefix, section, [[own, repeated]])
            b.feed(public_url(f"/{edition.prefix}/{section}/rss"), section_url, section, [own])

    # /tw/: a hand-written front (the second edition crawled at once with /cn/).
    b.front_page(public_url("/tw/"), "tw", "法廣", [tw_home], content_type="homepage")

    _archives(b, home)
    _feeds(b, home, pages, tw_home)
    _sitemaps(b, home, tw_home, cn.language, tw.language)
    b.write("/robots.txt", (
        "# Generated by testbed/build.py, modelled on rfi.fr/robots.txt (sitemaps listed)\n"
        "User-agent: *\n"
        f"Disallow: {urlsplit(blocked.url).path}\n"
        f"Sitemap: {PUBLIC}/sitemaps/cn/index.xml\n"
    ))
    return m


def _real_home_articles(b: MirrorBuilder) -> list[MirrorArticle]:
    """An article page for every article the real /cn/ front links, dated by its URL."""
    from scrapy.http import HtmlResponse

    from rficrawl.extract.listing import extract_listing

    body = capture_bytes(HOME_CAPTURE)
    listing = extract_listing(HtmlResponse(PUBLIC + "/cn/", body=body, encoding="utf-8"))
    articles = []
    for n, entry in enumerate(listing.articles):
        path = site_path(entry.url)
        match = re.search(r"/(\d{8})-", path)
        day = f"{match[1][:4]}-{match[1][4:6]}-{match[1][6:]}" if match else "2025-11-30"
        articles.append(b.article(path, _at(day, n % 20), title=entry.title or ""))
    return articles


def _archives(b: MirrorBuilder, home: list[MirrorArticle]) -> None:
    """Year pages 2025 and 2024 of /cn/ and their day pages (2025-11-30 has two pages)."""
    m = b.mirror
    word = ARCHIVE_WORDS["cn"]
    year_page, day_page = _template("archive-year.html"), _template("archive-day.html")
    # Day pages as one list each (whether RFI paginates long days is not known).
    days = {
        "2025-11-30": [home[:2] + [b.article(f"/cn/中国/20251130-档案文章-{n}", _at("2025-11-30", 2 + n))
                                   for n in range(4)]],
        "2025-11-28": [[b.article(f"/cn/中国/20251128-档案文章-{n}", _at("2025-11-28", 3 + n)) for n in range(2)]],
        "2024-10-15": [[b.article(f"/cn/中国/20241015-档案文章-{n}", _at("2024-10-15", 3 + n)) for n in range(2)]],
    }
    by_year: dict[int, list[str]] = {}
    for day, pages in days.items():
        year, month, dom = day.split("-")
        day_url = public_url(f"/cn/{word}/{year}/{month}/{dom}-{int(month)}月-{year}")
        by_year.setdefault(int(year), []).append(day_url)
        for number, articles in enumerate(pages, start=1):
            entries = "\n".join(
                f'<li class="o-archive-day__list__entry"><a href="{urlsplit(a.url).path}">'
                f"{html.escape(a.title)}</a></li>" for a in articles
            )
            page_url = day_url if number == 1 else f"{day_url}/{number}/"
            # Page 1 is served from DAY/index.html, so that DAY/2/ can exist beside it.
            b.write(page_url + ("/" if number == 1 else ""), day_page.substitute(
                lang="zh", title=day, canonical=page_url, entries=entries,
                pager=pager(day_url, len(pages), number)))
        m.archive_days[day_url] = [[a.url for a in page] for page in pages]
    for year, day_urls in by_year.items():
        links = "\n".join(f'<li class="o-archive-year__list__day"><a href="{urlsplit(u).path}">'
                          f"{site_path(u).rsplit('/', 1)[-1]}</a></li>" for u in day_urls)
        year_url = public_url(f"/cn/{word}/{year}/")
        b.write(year_url, year_page.substitute(lang="zh", title=str(year), canonical=year_url, days=links))
    m.archive_years["cn"] = by_year


def _feeds(b: MirrorBuilder, home, pages, tw_home) -> None:
    rss_only = [b.article("/cn/国际/20251129-订阅文章-1", _at("2025-11-29", 12)),
                b.article("/cn/国际/20251001-订阅文章-2", _at("2025-10-01", 12))]
    b.feed(public_url("/cn/rss"), public_url("/cn/"), "法广", home[:3] + rss_only)
    section_only = b.article(f"/cn/{PAGED_SECTION}/20251129-订阅文章-3", _at("2025-11-29", 13))
    b.feed(public_url(f"/cn/{PAGED_SECTION}/rss"), public_url(f"/cn/{PAGED_SECTION}/"), PAGED_SECTION,
           [pages[0][0], section_only])
    edition, tag = TAG_FEED
    tag_only = [b.article(f"/cn/中国/20251128-标签文章-{n}", _at("2025-11-28", 14 + n)) for n in range(4)]
    tag_url = public_url(f"/{edition}/关键词/{tag}/")
    b.feed(tag_url + "rss", tag_url, tag, tag_only[:2])
    # The tag's list, two pages long (/cn/关键词/台海/2/), as RFI paginates tag lists.
    b.front_page(tag_url, edition, tag, [tag_only[:2] + [home[2]], tag_only[2:]], content_type="tag")
    b.mirror.tag_lists[tag_url] = b.mirror.lists.pop(tag_url)
    tw_only = b.article("/tw/國際/20251129-繁體訂閱-1", _at("2025-11-29", 12))
    b.feed(public_url("/tw/rss"), public_url("/tw/"), "法廣", [tw_home[0], tw_only])


def _sitemaps(b: MirrorBuilder, home, tw_home, cn_language: str, tw_language: str) -> None:
    m = b.mirror
    news_only = b.article("/cn/国际/20251130-新闻地图-1", _at("2025-11-30", 15))
    b.write("/sitemaps/cn/news.xml", news_sitemap(home[:3] + [news_only], cn_language))
    m.news_sitemaps["cn"] = [a.url for a in home[:3] + [news_only]]
    months = {
        "202511": home[3:5] + [b.article(f"/cn/国际/202511{d}-月度地图-{d}", _at(f"2025-11-{d}", 10))
                               for d in ("05", "12")],
        "202410": [b.article(f"/cn/国际/202410{d}-月度地图-{d}", _at(f"2024-10-{d}", 10)) for d in ("03", "20")],
    }
    children = []
    for month, articles in months.items():
        url = f"{PUBLIC}/sitemaps/cn/contents_{month}.xml"
        b.write(url, urlset(articles))
        children.append((url, max(a.published_at for a in articles)))
    # Not an article sitemap: listed in the index and never fetched by the sitemaps spider.
    children.append((f"{PUBLIC}/sitemaps/cn/tags.xml", _at("2025-11-30")))
    b.write("/sitemaps/cn/index.xml", sitemap_index(children))
    m.monthly_sitemaps["cn"] = {month: [a.url for a in articles] for month, articles in months.items()}

    tw_news = b.article("/tw/國際/20251130-繁體地圖-1", _at("2025-11-30", 16))
    b.write("/sitemaps/tw/news.xml", news_sitemap([tw_home[1], tw_news], tw_language))
    m.news_sitemaps["tw"] = [tw_home[1].url, tw_news.url]
    tw_month = [b.article("/tw/國際/20251110-繁體月度-1", _at("2025-11-10", 10))]
    b.write("/sitemaps/tw/contents_202511.xml", urlset(tw_month))
    b.write("/sitemaps/tw/index.xml", sitemap_index([(f"{PUBLIC}/sitemaps/tw/contents_202511.xml",
                                                      _at("2025-11-10"))]))
    m.monthly_sitemaps["tw"] = {"202511": [tw_month[0].url]}
