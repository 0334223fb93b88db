"""What happens with the monitors' verdict: spidermon actions.

- The recorder (always): the verdict, each monitor's outcome and the crawl's figures go to the
  stat ``rficrawl/health`` (so to ``STATS_FILE``, the log's stats dump and the ``crawls``
  record's ``health``, which later crawls learn from); a failed verdict makes ``scrapy crawl``
  exit with status 4 (``rficrawl.commands.crawl``). Periodic runs count in
  ``rficrawl/health_periodic``.
- The log (always): spidermon's own report of each suite.
- ``RFICRAWL_HEALTH_ACTIONS``, spidermon's actions by name, configured by spidermon's own
  settings: ``json`` (a JSON file per crawl, ``SPIDERMON_REPORT_FILENAME``), ``email`` (SMTP,
  ``SPIDERMON_SMTP_*`` and ``SPIDERMON_EMAIL_*``), ``slack`` (``SPIDERMON_SLACK_*``), ``webhook``
  (spidermon's webhook action, which posts ``{"content": text}`` to
  ``SPIDERMON_DISCORD_WEBHOOK_URL``, as Discord and compatible receivers take it). ``json``
  writes every verdict; the others send failures only, or every verdict with
  ``RFICRAWL_HEALTH_NOTIFY = "always"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object
from spidermon.contrib.actions.reports.files import CreateFileReport
from spidermon.core.actions import Action

from rficrawl.health import HEALTH_STAT
from rficrawl.health.tally import CrawlTally

PERIODIC_STAT = "rficrawl/health_periodic"
TEMPLATES = Path(__file__).parent / "templates"
ACTIONS = {
    "json": "rficrawl.health.actions.JsonFileReport",
    "email": "spidermon.contrib.actions.email.smtp.SendSmtpEmail",
    "slack": "spidermon.contrib.actions.slack.notifiers.SendSlackMessageSpiderFinished",
    "webhook": "spidermon.contrib.actions.discord.notifiers.SendDiscordMessageSpiderFinished",
}


def monitor_outcomes(result: Any) -> list[dict[str, str]]:
    """Each monitor's name, status (OK, FAIL, ERROR, SKIPPED) and message."""
    outcomes = []
    for item in result.monitor_results:
        monitor = item.monitor
        message = item.reason or _last_line(item.error)
        outcomes.append({"monitor": monitor.name, "status": item.status,
                         "message": message or ""})
    return outcomes


def _last_line(error: str | None) -> str:
    """The assertion's message from a formatted traceback (its last line, without the type)."""
    if not error:
        return ""
    line = error.strip().splitlines()[-1]
    return line.split(": ", 1)[1] if line.startswith(("AssertionError: ", "SkipTest: ")) else line


def failed_lines(outcomes: list[dict[str, Any]]) -> list[str]:
    """"monitor: message" of each monitor that failed or broke, as the crawl's records show them."""
    return [f"{o['monitor']}: {o['message']}" for o in outcomes if o["status"] in ("FAIL", "ERROR")]


class CrawlerAction(Action):
    """An action that reads and writes the crawl's stats (spidermon makes actions bare)."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlerAction:
        action = cls()
        action.crawler = crawler
        return action


class RecordVerdict(CrawlerAction):
    """Put the verdict of the closing suite, and the crawl's figures, in ``rficrawl/health``."""

    summary: dict[str, Any]

    def run_action(self) -> None:
        outcomes = monitor_outcomes(self.result)
        failed = failed_lines(outcomes)
        stats = self.crawler.stats
        tally = self.crawler.get_extension(CrawlTally)
        self.summary = {
            "verdict": "failed" if failed else "passed",
            "failed": failed,
            "monitors": outcomes,
            "finish_reason": stats.get_value("finish_reason"),
            "duration": round(tally.elapsed, 1),
            "articles": stats.get_value("item_scraped_count", 0),
            "fell_back_past_jsonld": stats.get_value("rficrawl/extract/fell_back_past_jsonld", 0),
            "escalated": stats.get_value("rficrawl/browser/escalated", 0),
            "editions": tally.figures(),
        }
        stats.set_value(HEALTH_STAT, self.summary)

    def get_meta(self) -> dict[str, Any]:
        return {"health": getattr(self, "summary", None)}


class RecordPeriodicVerdict(CrawlerAction):
    """Count the periodic runs and their failures in ``rficrawl/health_periodic``."""

    def run_action(self) -> None:
        stats = self.crawler.stats
        failed = failed_lines(monitor_outcomes(self.result))
        record = dict(stats.get_value(PERIODIC_STAT) or {"runs": 0, "failed_runs": 0})
        record["runs"] += 1
        if failed:
            record["failed_runs"] += 1
            record["last_failed"] = failed
        stats.set_value(PERIODIC_STAT, record)


def recorder(kind: str) -> type[Action]:
    return RecordVerdict if kind == "closed" else RecordPeriodicVerdict


class JsonFileReport(CreateFileReport):
    """Spidermon's file report with rficrawl's JSON template; makes the file's folder."""

    def after_render_report(self) -> None:
        Path(self.render_text_template(self.filename)).parent.mkdir(parents=True, exist_ok=True)
        super().after_render_report()


def notification_actions(settings: BaseSettings) -> tuple[list[type], list[type]]:
    """The chosen actions: (run after every suite, run when a monitor failed)."""
    finished, failed = [], []
    always = settings.get("RFICRAWL_HEALTH_NOTIFY") == "always"
    for name in settings.getlist("RFICRAWL_HEALTH_ACTIONS"):
        if name not in ACTIONS:
            raise ValueError(f"RFICRAWL_HEALTH_ACTIONS: unknown action {name!r}; use any of "
                             f"{', '.join(ACTIONS)} (the log is always written)")
        action = load_object(ACTIONS[name])
        (finished if name == "json" or always else failed).append(action)
    return finished, failed
