"""The report as one HTML file: the charts inline, each with the numbers it draws.

Nothing in it is fetched: no script, no font, no image, no stylesheet outside the file. Text from
the store (tags, editions, monitor messages) is escaped by ``escape``, the one place that turns
text into HTML here; the SVG comes from pygal, which escapes its own labels.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence

from rficrawl.health.record import duration, errors, verdict
from rficrawl.report import charts
from rficrawl.report.data import ReportData

CSS = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; }
section > svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.failed { color: #b00; font-weight: bold; } td.passed { color: #070; }
details { margin: 0.5em 0 1em; } summary { cursor: pointer; color: #555; }
"""


def escape(text: object) -> str:
    """Text as HTML text (or attribute value)."""
    return html.escape(str(text), quote=True)


def _table(table_id: str, head: Sequence[str], rows: Iterable[Sequence[object]],
           classes: Iterable[str | None] = ()) -> str:
    classes = list(classes)
    out = [f'<table class="numbers" id="{escape(table_id)}"><thead><tr>']
    out += [f"<th>{escape(cell)}</th>" for cell in head]
    out.append("</tr></thead><tbody>")
    for index, row in enumerate(rows):
        css = classes[index] if index < len(classes) else None
        cells = []
        for column, cell in enumerate(row):
            attr = f' class="{escape(css)}"' if css and column == len(row) - 1 else ""
            cells.append(f"<td{attr}>{escape(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _section(title: str, svg: str, numbers: str, note: str = "") -> str:
    note_html = f"<p>{escape(note)}</p>" if note else ""
    return (f"<section><h2>{escape(title)}</h2>{note_html}{svg}"
            f"<details><summary>the numbers</summary>{numbers}</details></section>")


def render(data: ReportData, database: str, generated: dt.datetime) -> str:
    """The whole page."""
    days = data.days
    per_day_rows = [[edition, day, data.per_day.get(edition, {}).get(day, 0)]
                    for edition in data.editions for day in days]
    missing = {edition: sum(1 for day in days if not data.per_day.get(edition, {}).get(day))
               for edition in data.editions}
    fill_rows = [[edition, name, f"{100 * rate:.1f}"]
                 for edition, rates in data.fill_rates.items() for name, rate in rates.items()]
    crawl_rows = [[record["_id"], record.get("spider", ""),
                   record["started_at"].strftime("%Y-%m-%d %H:%M"),
                   f"{(duration(record) or 0) / 60:.1f}", record.get("finish_reason") or "",
                   record.get("requests", 0), (record.get("counts") or {}).get("new", 0),
                   errors(record), (record.get("health") or {}).get("escalated", 0),
                   verdict(record)] for record in data.crawls]
    crawl_head = ["crawl", "spider", "started (UTC)", "minutes", "finish", "requests", "new",
                  "errors", "escalations", "verdict"]
    last = data.last_crawls
    last_rows = [[record["_id"], record.get("spider", ""),
                  record["started_at"].strftime("%Y-%m-%d %H:%M"),
                  f"{(duration(record) or 0) / 60:.1f}", record.get("finish_reason") or "",
                  record.get("requests", 0), (record.get("counts") or {}).get("new", 0),
                  (record.get("counts") or {}).get("updated", 0), errors(record),
                  "; ".join((record.get("health") or {}).get("failed") or []) or "",
                  verdict(record)] for record in last]
    total = sum(data.articles(edition) for edition in data.editions)
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>rficrawl report {escape(data.since)} to {escape(data.until)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>rficrawl: the archive from {escape(data.since)} to {escape(data.until)}</h1>",
        (f"<p>Database <b>{escape(database)}</b>: <span id=\"total-articles\">{total}</span> "
        f"articles published in the period in {len(data.editions)} editions; "
        f"{len(data.crawls)} crawls. Generated {escape(generated.strftime('%Y-%m-%d %H:%M'))} "
        "UTC. Days are Paris days.</p>"),
        _section("Articles per day and edition", charts.articles_per_day(data),
                 _table("per-day", ["edition", "day", "articles"], per_day_rows)
                 + _table("missing-days", ["edition", "days without an article"],
                          missing.items()),
                 "An empty spot is a day without any stored article in that edition."),
        _section("Field fill rates per edition", charts.fill_rates(data),
                 _table("fill-rates", ["edition", "field", "% filled"], fill_rows),
                 "Share of the articles crawled in the period that had each field, as the "
                 "crawls counted them."),
        _section("Crawls over time", charts.crawls(data) + charts.crawl_durations(data),
                 _table("crawls", crawl_head, crawl_rows)),
        _section("Revisions per day", charts.revisions_per_day(data),
                 _table("revisions", ["day", "revisions"],
                        [[day, data.revisions_per_day.get(day, 0)] for day in days])),
        _section("Top tags", charts.top_tags(data),
                 _table("tags", ["tag", "articles"], data.top_tags)),
        "<section><h2>Last crawls</h2>",
        _table("last-crawls", ["crawl", "spider", "started (UTC)", "minutes", "finish",
                               "requests", "new", "updated", "errors", "failed monitors",
                               "verdict"], last_rows,
               [verdict(record).split()[0] for record in last]),
        "</section></body></html>",
    ]
    return "\n".join(parts)
