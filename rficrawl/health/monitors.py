"""The crawl's monitors: spidermon test cases over the crawl stats and the per-edition tally.

Each monitor reads like a test and fails with a message that says what is wrong, where, and the
threshold it missed. Thresholds are settings (``RFICRAWL_HEALTH_*``, defaults in the add-on), each
overridable per spider in ``RFICRAWL_HEALTH_SPIDER_THRESHOLDS`` (``{"sitemaps":
{"MAX_HTTP_ERROR_RATE": 0.1}}``); rates that vary between editions and fields are compared with
the last crawls (``rficrawl.health.history``).

``CrawlClosedSuite`` runs when the spider closes; ``PeriodicSuite`` every
``RFICRAWL_HEALTH_PERIODIC_INTERVAL`` seconds on the crawl so far (the rates that mean something
mid-crawl). Their verdicts go to the stats and the ``crawls`` record (``rficrawl.health.actions``).
"""

from __future__ import annotations

import fnmatch
from typing import Any, ClassVar

from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors import BaseScrapyMonitor

from rficrawl.extract.article import JSONLD_FIRST
from rficrawl.health.actions import notification_actions, recorder
from rficrawl.health.history import CrawlHistory, History
from rficrawl.health.tally import WATCHED_FIELDS, CrawlTally
from rficrawl.health.unreachable import failures

SETTING_PREFIX = "RFICRAWL_HEALTH_"
DROPPED = "rficrawl/dropped/"


class HealthMonitor(BaseScrapyMonitor):
    """Base: thresholds by spider, the tally and the history."""

    def threshold(self, name: str) -> Any:
        """``RFICRAWL_HEALTH_<name>``, unless the spider has its own value."""
        per_spider = self.crawler.settings.getdict(f"{SETTING_PREFIX}SPIDER_THRESHOLDS")
        own = per_spider.get(self.data.spider.name) or {}
        if name in own:
            return own[name]
        return self.crawler.settings.get(SETTING_PREFIX + name)

    @property
    def tally(self) -> CrawlTally:
        return self.crawler.get_extension(CrawlTally)

    @property
    def history(self) -> History:
        extension = self.crawler.get_extension(CrawlHistory)
        return extension.history if extension else History()

    def stat(self, name: str) -> float:
        return self.data.stats.get(name, 0) or 0


@monitors.name("Articles against listings")
class ItemsAgainstListings(HealthMonitor):
    """Articles scraped against the articles the listings promised."""

    @monitors.name("Most promised articles are scraped")
    def test_items_against_promised(self):
        reason = self.data.stats.get("finish_reason")
        if reason != "finished":
            self.skipTest(f"the crawl was cut short ({reason})")
        expected = self.threshold("DROPPED_EXPECTED") or []
        # Found by the listings, less what is rightly not scraped: stored already, forbidden by
        # robots.txt, dropped for a normal reason (out of range, not an article).
        promised = (self.stat("rficrawl/discovery/articles_found")
                    - self.stat("rficrawl/known/skipped") - self.stat("robotstxt/forbidden")
                    - sum(n for reason, n in dropped_by_reason(self.data.stats).items()
                          if _matches(reason, expected)))
        limit = getattr(self.data.spider, "max_articles", None)
        if limit is not None:
            promised = min(promised, limit)
        min_articles = int(self.threshold("MIN_ARTICLES_FOR_RATES"))
        if promised < min_articles:
            self.skipTest(f"fewer than {min_articles} articles promised ({promised:.0f})")
        scraped = self.stat("item_scraped_count")
        minimum = float(self.threshold("MIN_ITEMS_RATIO"))
        self.assertGreaterEqual(
            scraped / promised, minimum,
            f"{scraped:.0f} articles scraped of {promised:.0f} the listings promised "
            f"({scraped / promised:.0%}, expected at least {minimum:.0%})")


@monitors.name("Field coverage")
class FieldCoverage(HealthMonitor):
    """Fields filled per edition: the schema's "all" fields on every article, the others at
    their usual rates."""

    @monitors.name("Every article has the fields every article has")
    def test_all_fields(self):
        minimum = float(self.threshold("MIN_RATE_ALL_FIELDS"))
        misses = []
        for edition in self.tally.editions():
            articles = self.tally.articles[edition]
            for name, expected in WATCHED_FIELDS.items():
                if expected != "all" or not articles:
                    continue
                rate = self.tally.fields[edition][name] / articles
                if rate < minimum:
                    misses.append(f"{edition}/{name} {rate:.0%} of {articles}")
        self.assertFalse(misses, f"fields missing (expected on {minimum:.0%} of the articles): "
                         + ", ".join(misses))

    @monitors.name("Other fields are filled as usual")
    def test_usual_fields(self):
        tolerance = float(self.threshold("COVERAGE_TOLERANCE"))
        min_articles = int(self.threshold("MIN_ARTICLES_FOR_RATES"))
        misses = []
        for edition in self.tally.editions():
            articles = self.tally.articles[edition]
            if articles < min_articles:
                continue
            for name, expected in WATCHED_FIELDS.items():
                usual = self.history.usual_rate(edition, name, min_articles)
                if expected != "usual" or usual is None:
                    continue
                rate = self.tally.fields[edition][name] / articles
                if rate < usual - tolerance:
                    misses.append(f"{edition}/{name} {rate:.0%} (usually {usual:.0%})")
        self.assertFalse(misses, "fields filled less than usual (tolerance "
                         f"{tolerance:.0%}): " + ", ".join(misses))


@monitors.name("HTTP and download errors")
class FetchErrors(HealthMonitor):
    """HTTP error and download error rates, of what the crawl finally got (after retries)."""

    @monitors.name("Few HTTP errors")
    def test_http_error_rate(self):
        responses = sum(self.tally.pages.values())
        if not responses:
            self.skipTest("no response")
        errors = sum(self.tally.http_errors.values())
        maximum = float(self.threshold("MAX_HTTP_ERROR_RATE"))
        codes = ", ".join(f"{key.rsplit('/', 1)[1]} ×{value}"
                          for key, value in sorted(self.data.stats.items())
                          if key.startswith("downloader/response_status_count/")
                          and key.rsplit("/", 1)[1][:1] in "45")
        self.assertLessEqual(errors / responses, maximum,
                             f"{errors} of {responses} responses were HTTP errors "
                             f"({errors / responses:.1%}, at most {maximum:.0%}): {codes}")

    @monitors.name("Few download errors")
    def test_download_error_rate(self):
        requests = self.stat("downloader/request_count")
        if not requests:
            self.skipTest("no request")
        errors = self.stat("retry/max_reached")
        maximum = float(self.threshold("MAX_DOWNLOAD_ERROR_RATE"))
        self.assertLessEqual(errors / requests, maximum,
                             f"{errors:.0f} requests failed for good after their retries, of "
                             f"{requests:.0f} ({errors / requests:.1%}, at most {maximum:.0%}): "
                             + failures(self.data.stats))


@monitors.name("Dropped articles")
class DroppedItems(HealthMonitor):
    """Dropped articles by reason, against the articles scraped."""

    @monitors.name("Few articles dropped for each reason")
    def test_dropped_by_reason(self):
        expected = self.threshold("DROPPED_EXPECTED") or []
        dropped = {reason: n for reason, n in dropped_by_reason(self.data.stats).items()
                   if not _matches(reason, expected)}
        total = self.stat("item_scraped_count") + sum(dropped.values())
        if not total:
            self.skipTest("no article")
        maximum = float(self.threshold("MAX_DROPPED_RATE"))
        over = {reason: n for reason, n in dropped.items() if n / total > maximum}
        self.assertFalse(over, "articles dropped (at most "
                         f"{maximum:.0%} of {total:.0f} for each reason): "
                         + ", ".join(f"{reason} {n}" for reason, n in sorted(over.items())))


@monitors.name("Browser escalations")
class BrowserEscalations(HealthMonitor):
    """Blocked pages the browser could not fetch either."""

    @monitors.name("Escalations to the browser succeed")
    def test_escalations(self):
        escalated = self.stat("rficrawl/browser/escalated")
        failed = self.stat("rficrawl/browser/escalation_failed")
        self.assertFalse(self.stat("rficrawl/browser/escalation_stopped"),
                         f"browser escalation stopped after {failed:.0f} failures in a row")
        if not escalated:
            self.skipTest("no page escalated to the browser")
        maximum = float(self.threshold("MAX_ESCALATION_FAILURE_RATE"))
        self.assertLessEqual(failed / escalated, maximum,
                             f"{failed:.0f} of {escalated:.0f} escalations failed "
                             f"(at most {maximum:.0%})")


@monitors.name("Extraction sources")
class ExtractionFallback(HealthMonitor):
    """The share of articles whose extraction fell back past the JSON-LD: a template change
    shows here first."""

    @monitors.name("Articles are read from their JSON-LD as usual")
    def test_fallback_share(self):
        articles = self.stat("item_scraped_count")
        min_articles = int(self.threshold("MIN_ARTICLES_FOR_RATES"))
        if articles < min_articles:
            self.skipTest(f"fewer than {min_articles} articles")
        fell = self.stat("rficrawl/extract/fell_back_past_jsonld")
        usual = self.history.usual_fallback_share(min_articles) or 0.0
        maximum = usual + float(self.threshold("MAX_FALLBACK_RISE"))
        self.assertLessEqual(
            fell / articles, maximum,
            f"{fell:.0f} of {articles:.0f} articles ({fell / articles:.0%}) had fields read "
            f"past their JSON-LD (usually {usual:.0%}, at most {maximum:.0%}): "
            + _fallback_fields(self.data.stats))


@monitors.name("New articles")
class NewArticles(HealthMonitor):
    """Editions whose fronts always had new articles and have none this time."""

    @monitors.name("Editions that always have new articles have some")
    def test_new_articles(self):
        if self.data.spider.name not in (self.threshold("ALWAYS_NEW_SPIDERS") or []):
            self.skipTest(f"{self.data.spider.name} may legitimately find nothing new")
        new = self.tally.new()
        if new is None:
            self.skipTest("nothing is stored (MONGO_URI is empty)")
        min_crawls = int(self.threshold("ALWAYS_NEW_MIN_CRAWLS"))
        crawled = [e.prefix for e in getattr(self.data.spider, "editions", [])]
        silent = [edition for edition in crawled
                  if not new[edition] and self.history.always_new(edition, min_crawls)]
        self.assertFalse(silent, "no new article in editions that had new ones in each of the "
                         f"last crawls: {', '.join(silent)}")


def dropped_by_reason(stats: Any) -> dict[str, int]:
    """Articles dropped (by the spider or the store), by reason."""
    return {key.removeprefix(DROPPED): value for key, value in stats.items()
            if key.startswith(DROPPED)}


def _matches(reason: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(reason, pattern) for pattern in patterns)


def _fallback_fields(stats: Any) -> str:
    """Which fields came from which later source, e.g. ``title←meta 12``."""
    parts = []
    for key, value in sorted(stats.items()):
        if key.startswith("rficrawl/extract/") and key.count("/") == 3:
            _, _, name, source = key.split("/")
            if source != "jsonld" and name in JSONLD_FIRST:
                parts.append(f"{name}←{source} {value}")
    return ", ".join(parts) or "none"


class HealthSuite(MonitorSuite):
    """A suite whose actions are the recorder and the notifications the settings choose."""

    kind: ClassVar[str] = "closed"

    def __init__(self, *args: Any, crawler: Any = None, **kwargs: Any) -> None:
        finished, failed = notification_actions(crawler.settings)
        super().__init__(
            *args,
            crawler=crawler,
            monitors_finished_actions=[recorder(self.kind), *finished],
            monitors_failed_actions=failed,
            **kwargs,
        )


class CrawlClosedSuite(HealthSuite):
    """Every monitor, when the spider closes."""

    monitors: ClassVar[list] = [ItemsAgainstListings, FieldCoverage, FetchErrors, DroppedItems,
                                BrowserEscalations, ExtractionFallback, NewArticles]


class PeriodicSuite(HealthSuite):
    """The monitors whose rates mean something in the middle of a crawl."""

    kind = "periodic"
    monitors: ClassVar[list] = [FetchErrors, DroppedItems, BrowserEscalations, ExtractionFallback]
