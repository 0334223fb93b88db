"""The two section fields: ``section``, the slug the section's URL uses (what ``-a sections``
takes and the store indexes), and ``section_name``, the name the page shows. On the /cn/ capture
they are the same word; on the 2021 fr site they often differ (linkgraph-fr-2021-12-09.tsv: the
breadcrumb links /fr/tech/ as "Technologies")."""

from __future__ import annotations

import csv
from urllib.parse import unquote, urlsplit

import pytest

from rficrawl import urls
from rficrawl.extract.article import extract_article
from testbed.captures import capture_path
from tests.extract import pages

LINKGRAPH = "linkgraph-fr-2021-12-09.tsv"


def extract(body: bytes):
    return extract_article(pages.response(body))


def breadcrumb_sections() -> list[tuple[str, str]]:
    """(section URL, anchor text) of the 2021 breadcrumbs' links to section and programme pages."""
    found = set()
    with capture_path(LINKGRAPH).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if "m-breadcrumb" not in row["link_xpath"] or not row["anchor_text"]:
                continue
            kind = urls.classify(row["target_url"]).kind
            if kind in (urls.UrlKind.SECTION, urls.UrlKind.PODCAST_SHOW):
                found.add((row["target_url"], row["anchor_text"]))
    return sorted(found)


def test_the_capture_names_its_section_the_same_in_both_fields():
    item = extract(pages.article_bytes())
    assert item["section"] == "政治"
    assert item["section_name"] == "政治"


def test_slug_and_name_of_every_section_a_2021_breadcrumb_links():
    sections = breadcrumb_sections()
    assert len(sections) >= 20
    slugs_and_names = set()
    for url, name in sections:
        item = extract(pages.filed_under(pages.article_bytes(), url, name))
        slug = unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]
        assert (item["section"], item["section_name"]) == (slug, name), url
        slugs_and_names.add((slug, name))
    # Why two fields: the slug is not the name, nor derived from it.
    assert ("tech", "Technologies") in slugs_and_names
    assert ("culture-médias", "Culture") in slugs_and_names
    assert ("radio-foot-internationale", "Radio Foot Internationale") in slugs_and_names


@pytest.mark.parametrize("strip", [pages.without_jsonld, pages.without_breadcrumbs])
def test_without_one_breadcrumb_the_other_answers_and_without_both_the_url(strip):
    body = pages.filed_under(pages.article_bytes(), "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/",
                             "中国新闻")
    item = extract(strip(body))
    if strip is pages.without_jsonld:  # the DOM's breadcrumb is left
        assert (item["section"], item["section_name"]) == ("中国", "中国新闻")
    else:  # no breadcrumb: the slug from the article's URL, the name from the meta tags
        assert (item["section"], item["section_name"]) == ("政治", "中国新闻")
