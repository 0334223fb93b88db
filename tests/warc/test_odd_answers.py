"""Answers a WARC record's HTTP block cannot carry as they came: the page is still recorded, what
was changed is counted, the crawl goes on."""

from __future__ import annotations

import asyncio
from urllib.parse import unquote, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from rficrawl.warc.reader import read_at
from rficrawl.warc.recorder import ReceivedHeadersMiddleware, Recorder, WarcRecordMiddleware
from testbed.build import Mirror
from testbed.server import MirrorRequest
from tests.support.crawl import run_crawl
from tests.support.mirror import mirror_settings
from tests.warc.conftest import all_records, warc_files, warcio

# A misbehaving proxy's header: the name's "ë" and "ü" sent as the Latin-1 bytes 0xEB and 0xFC.
ODD_NAME = "X-Cach\u00eb-Stat\u00fcs"


def test_a_header_name_that_is_not_ascii_is_recorded_percent_encoded_and_counted(tmp_path):
    """The recorder as a crawl drives it (its two middlewares, its writer thread, real files):
    warcio percent-encodes header values that are not ASCII but fails on such a name."""
    crawler = get_crawler(settings_dict={"WARC_DIR": str(tmp_path / "warc"), "WARC_MAX_SIZE": 10**9,
                                         "WARC_GZIP_LEVEL": 2, "WARC_LISTINGS": True})
    crawler.spider = crawler._create_spider("article")
    recorder = Recorder.of(crawler)
    url = "http://127.0.0.1:9/cn/\u4e2d\u56fd/20251130-test"
    body = b"<html><head><title>t</title></head><body><p>\xe6\x96\x87</p></body></html>"
    request = Request(url, meta={"rfi_kind": "article"})
    response = HtmlResponse(url, body=body, request=request, headers=[
        ("Content-Type", "text/html; charset=utf-8"), (ODD_NAME.encode("latin-1"), b"HIT")])
    ReceivedHeadersMiddleware(recorder).process_response(request, response)

    async def record() -> None:
        await WarcRecordMiddleware(recorder).process_response(request, response)
        await recorder.spider_closed(crawler.spider)

    asyncio.run(record())
    assert crawler.stats.get_value("rficrawl/warc/headers_repaired") == 1
    location = recorder.locations[response]
    with (tmp_path / "warc" / location.file).open("rb") as stream:
        page = read_at(stream, location.file, location.offset, location.length)
    assert page.payload == body
    # Scrapy's Headers title-case names; the bytes 0xEB and 0xFC are kept, percent-encoded.
    assert ("x-cach%eb-stat%fcs", "HIT") in [(name.lower(), value) for name, value in page.headers]
    for path in warc_files(tmp_path / "warc"):
        checked = warcio("check", path)
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
def test_a_crawl_goes_on_past_an_answer_whose_header_name_is_not_ascii(
        site: Mirror, mirror_server_factory, tmp_path):
    """Through the mirror, Scrapy's HTTP client (Twisted) refuses such an answer before any
    middleware sees it (InvalidHeaderName): the page is a download error of the crawl's stats,
    no traceback, and the other pages are recorded as usual."""
    odd, plain = sorted(url for url, a in site.articles.items()
                        if not a.media and url not in site.disallowed)[:2]
    server = mirror_server_factory(site.root)
    odd_path = unquote(urlsplit(odd).path)

    def with_odd_header(request: MirrorRequest):
        status, headers, body = server.serve_file(request)
        return status, {**headers, ODD_NAME: "HIT"}, body

    server.add_route(odd_path, with_odd_header)  # routes match the decoded path
    result = run_crawl("article", tmp_path / "crawl",
                       args={"urls": f"{server.url(odd_path)},{plain}", "refresh": "all"},
                       settings=mirror_settings(server, WARC_DIR=str(tmp_path / "warc"),
                                                RFICRAWL_HEALTH_ENABLED=False, RETRY_TIMES=0))
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    assert "InvalidHeaderName" in result.log
    assert [unquote(urlsplit(item["url"]).path) for item in result.items] == [
        unquote(urlsplit(plain).path)]
    (recorded,) = [r for r in all_records(tmp_path / "warc") if r.type == "response"]
    assert unquote(urlsplit(recorded.url).path) == unquote(urlsplit(plain).path)
