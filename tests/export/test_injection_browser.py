"""Real Chromium as the judge of the attack pages (tests/support/xss.py) and of their documents.

- The real paragraphs: wherever the extractor lost one of the capture's 15 headings and
  paragraphs (or dropped the article), Chromium, parsing the same page, does not show it in the
  article's body either. Pages where the extractor kept all 15 cannot lose one that Chromium
  keeps, so this is the whole matrix's comparison, not a sample.
- The Markdown archive: the documents of our vectors in every place and of every public vector
  in the JSON-LD headline and description (where a page's text reaches a document's title and
  lead), opened raw and rendered by markdown-it, scripts allowed and every outside request
  failing: nothing runs. (Every document's markup is checked without a browser in
  test_injection.py, and bench/xss.py opens every document of the matrix.)

bench/xss.py opens every page and every document of the matrix the same way.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from rficrawl.export.markdown import render_markdown
from tests.support import xss
from tests.support.xss_browser import NOTHING_RUNS, WATCHED, Judge, PageServer

pytestmark = pytest.mark.slow
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def squeezed(text: str | None) -> str:
    return "".join((text or "").split())


@pytest.fixture(scope="module")
def judge():
    with PageServer() as server:
        judge = Judge(server)
        yield judge
        judge.close()


@pytest.fixture(scope="module")
def extracted(attack_outcomes) -> list[tuple[xss.AttackPage, object]]:
    """Every attack page with its item (None for a page dropped as not an article)."""
    return [(outcome.page, outcome.item) for outcome in attack_outcomes]


def test_no_real_paragraph_lost_that_chromium_shows(judge, extracted):
    blocks = [squeezed(block) for block in xss.real_blocks()]
    assert len(blocks) == 15
    lost: dict[str, set[int]] = {}
    by_id = {}
    for page, item in extracted:
        text = squeezed(item["body_text"]) if item else ""
        missing = {n for n, block in enumerate(blocks) if block not in text}
        if missing:
            lost[page.id] = missing
            by_id[page.id] = page
    assert lost, "no vector cost a paragraph: the comparison below would prove nothing"
    urls = [judge.server.add(f"/page/{n}", by_id[page_id].body,
                             {"content-security-policy": NOTHING_RUNS})
            for n, page_id in enumerate(lost)]
    shown = judge.body_texts(urls)
    kept_by_chromium_only = {}
    for (page_id, missing), text in zip(lost.items(), shown, strict=True):
        chromium = squeezed(text)
        only = sorted(n for n in missing if blocks[n] in chromium)
        if only:
            kept_by_chromium_only[page_id] = only
    assert kept_by_chromium_only == {}


def test_markdown_documents_run_nothing_in_chromium(judge, extracted):
    documents: dict[str, str] = {}
    for page, item in extracted:
        if item is not None and (page.vector.id.startswith("own-") or page.place == "jsonld"):
            documents.setdefault(render_markdown(item), page.id)
    assert len(documents) > len(xss.all_vectors())
    urls = {}
    for n, (document, page_id) in enumerate(documents.items()):
        rendered = ("<!doctype html><meta charset=utf-8><title>rendered</title>"
                    + RENDERER.render(document))
        urls[judge.server.add(f"/raw/{n}", document.encode("utf-8"), WATCHED)] = f"{page_id} raw"
        urls[judge.server.add(f"/rendered/{n}", rendered.encode("utf-8"),
                              WATCHED)] = f"{page_id} rendered"
    ran = judge.executions(list(urls))
    assert set(urls) <= set(ran)
    assert {urls.get(url, url): what for url, what in ran.items() if what} == {}


def test_the_judge_sees_what_runs(judge):
    """The hooks and the observer do fire: a document that runs script is reported."""
    urls = [judge.server.add(f"/control/{n}", markup.encode(), WATCHED)
            for n, markup in enumerate([
                "<p>x</p><img src=x onerror=alert(1)>",
                "<p>x</p><script>let x = 1</script>",
                "<details open ontoggle=confirm(1)>x</details>",
                "<p>x</p><a id=a href=javascript:void(0)>x</a><img src=x onerror=a.remove()>",
            ])]
    quiet = judge.server.add("/control/quiet", b"<p>nothing runs</p>", WATCHED)
    ran = judge.executions([*urls, quiet])
    assert [bool(ran[url]) for url in urls] == [True, True, True, True], ran
    assert ran[quiet] == [], ran
