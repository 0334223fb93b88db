"""Every attack page and every Markdown document of the XSS matrix, judged by real Chromium.

tests/export/test_injection_browser.py opens the pages where the extractor lost a paragraph and
the documents of the JSON-LD place; this script opens all of them the same way
(tests/support/xss_browser.py), which takes minutes on a loaded machine:

- pages: every vector (../shared/xss and our own) in every place of the real article capture,
  through ``extract_article``; for each page where the extractor lost one of the capture's 15
  real headings and paragraphs (or dropped the article), whether Chromium shows it;
- documents: every item's Markdown archive document, raw and rendered by markdown-it, opened with
  scripts allowed and every outside request failing; what ran, by hooks and a mutation observer.

It prints the counts; target: 0 exceptions, 0 paragraphs that only Chromium keeps, 0 executions.

    .venv/bin/python bench/xss.py [--places jsonld,meta,...]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from markdown_it import MarkdownIt

from rficrawl.export.markdown import render_markdown
from rficrawl.extract.article import NotAnArticle, extract_article
from tests.extract import pages
from tests.support import xss
from tests.support.xss_browser import NOTHING_RUNS, WATCHED, Judge, PageServer

RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def squeezed(text: str | None) -> str:
    return "".join((text or "").split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--places", default=",".join(xss.PLACES),
                        help="comma-separated places to inject into (default: all)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the repair of each control character, logged per page
    started = time.perf_counter()
    blocks = [squeezed(block) for block in xss.real_blocks()]
    attack = list(xss.attack_pages(xss.all_vectors(), places=tuple(args.places.split(","))))
    errors, lost, documents = [], {}, {}
    for page in attack:
        try:
            item = extract_article(pages.response(page.body))
        except NotAnArticle:
            item = None
        except Exception as exc:  # noqa: BLE001 (counted, not raised: the figure is the count)
            errors.append(f"{page.id}: {type(exc).__name__}: {exc}")
            continue
        text = squeezed(item["body_text"]) if item else ""
        missing = {n for n, block in enumerate(blocks) if block not in text}
        if missing:
            lost[page.id] = (page, missing)
        if item is not None:
            documents.setdefault(render_markdown(item), page.id)
    print(f"{len(attack)} pages extracted in {time.perf_counter() - started:.1f} s: "
          f"{len(errors)} exceptions, {len(lost)} pages missing a real paragraph")
    for error in errors[:10]:
        print("  exception", error)
    with PageServer() as server:
        judge = Judge(server)
        try:
            urls = [server.add(f"/page/{n}", page.body, {"content-security-policy": NOTHING_RUNS})
                    for n, (page, _) in enumerate(lost.values())]
            shown = [squeezed(text) for text in judge.body_texts(urls)]
            only_chromium = {page_id: sorted(n for n in missing if blocks[n] in text)
                             for (page_id, (_, missing)), text in zip(lost.items(), shown,
                                                                      strict=True)}
            only_chromium = {page_id: ns for page_id, ns in only_chromium.items() if ns}
            print(f"{len(lost)} pages opened in Chromium: {len(only_chromium)} lose a paragraph "
                  "that Chromium shows")
            for page_id, ns in list(only_chromium.items())[:10]:
                print("  lost", page_id, ns)
            names = {}
            for n, (document, page_id) in enumerate(documents.items()):
                rendered = ("<!doctype html><meta charset=utf-8><title>rendered</title>"
                            + RENDERER.render(document))
                names[server.add(f"/raw/{n}", document.encode("utf-8"), WATCHED)] = f"{page_id} raw"
                names[server.add(f"/rendered/{n}", rendered.encode("utf-8"),
                                 WATCHED)] = f"{page_id} rendered"
            ran = judge.executions(list(names))
            executed = {names.get(url, url): what for url, what in ran.items() if what}
            print(f"{len(names)} Markdown documents (raw and rendered) opened in Chromium: "
                  f"{len(executed)} ran something")
            for name, what in list(executed.items())[:10]:
                print("  ran", name, what[:3])
        finally:
            judge.close()
    print(f"total {time.perf_counter() - started:.1f} s")
    return 1 if errors or only_chromium or executed else 0


if __name__ == "__main__":
    sys.exit(main())
