"""The attack pages' extraction, once for the modules that judge its outputs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rficrawl.extract.article import NotAnArticle, extract_article
from rficrawl.items import ArticleItem
from tests.extract import pages
from tests.support import xss


@dataclass
class Outcome:
    """What ``extract_article`` made of one attack page: an item, a drop or an exception."""

    page: xss.AttackPage
    item: ArticleItem | None = None
    dropped: str | None = None
    error: str | None = None


@pytest.fixture(scope="session")
def attack_outcomes() -> list[Outcome]:
    """Every vector of tests/support/xss.py in every place, through the extractor."""
    results = []
    for page in xss.attack_pages(xss.all_vectors()):
        try:
            results.append(Outcome(page, item=extract_article(pages.response(page.body))))
        except NotAnArticle as exc:
            results.append(Outcome(page, dropped=exc.reason))
        except Exception as exc:  # noqa: BLE001 (what is counted is that none leaves)
            results.append(Outcome(page, error=f"{type(exc).__name__}: {exc}"))
    return results
