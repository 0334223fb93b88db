"""The archive spider: year pages -> day pages (links from the site) -> articles, in a date range."""

from __future__ import annotations

from testbed.build import site_path
from tests.spiders.conftest import article_paths, crawl, paris_day, paths_of, requested_twice


def test_archive_reads_the_years_and_days_in_range(site, server, tmp_path):
    result = crawl("archive", server, tmp_path, {"editions": "cn", "since": "2025-01-01"})
    everything = site.archive_articles(["cn"])
    expected = site.in_range(everything, paris_day("2025-01-01"))
    assert 0 < len(expected) < len(everything)
    assert result.urls() == expected
    assert requested_twice(server) == {}
    requested = set(server.log.paths())
    years = {year: [site_path(day) for day in days] for year, days in site.archive_years["cn"].items()}
    assert all(day in requested for day in years[2025])
    # 2024 (and the older years the front links) are out of range: neither year nor day fetched.
    assert not any("/2024/" in path or "/2023/" in path for path in requested)
    assert article_paths(server) == paths_of(expected)


def test_archive_day_range_inside_a_year(site, server, tmp_path):
    result = crawl("archive", server, tmp_path,
                   {"editions": "cn", "since": "2025-11-29", "until": "2025-11-30"})
    expected = site.in_range(site.archive_articles(["cn"]), paris_day("2025-11-29"),
                             paris_day("2025-11-30", end=True))
    assert expected and result.urls() == expected
    assert not any("28-11" in path for path in server.log.paths())


def test_archive_resumes_from_its_job_directory(site, server, tmp_path):
    """Interrupted after a few pages (as by Ctrl-C), a second run with the same JOBDIR goes on
    from the saved frontier: together the runs scrape each article once, fetch each page once."""
    jobdir = tmp_path / "job"
    args = {"editions": "cn", "since": "2025-01-01"}
    first = crawl("archive", server, tmp_path / "1", args,
                  {"JOBDIR": str(jobdir), "CLOSESPIDER_PAGECOUNT": 7, "CONCURRENT_REQUESTS": 1})
    assert first.stats["finish_reason"] == "closespider_pagecount"
    second = crawl("archive", server, tmp_path / "2", args, {"JOBDIR": str(jobdir)})
    expected = site.in_range(site.archive_articles(["cn"]), paris_day("2025-01-01"))
    assert first.items and second.items
    assert first.urls() | second.urls() == expected
    assert not first.urls() & second.urls()
    assert set(requested_twice(server)) <= {"/robots.txt"}
