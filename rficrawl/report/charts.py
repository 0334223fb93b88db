"""The report's charts, drawn by pygal as SVG to put inline in the page.

pygal's tooltips script would be fetched from the web; it is left out (``js=[]``), so every
chart is static SVG with its style inside it, and the page makes no request at all.
"""

from __future__ import annotations

import pygal
from pygal.style import Style

from rficrawl.health.record import duration, errors, verdict
from rficrawl.report.data import ReportData

STYLE = Style(background="white", plot_background="white", font_family="sans-serif",
              colors=("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"))


def _config(**options: object) -> dict[str, object]:
    return {"js": [], "style": STYLE, "width": 960, "disable_xml_declaration": True,
            "x_label_rotation": 45, "legend_at_bottom": True, "truncate_legend": -1,
            "print_values": False, **options}


def _svg(chart: pygal.graph.graph.Graph) -> str:
    return chart.render(is_unicode=True)


def articles_per_day(data: ReportData) -> str:
    """A dot per edition and day, sized by its articles; a day without any is an empty spot."""
    days = data.days
    chart = pygal.Dot(**_config(title="Articles per day and edition (Paris days)",
                                height=max(240, 40 * len(data.editions) + 160),
                                show_legend=False, x_labels_major_every=max(1, len(days) // 15),
                                show_minor_x_labels=False))
    chart.x_labels = [day[5:] for day in days]
    for edition in data.editions:
        counts = data.per_day.get(edition, {})
        chart.add(edition, [counts.get(day) or None for day in days])
    return _svg(chart)


def fill_rates(data: ReportData) -> str:
    """The share of articles with each watched field, per edition (from the crawls' counts)."""
    chart = pygal.Bar(**_config(title="Fields filled, % of the articles crawled in the period",
                                height=420, range=(0, 100), x_label_rotation=0))
    editions = list(data.fill_rates)
    chart.x_labels = editions
    names = sorted({name for rates in data.fill_rates.values() for name in rates})
    for name in names:
        chart.add(name, [round(100 * data.fill_rates[e].get(name, 0), 1) for e in editions])
    return _svg(chart)


def _crawl_labels(data: ReportData) -> list[str]:
    return [record["started_at"].strftime("%m-%d %H:%M")
            + (" ✗" if verdict(record) == "failed" else "") for record in data.crawls]


def crawls(data: ReportData) -> str:
    """Per crawl: requests, new articles, errors and escalations. A crawl whose monitors failed
    is marked ✗ under its bars."""
    chart = pygal.Bar(**_config(title="Crawls (✗: monitors failed)", height=420))
    chart.x_labels = _crawl_labels(data)
    chart.add("requests", [record.get("requests", 0) for record in data.crawls])
    chart.add("new articles", [(record.get("counts") or {}).get("new", 0) for record in data.crawls])
    chart.add("errors", [errors(record) for record in data.crawls])
    chart.add("escalations", [(record.get("health") or {}).get("escalated", 0)
                              for record in data.crawls])
    return _svg(chart)


def crawl_durations(data: ReportData) -> str:
    """How long each crawl took, in minutes; red where its monitors failed."""
    chart = pygal.Bar(**_config(title="Crawl durations, minutes (red: monitors failed)",
                                height=300, show_legend=False))
    chart.x_labels = _crawl_labels(data)
    chart.add("minutes", [
        {"value": round((duration(record) or 0) / 60, 2),
         "color": "#d62728" if verdict(record) == "failed" else "#2ca02c"}
        for record in data.crawls])
    return _svg(chart)


def revisions_per_day(data: ReportData) -> str:
    chart = pygal.Bar(**_config(title="Revisions kept per day (an article RFI edited)", height=320,
                                show_legend=False, x_labels_major_every=max(1, len(data.days) // 15),
                                show_minor_x_labels=False))
    chart.x_labels = [day[5:] for day in data.days]
    chart.add("revisions", [data.revisions_per_day.get(day, 0) for day in data.days])
    return _svg(chart)


def top_tags(data: ReportData) -> str:
    chart = pygal.HorizontalBar(**_config(title="Top tags of the period", show_legend=False,
                                          height=max(240, 24 * len(data.top_tags) + 120),
                                          x_label_rotation=0))
    tags = list(reversed(data.top_tags))
    chart.x_labels = [tag for tag, _ in tags]
    chart.add("articles", [n for _, n in tags])
    return _svg(chart)
