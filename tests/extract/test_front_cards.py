"""Every RFI article card of a front is listed, wherever it sits; only ads and sponsored content
are not.

Three fronts in RFI's three templates: the real /cn/ front of 2025-11-30, and two pages written on
RFI's markup, testbed/pages/front-2024-es.html and front-2021-fr.html (each says what it
was modelled on). The expected links come from tests/support/front_links.py, a reading of the raw
HTML with the standard library's parser that shares no code with the extractor.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import html as lxml_html
from scrapy.http import HtmlResponse

from rficrawl.cli.main import main
from rficrawl.extract.listing import Listing, extract_listing
from rficrawl.urls import UrlKind, classify
from testbed.captures import capture_bytes, capture_path
from tests.support.front_links import decoded_paths, front_links

PAGES = Path(__file__).resolve().parents[2] / "testbed" / "pages"
PUBLIC = "https://www.rfi.fr"
# name: (where the page is, its URL, distinct dated article links, of them in highlighted asides)
FRONTS = {
    "cn-2025": ("cn-home-2025-11-30.html", f"{PUBLIC}/cn/", 48, 0),
    "es-2024": ("front-2024-es.html", f"{PUBLIC}/es/", 36, 10),
    "fr-2021": ("front-2021-fr.html", f"{PUBLIC}/fr/", 40, 12),
}
HIGHLIGHTED = re.compile(r'<aside[^>]*data-org-type="aside-content--highlighted"')
DATED_HREF = re.compile(r'href="([^"]*/\d{8}-[^"]*)"')


def page_html(name: str) -> str:
    file, _, _, _ = FRONTS[name]
    body = capture_bytes(file) if name == "cn-2025" else (PAGES / file).read_bytes()
    return body.decode("utf-8")


def listing_of(html: str, url: str) -> Listing:
    return extract_listing(HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8"))


def dated(listing: Listing) -> list[str]:
    return [e.url for e in listing.articles if classify(e.url).date is not None]


def highlighted_paths(html: str) -> set[str]:
    """Dated links inside the highlighted asides, read with a regex."""
    paths = set()
    for match in HIGHLIGHTED.finditer(html):
        aside = html[match.start():html.index("</aside>", match.start())]
        paths |= {unquote(href).removeprefix(PUBLIC) for href in DATED_HREF.findall(aside)}
    return paths


# -- 100% of the dated cards, on each template ---------------------------------------------------

@pytest.mark.parametrize("name", FRONTS)
def test_every_dated_card_of_the_front_is_listed(name):
    html = page_html(name)
    _, url, count, in_highlighted = FRONTS[name]
    expected = front_links(html, url)
    assert len(expected.found) == count
    listing = listing_of(html, url)
    assert decoded_paths(dated(listing)) == expected.found
    assert len(dated(listing)) == count  # each once
    # The cards of the highlighted asides among them, in each template that has some.
    assert len(highlighted_paths(html)) == in_highlighted
    assert highlighted_paths(html) <= decoded_paths(dated(listing))


@pytest.mark.parametrize("name", FRONTS)
def test_only_ads_and_sponsored_content_are_skipped(name):
    html = page_html(name)
    _, url, _, _ = FRONTS[name]
    expected = front_links(html, url)
    listing = listing_of(html, url)
    assert decoded_paths(listing.skipped) == expected.skipped
    assert not decoded_paths(listing.article_urls) & expected.skipped
    if name != "cn-2025":  # the written pages hold an on-site article in a sponsored block
        assert expected.skipped


# -- the 2024 page -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def es_2024() -> Listing:
    return listing_of(page_html("es-2024"), f"{PUBLIC}/es/")


def test_programme_episodes_in_highlighted_asides_are_cards(es_2024):
    by_path = {unquote(e.url).removeprefix(PUBLIC): e for e in es_2024.articles}
    carrusel = by_path["/es/programas/carrusel-de-las-artes/"
                       "20240131-el-festival-de-cómic-de-angulema-celebra-su-51-edición"]
    assert (carrusel.source, carrusel.kind, carrusel.title, carrusel.kicker) == (
        "card", UrlKind.PODCAST_EPISODE, "El festival de cómic de Angulema celebra su 51ª edición",
        "Carrusel de las artes")
    deportivo = by_path["/es/programas/el-deportivo-de-rfi/"
                        "20240128-la-copa-africana-de-naciones-entra-en-octavos"]
    assert (deportivo.source, deportivo.kicker) == ("card", "El Deportivo de RFI")
    highlighted = highlighted_paths(page_html("es-2024"))
    assert {by_path[path].source for path in highlighted} == {"card"}
    assert {by_path[path].kind for path in highlighted} == {UrlKind.PODCAST_EPISODE}


def test_cards_keep_page_order_across_lists_and_asides(es_2024):
    html = page_html("es-2024")
    expected = front_links(html, f"{PUBLIC}/es/").found
    in_page = []
    for href in DATED_HREF.findall(html):
        path = unquote(href).removeprefix(PUBLIC)
        if path in expected and path not in in_page:
            in_page.append(path)
    listed = [unquote(url).removeprefix(PUBLIC) for url in dated(es_2024)]
    assert listed == in_page


def test_hot_topic_tags_of_a_highlighted_aside_are_tags(es_2024):
    tags = [unquote(url).removeprefix(f"{PUBLIC}/es/tag/") for url in es_2024.tags]
    assert tags[:3] == ["elecciones-en-estados-unidos/", "guerra-en-ucrania/", "israel-hamás/"]


def test_the_sponsors_see_all_link_and_the_ad_are_not_followed(es_2024):
    assert f"{PUBLIC}/es/socios/" not in es_2024.sections
    assert [unquote(url) for url in es_2024.skipped] == [
        f"{PUBLIC}/es/contenido-de-marca/20240130-descubra-madeira-todo-el-año",
        f"{PUBLIC}/es/socios/20240126-feria-internacional-del-libro-de-guadalajara-rfi-socio",
    ]


def test_the_listing_command_shows_what_it_skipped(capsys):
    assert main(["listing", str(PAGES / "front-2024-es.html"), "--format", "summary"]) == 0
    summary = capsys.readouterr().out
    assert "articles: 39" in summary  # 36 dated cards and the news feed's 3 undated wire items
    assert "skipped: 2" in summary
    assert "  https://www.rfi.fr/es/socios/20240126-feria-internacional" in summary


# -- the 2021 page -------------------------------------------------------------------------------

LINKGRAPH = "linkgraph-fr-2021-12-09.tsv"
_STEP = re.compile(r"(?P<tag>[a-z0-9]+)(?:\[@(?P<attr>class|id)='(?P<value>[^']*)'\])?"
                   r"(?:\[\d+\])?$")


def _matches(anchor, xpath: str) -> bool:
    """The anchor sits where the link graph's XPath says: same tags from <body> down, and the
    class or id the XPath names where it names one."""
    steps = [_STEP.match(step) for step in xpath.split("/") if step]
    chain = [*reversed(list(anchor.iterancestors())), anchor]
    chain = chain[[element.tag for element in chain].index("body"):]
    if len(steps) != len(chain):
        return False
    for step, element in zip(steps, chain, strict=True):
        if step["tag"] != element.tag:
            return False
        if step["attr"] == "class" and step["value"] not in (element.get("class") or "").split():
            return False
        if step["attr"] == "id" and element.get("id") != step["value"]:
            return False
    return True


def test_the_2021_page_puts_its_links_where_the_2021_front_had_them():
    with capture_path(LINKGRAPH).open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t")
                if row["source_url"] == f"{PUBLIC}/fr/" and re.search(r"/\d{8}-", row["target_url"])]
    shapes = {re.sub(r"\[\d+\]", "", row["link_xpath"]) for row in rows}
    assert len(rows) == 61 and len(shapes) == 6
    root = lxml_html.fromstring((PAGES / "front-2021-fr.html").read_bytes())
    anchors = [a for a in root.iter("a") if re.search(r"/\d{8}-", a.get("href", ""))]
    skipped = {path for path in front_links(page_html("fr-2021"), f"{PUBLIC}/fr/").skipped}
    placed = [a for a in anchors if unquote(a.get("href")).removeprefix(PUBLIC) not in skipped]
    # Every dated link of the page sits where one sat that day, and every place is used.
    assert [a.get("href") for a in placed if not any(_matches(a, s) for s in shapes)] == []
    assert [s for s in shapes if not any(_matches(a, s) for a in placed)] == []


def test_a_2021_card_link_wrapping_the_card_gives_the_title_alone():
    listing = listing_of(page_html("fr-2021"), f"{PUBLIC}/fr/")
    first = listing.articles[0]
    assert (first.title, first.kicker) == ("Allemagne: le nouveau chancelier attendu à Paris",
                                           "Europe")
    feed = [e for e in listing.articles if e.source == "newsfeed"]
    assert len(feed) == 5 and feed[0].title == "Biden met en garde contre «les défis» de la démocratie"
    assert feed[0].published_at is not None


# Modelled on the /sw/ front of the 2021 link graph: the main card's own link at
# section.t-content__section-pb/div/div[1]/a, its related stories at
# div[1]/div/a.m-list-main-related__article (div.m-list-main-related, as public scrapers of the
# France Médias Monde fronts read it), then the list.
MAIN_WITH_RELATED = """<!DOCTYPE html>
<!-- Hand-written test page modelled on the 2021 /sw/ front's main card (see the test module). -->
<html lang="sw"><head><meta charset="utf-8"><title>RFI Kiswahili</title></head><body><main>
<div class="t-content t-content--page-builder"><section class="t-content__section-pb">
<div class="o-banana-split">
 <div class="m-item-list-article m-item-list-article--main-article" data-article-list>
  <a href="/sw/afrika/20211209-habari-kuu" data-article-item-link><p class="article__title">Habari kuu</p></a>
  <div class="m-list-main-related">
   <a class="m-list-main-related__article" href="/sw/afrika/20211118-habari-inayohusiana-1"><h2>Inayohusiana 1</h2></a>
   <a class="m-list-main-related__article" href="/sw/afrika/20210211-habari-inayohusiana-2"><h2>Inayohusiana 2</h2></a>
  </div>
 </div>
 <div class="o-layout-list">
  <div class="o-layout-list__item"><div class="m-item-list-article" data-article-list><a href="/sw/ulaya/20211209-habari-ya-ulaya" data-article-item-link><p class="article__title">Ulaya</p></a></div></div>
 </div>
</div></section></div></main></body></html>
"""


def test_related_stories_of_a_main_card_are_cards_in_page_order():
    listing = listing_of(MAIN_WITH_RELATED, f"{PUBLIC}/sw/")
    assert [(unquote(e.url).removeprefix(PUBLIC), e.title, e.source) for e in listing.articles] == [
        ("/sw/afrika/20211209-habari-kuu", "Habari kuu", "card"),
        ("/sw/afrika/20211118-habari-inayohusiana-1", "Inayohusiana 1", "card"),
        ("/sw/afrika/20210211-habari-inayohusiana-2", "Inayohusiana 2", "card"),
        ("/sw/ulaya/20211209-habari-ya-ulaya", "Ulaya", "card"),
    ]


# -- each marker, alone ----------------------------------------------------------------------------

LINK = '<a href="/fr/afrique/20240131-un-article">Un article</a>'
# Each block wraps LINK. Ad and sponsored markers: the ad server's slots and RFI's ad blocks (as
# in the /cn/ capture), the sponsors aside, a sponsor or partner modifier, Outbrain's widget
# (div.OUTBRAIN[data-widget-id], rendered as div.ob-widget) and Taboola's (div#taboola-..., rendered
# as div.trc_related_container), a rel="sponsored" link. Not markers: the wrappers that put an ad
# beside a list (from the capture), a highlighted aside, an aside's own header, classes that
# merely contain "ad", "sponsor" or "partner" letters.
MARKED = {
    "ad slot": '<div class="m-block-ad m-block-ad--h300" data-tms-ad-type="box">{}</div>',
    "ad container": '<div data-tms-ad-container class="o-ad-container"><div>{}</div></div>',
    "sponsoring": '<div class="o-ad-sponsoring">{}</div>',
    "ad beside a list": ('<div class="o-block-ad-n-layout-list"><div class="o-block-ad-n-layout-'
                         'list__block-ad">{}</div></div>'),
    "sponsors aside": '<aside data-org-type="aside-content--sponsors" class="o-aside-content">{}</aside>',
    "partners aside": '<aside data-org-type="aside-content--partners">{}</aside>',
    "sponsored card": ('<div class="m-item-list-article m-item-list-article--sponsored" '
                       'data-article-list>{}</div>'),
    "partner block": '<div class="o-aside-content o-aside-content--partner">{}</div>',
    "outbrain": ('<div class="OUTBRAIN" data-src="https://www.rfi.fr/fr/" data-widget-id="AR_1">'
                 '<div class="ob-widget ob-feed-layout">{}</div></div>'),
    "taboola": ('<div id="taboola-below-article-thumbnails"><div class="trc_related_container">'
                '{}</div></div>'),
    "sponsored link": '<p>{}</p>',
}
NOT_MARKED = {
    "list beside an ad": ('<div data-org-type="block-ad-n-layout-list--3rows-2cols" class="o-block-'
                          'ad-n-layout-list"><div class="o-block-ad-n-layout-list__layout-list">'
                          '{}</div></div>'),
    "news feed beside an ad": ('<div class="o-block-ad-n-newsfeed o-banana-split__ad-n-newsfeed">'
                               '<aside data-org-type="banana-split">{}</aside></div>'),
    "list item with an ad": '<div class="o-layout-list__item o-layout-list__item--with-ad">{}</div>',
    "highlighted aside": ('<aside data-org-type="aside-content--highlighted" class="o-aside-content '
                          'o-aside-content--highlighted">{}</aside>'),
    "an aside's header": '<aside class="o-aside-content"><header>{}</header></aside>',
    "look-alike classes": ('<div class="u-adaptative-size a-sponsor-logo m-partnership-banner" '
                           'id="taboola">{}</div>'),
}


def _page(block: str, link: str = LINK) -> str:
    return f"<html><body><main>{block.format(link)}</main></body></html>"


@pytest.mark.parametrize("marker", MARKED)
def test_a_marked_block_is_skipped(marker):
    link = LINK.replace("<a ", '<a rel="nofollow sponsored" ') if marker == "sponsored link" else LINK
    html = _page(MARKED[marker], link)
    listing = listing_of(html, f"{PUBLIC}/fr/")
    assert listing.articles == []
    assert listing.skipped == [f"{PUBLIC}/fr/afrique/20240131-un-article"]
    assert front_links(html, f"{PUBLIC}/fr/").skipped == {"/fr/afrique/20240131-un-article"}


@pytest.mark.parametrize("block", NOT_MARKED)
def test_a_block_that_is_not_an_ad_is_read(block):
    html = _page(NOT_MARKED[block])
    listing = listing_of(html, f"{PUBLIC}/fr/")
    assert listing.article_urls == [f"{PUBLIC}/fr/afrique/20240131-un-article"]
    assert listing.skipped == []
    assert front_links(html, f"{PUBLIC}/fr/").found == {"/fr/afrique/20240131-un-article"}


def test_a_link_an_ad_repeats_is_followed_where_rfi_lists_it():
    html = _page('<div class="o-layout-list">{}</div>' + MARKED["ad slot"].replace("{}", LINK))
    listing = listing_of(html, f"{PUBLIC}/fr/")
    assert listing.article_urls == [f"{PUBLIC}/fr/afrique/20240131-un-article"]
    assert listing.skipped == []
