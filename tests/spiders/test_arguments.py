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
        ("fronts", {"max_pages": "0"}, "-a max_pages='0' must be a positive integer"),
        ("archive", {"max_articles": "-1"}, "-a max_articles='-1' must be a positive integer"),
        ("fronts", {"editions": ""}, "-a editions='' names no edition"),
        ("feeds", {"editions": " , "}, "-a editions=' , ' names no edition"),
        ("fronts", {"editions": "cn", "sections": "不存在"}, "不存在 is not a section of edition(s) cn"),
        ("fronts", {"edition": "cn"}, "unknown argument(s) for spider fronts: edition"),
        ("fronts", {"refresh": "sometimes"}, "-a refresh='sometimes' is not a re-crawl policy"),
        ("archive", {"until": "2025-13-01"}, "-a until='2025-13-01' is not a date"),
        ("sitemaps", {"sitemaps": "news,all"}, "all is not a sitemap kind"),
        ("article", {}, "spider article needs the articles to fetch"),
        ("article", {"urls_file": "/nonexistent/urls.txt"}, "cannot read the file"),
        ("article", {"urls": "https://example.com/cn/政治/20251130-x"},
         "'https://example.com/cn/政治/20251130-x' (off-site: neither www.rfi.fr nor RFI_BASE_URL"),
        ("article", {"urls": "https://www.rfi.fr/cn/政治/20251130-x,https://www.rfi.fr/cn/"},
         "'https://www.rfi.fr/cn/' (a front page, not an article)"),
        ("article", {"urls": "http://127.0.0.1:9/cn/关键词/台海/"},
         "'http://127.0.0.1:9/cn/关键词/台海/' (a tag page, not an article)"),
    ],
)
def test_bad_argument_exits_with_a_clear_message(spider, args, message, tmp_path):
    result = run_crawl(spider, tmp_path, args=args, settings={"RFI_BASE_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert message in result.log
    assert "Traceback" not in result.log
    assert result.items == []


def test_a_urls_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    urls_file = tmp_path / "urls.txt"
    # A Windows editor's Latin-1 file: the "é" of a French slug is the byte 0xe9.
    urls_file.write_bytes(b"# repairs\nhttps://www.rfi.fr/fr/france/20211209-r\xe9forme\n")
    result = run_crawl("article", tmp_path / "crawl", args={"urls_file": urls_file},
                       settings={"RFI_BASE_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert f"-a urls_file='{urls_file}' is not UTF-8 text (byte 0xe9 on line 2)" in result.log
    assert "Traceback" not in result.log


def test_article_urls_on_the_mirror_are_accepted(tmp_path):
    """The URL check knows RFI_BASE_URL: the same article path on the crawl's base URL is fine
    (the crawl then fails to connect, which is not an argument error)."""
    result = run_crawl("article", tmp_path, args={"urls": "http://127.0.0.1:9/cn/政治/20251130-x"},
                       settings={"RFI_BASE_URL": "http://127.0.0.1:9", "RETRY_TIMES": 0})
    assert result.returncode == 0, result.log[-3000:]
    assert "not article URLs" not in result.log


def test_bad_base_url_exits_with_a_clear_message(tmp_path):
    result = run_crawl("fronts", tmp_path, settings={"RFI_BASE_URL": "127.0.0.1:8000"})
    assert result.returncode == 2
    assert "-s RFI_BASE_URL='127.0.0.1:8000' is not a site URL" in result.log
    assert "Traceback" not in result.log
