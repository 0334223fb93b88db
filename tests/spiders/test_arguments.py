"""Bad spider arguments end `scrapy crawl` with a clear message and a non-zero exit, no traceback."""

from __future__ import annotations

import pytest

from tests.support.crawl import run_crawl


@pytest.mark.parametrize(
    ("spider", "args", "message"),
    [
        ("fronts", {"editions": "cn,xx"}, "unknown RFI edition 'xx'"),
        ("fronts", {"since": "last tuesday"}, "-a since='last tuesday' is not a date"),
        ("fronts", {"since": "2025-11-30", "until": "2025-11-01"}, "is after -a until"),
        ("fronts", {"max_articles": "0"}, "-a max_articles='0' must be a positive integer"),
        ("fronts", {"max_pages": "many"}, "-a max_pages='many' must be a positive integer"),
        ("fronts", {"editions": "cn", "sections": "不存在"}, "不存在 is not a section of edition(s) cn"),
        ("fronts", {"edition": "cn"}, "unknown argument(s) for spider fronts: edition"),
        ("fronts", {"refresh": "sometimes"}, "-a refresh='sometimes' is not a re-crawl policy"),
        ("archive", {"until": "2025-13-01"}, "-a until='2025-13-01' is not a date"),
        ("sitemaps", {"sitemaps": "news,all"}, "all is not a sitemap kind"),
        ("article", {}, "spider article needs the articles to fetch"),
        ("article", {"urls_file": "/nonexistent/urls.txt"}, "cannot read the file"),
    ],
)
def test_bad_argument_exits_with_a_clear_message(spider, args, message, tmp_path):
    result = run_crawl(spider, tmp_path, args=args, settings={"RFI_BASE_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert message in result.log
    assert "Traceback" not in result.log
    assert result.items == []


def test_bad_base_url_exits_with_a_clear_message(tmp_path):
    result = run_crawl("fronts", tmp_path, settings={"RFI_BASE_URL": "127.0.0.1:8000"})
    assert result.returncode == 2
    assert "-s RFI_BASE_URL='127.0.0.1:8000' is not a site URL" in result.log
    assert "Traceback" not in result.log
