"""The fronts spider against the mirror: exact article sets, paging, dates, max_articles."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote

from rficrawl.editions import get_edition
from testbed.build import (
    PAGED_SECTION,
    PAGES,
    PUBLIC,
    TAG_FEED,
    MirrorBuilder,
    public_url,
    site_path,
)
from tests.spiders.conftest import (
    article_paths,
    crawl,
    paris_day,
    paths_of,
    requested_twice,
)
from tests.support.front_links import front_links


def test_two_editions_at_once_find_every_front_article_once(site, server, tmp_path):
    result = crawl("fronts", server, tmp_path, {"editions": "cn,tw"})
    expected = site.fronts_articles(["cn", "tw"])
    assert len(expected) > 60
    assert result.urls() == expected
    assert len(result.items) == len(expected)  # each article scraped once
    assert {item["edition"] for item in result.items} == {"cn", "tw"}
    assert requested_twice(server) == {}
    # robots.txt forbids one article; off-site links (savoirs.rfi.fr, facebook) are never followed.
    assert not {site_path(url) for url in site.disallowed} & set(server.log.paths())
    assert result.stats.get("offsite/filtered", 0) == 0
    assert all(item["url"].startswith("https://www.rfi.fr/") for item in result.items)
    # Podcast episodes and video articles are articles, with their media.
    media = {item["url"]: [m["kind"] for m in item["media"]] for item in result.items}
    with_media = {url: [a.media] for url, a in site.articles.items() if a.media and url in expected}
    assert len(with_media) == 2
    assert {url: media[url] for url in with_media} == with_media


def test_paging_stops_at_max_pages(site, server, tmp_path):
    result = crawl("fronts", server, tmp_path,
                   {"editions": "cn", "sections": PAGED_SECTION, "max_pages": 2})
    expected = site.fronts_articles(["cn"], max_pages=2, sections=[PAGED_SECTION])
    assert result.urls() == expected
    requested = set(server.log.paths())
    assert f"/cn/{PAGED_SECTION}/2/" in requested
    assert f"/cn/{PAGED_SECTION}/3/" not in requested
    assert "/cn/" not in requested  # only the section asked for
    three_pages = site.fronts_articles(["cn"], max_pages=3, sections=[PAGED_SECTION])
    assert len(three_pages) > len(expected)


def test_since_until_hold_before_and_after_fetching(site, server, tmp_path):
    since, until = "2025-11-25", "2025-11-28"
    result = crawl("fronts", server, tmp_path, {"editions": "cn", "since": since, "until": until})
    everything = site.fronts_articles(["cn"])
    expected = site.in_range(everything, paris_day(since), paris_day(until, end=True))
    assert 0 < len(expected) < len(everything)
    assert result.urls() == expected
    # Articles dated outside the range by their URL were never fetched.
    assert article_paths(server) == paths_of(expected)


def test_max_articles_is_exact_and_fetches_no_more(site, server, tmp_path):
    result = crawl("fronts", server, tmp_path, {"editions": "cn", "max_articles": 7})
    assert len(result.items) == 7
    assert result.urls() <= site.fronts_articles(["cn"])
    assert len(article_paths(server)) == 7
    assert result.stats["finish_reason"] == "max_articles"


def test_tag_lists_are_paged_through_when_asked_for(site, server, tmp_path):
    result = crawl("fronts", server, tmp_path, {"editions": "cn", "tags": TAG_FEED[1]})
    expected = site.fronts_articles(["cn"], tags=[TAG_FEED[1]])
    assert len(expected) == 5
    assert result.urls() == expected
    assert f"/cn/关键词/{TAG_FEED[1]}/2/" in server.log.paths()
    assert "/cn/" not in server.log.paths()
    assert requested_twice(server) == {}


def _front_2024_site(root: Path) -> tuple[set[str], set[str]]:
    """A mirror whose /es/ front is testbed/pages/front-2024-es.html (the 2024 template,
    with highlighted asides, an ad slot and a sponsors aside), an article page behind every
    article link it shows (those of the ad and the sponsors too, so that following one would
    store it), and empty section fronts. Returns the decoded paths of the articles a crawl
    must fetch, and of those it must not."""
    html = (PAGES / "front-2024-es.html").read_text(encoding="utf-8")
    links = front_links(html, f"{PUBLIC}/es/")
    undated = {unquote(href) for href in
               re.findall(r'class="news__content__title"><a href="([^"]+)"', html)
               if not re.search(r"/\d{8}-", href)}
    assert len(links.found) == 36 and len(undated) == 3 and len(links.skipped) == 2
    builder = MirrorBuilder(root, (PAGES / "article.html").read_text(encoding="utf-8"))
    for path in sorted(links.found | links.skipped | undated):
        day = re.search(r"/(\d{4})(\d{2})(\d{2})-", path)
        when = dt.datetime(*map(int, day.groups()), 9, tzinfo=dt.UTC) if day else (
            dt.datetime(2024, 1, 31, 15, tzinfo=dt.UTC))
        builder.article(path, when)
    builder.write("/es/", html)
    for section in get_edition("es").sections:
        builder.front_page(public_url(f"/es/{section}/"), "es", section, [[]])
    return links.found | undated, links.skipped


def test_the_cards_of_a_2024_fronts_asides_are_fetched(mirror_server_factory, tmp_path):
    wanted, unwanted = _front_2024_site(tmp_path / "site")
    server = mirror_server_factory(tmp_path / "site")
    result = crawl("fronts", server, tmp_path / "crawl", {"editions": "es"})
    assert {unquote(site_path(url)) for url in result.urls()} == wanted
    assert len(result.items) == 39
    episodes = {path for path in wanted if path.startswith("/es/programas/")}
    assert len(episodes) == 13  # 10 in the highlighted asides, 3 in a related one
    assert episodes <= article_paths(server)
    assert not unwanted & set(server.log.paths())
    assert result.stats["rficrawl/discovery/skipped_ad_or_sponsored"] == 2
    assert requested_twice(server) == {}
