"""The offline test bed: testbed.server.MirrorServer and the fixtures in tests/support/mirror.py.

The pages written here are tiny stand-ins shaped like RFI's (an edition front, a section front with
a CJK name, a mixed-script Russian section, an RSS feed, a sitemap index); the server's behaviour,
not the markup, is under test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote

import pytest

import testbed.__main__ as cli_mirror
from rficrawl.cli.main import CommandError
from testbed.server import (
    DropConnection,
    MirrorServer,
    content_type_for,
    looks_like_browser,
    resolve_path,
)
from tests.support.crawl import REPO_ROOT
from tests.support.mirror import hold, mirror_settings

CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "HeadlessChrome/131.0.6778.33 Safari/537.36")
SCRAPY_UA = "Scrapy/2.19.0 (+https://scrapy.org)"
CN_ARTICLE = "/cn/中国/20251130-台湾增加400亿美元国防开支"
RU_SECTION = "/ru/культурa-стиль-жизни/"  # the last letter of the section is a Latin "a"


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def mirror_root(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    write(root, "index.html", "<html><body>root</body></html>")
    write(root, "cn/index.html", "<html><body>cn front</body></html>")
    write(root, "cn/中国/index.html", "<html><body>section 中国</body></html>")
    write(root, CN_ARTICLE.lstrip("/"), "<!DOCTYPE html><html><body>article 台湾</body></html>")
    write(root, "ru/культурa-стиль-жизни/index.html", "<html><body>ru mixed</body></html>")
    write(root, "cn/rss", '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"></rss>')
    write(root, "sitemaps/cn/index.xml", '<sitemapindex xmlns="x"></sitemapindex>')
    write(root, "robots.txt", "User-agent: *\nSitemap: /sitemaps/cn/index.xml\n")
    return root


def get(server: MirrorServer, raw_path: str, ua: str = SCRAPY_UA, method: str = "GET"):
    """Send ``raw_path`` byte for byte (no client-side re-encoding)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest(method, raw_path, skip_accept_encoding=True)
        conn.putheader("User-Agent", ua)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_percent_encoded_cjk_paths_serve_the_native_file(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    status, headers, body = get(server, quote(CN_ARTICLE))
    assert status == 200
    assert "article 台湾" in body.decode("utf-8")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    # Lowercase hex is the same path once decoded.
    status, _, body = get(server, quote(CN_ARTICLE).lower().replace("/cn/", "/cn/"))
    assert status == 200 and "article" in body.decode()


def test_mixed_script_paths_are_not_normalised(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    assert get(server, quote(RU_SECTION))[0] == 200
    # The same section spelt with a Cyrillic "а" is another path, which the mirror does not have.
    assert get(server, quote(RU_SECTION.replace("a-", "а-")))[0] == 404


def test_index_pages_with_and_without_slash(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    for path in ("/", "/cn/", "/cn", quote("/cn/中国/"), quote("/cn/中国")):
        assert get(server, path)[0] == 200, path
    assert get(server, quote("/cn/中国/"))[2].decode() == "<html><body>section 中国</body></html>"
    assert get(server, "/cn/")[2] == b"<html><body>cn front</body></html>"


def test_query_strings_are_ignored_for_files(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    assert get(server, "/cn/?utm_source=x")[2] == b"<html><body>cn front</body></html>"


def test_missing_paths_and_traversal_are_404(mirror_server_factory, mirror_root, tmp_path):
    (tmp_path / "secret.txt").write_text("outside")
    server = mirror_server_factory(mirror_root)
    assert get(server, "/cn/nope")[0] == 404
    assert get(server, "/en/")[0] == 404
    assert get(server, "/../secret.txt")[0] == 404
    assert get(server, "/%2E%2E/secret.txt")[0] == 404
    assert resolve_path(mirror_root.resolve(), "/../secret.txt") is None


def test_invalid_utf8_percent_encoding_is_a_400(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    assert get(server, "/cn/%E4%B8")[0] == 400
    assert server.log.records[-1].status == 400


def test_content_types_by_content(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    assert get(server, "/cn/rss")[1]["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert get(server, "/sitemaps/cn/index.xml")[1]["Content-Type"] == "application/xml; charset=utf-8"
    status, headers, body = get(server, "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert b"Sitemap:" in body
    assert content_type_for(Path("x"), b"\xef\xbb\xbf\n<urlset>") == "application/xml; charset=utf-8"
    assert content_type_for(Path("x"), b"<!DOCTYPE html>") == "text/html; charset=utf-8"


def test_head_sends_headers_only(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    status, headers, body = get(server, "/cn/", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(b"<html><body>cn front</body></html>")


def test_request_log_records_and_resets(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    raw = quote("/cn/中国/")
    get(server, raw, ua="agent-1")
    get(server, "/missing", ua="agent-2")
    records = server.log.records
    assert [(r.method, r.raw_path, r.path, r.user_agent, r.status) for r in records] == [
        ("GET", raw, "/cn/中国/", "agent-1", 200),
        ("GET", "/missing", "/missing", "agent-2", 404),
    ]
    assert server.log.paths(status=404) == ["/missing"]
    assert server.log.count("/cn/中国/") == 1
    server.log.reset()
    assert len(server.log) == 0 and server.log.records == []


def test_request_log_is_thread_safe(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    threads = [threading.Thread(target=lambda: [get(server, "/cn/") for _ in range(10)])
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.log.count("/cn/") == 80


def test_fixed_delay_per_response(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root, delay=0.3)
    started = time.monotonic()
    get(server, "/cn/")
    get(server, "/cn/nope")
    assert time.monotonic() - started >= 0.6


def test_request_times_and_the_most_in_flight(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root, delay=0.3)
    before = time.time()
    threads = [threading.Thread(target=get, args=(server, "/cn/")) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    get(server, "/cn/rss")  # after the three: never in flight with them
    records = server.log.records
    assert all(before <= r.received_at and r.answered_at - r.received_at >= 0.3 for r in records)
    assert server.log.max_in_flight() == 3


def test_a_route_can_cut_the_connection_or_serve_the_file(mirror_server_factory, mirror_root):
    cuts = [True]

    def flaky(request):
        if cuts.pop(0) if cuts else False:
            raise DropConnection
        return server.serve_file(request)

    server = mirror_server_factory(mirror_root, routes={"/cn/": flaky})
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(server, "/cn/")
    assert get(server, "/cn/")[2] == b"<html><body>cn front</body></html>"
    assert [r.status for r in server.log.records] == [0, 200]


def test_a_gate_holds_requests_until_released(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root)
    gate = hold(server, ["/cn/"], pass_first=1)
    assert get(server, "/cn/")[0] == 200  # the first one passes
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(get(server, "/cn/")[0]))
    waiting.start()
    assert gate.wait_for(2) == ["/cn/", "/cn/"]
    assert answers == [] and server.log.count("/cn/") == 1  # held, not answered
    gate.release()
    waiting.join()
    assert answers == [200]


def test_403_for_plain_clients_on_protected_paths(mirror_server_factory, mirror_root):
    server = mirror_server_factory(mirror_root, forbid_unless_browser={"/cn/中国/*", "/cn/rss"})
    assert get(server, quote(CN_ARTICLE), ua=SCRAPY_UA)[0] == 403
    assert get(server, quote(CN_ARTICLE), ua=CHROME_UA)[0] == 200
    assert get(server, "/cn/rss", ua="python-requests/2.32")[0] == 403
    assert get(server, "/cn/rss", ua=CHROME_UA)[0] == 200
    assert get(server, "/cn/", ua=SCRAPY_UA)[0] == 200  # not protected
    assert [r.status for r in server.log.records] == [403, 200, 403, 200, 200]


def test_403_rule_as_predicates(mirror_server_factory, mirror_root):
    server = mirror_server_factory(
        mirror_root,
        forbid_unless_browser=lambda path: path.startswith("/sitemaps/"),
        browser_check=lambda headers: headers.get("Sec-Ch-Ua") is not None,
        forbid=lambda request: request.path == "/robots.txt" and "bad" in request.user_agent,
    )
    assert get(server, "/sitemaps/cn/index.xml", ua=CHROME_UA)[0] == 403  # no client hints
    assert get(server, "/robots.txt", ua="bad-bot")[0] == 403
    assert get(server, "/robots.txt", ua="good")[0] == 200


def test_looks_like_browser():
    assert looks_like_browser({"User-Agent": CHROME_UA})
    assert looks_like_browser({"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) "
                                             "Gecko/20100101 Firefox/133.0"})
    assert not looks_like_browser({"User-Agent": SCRAPY_UA})
    assert not looks_like_browser({"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    assert not looks_like_browser({})


def test_dynamic_routes(mirror_server_factory, mirror_root):
    seen = []

    def more(request):
        seen.append((request.method, request.path, request.query))
        return 200, {"Content-Type": "application/json"}, json.dumps({"page": request.query})

    def gone(request):
        return 301, {"Location": "/cn/"}, b""

    server = mirror_server_factory(mirror_root, routes={"/api/": more, "/api/old": gone})
    status, headers, body = get(server, "/api/load-more?page=2")
    assert status == 200 and json.loads(body) == {"page": "page=2"}
    assert headers["Content-Type"] == "application/json"
    assert get(server, "/api/old/x")[0] == 301  # the longest prefix wins
    assert seen == [("GET", "/api/load-more", "page=2")]


def test_context_manager_and_base_url(mirror_root):
    with MirrorServer(mirror_root) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        with urllib.request.urlopen(server.url(quote("/cn/中国/")), timeout=10) as response:
            assert response.status == 200
        with pytest.raises(HTTPError) as err:
            urllib.request.urlopen(server.url("/nope"), timeout=10)
        assert err.value.code == 404
    with pytest.raises(RuntimeError, match="not started"):
        server.base_url  # noqa: B018


def test_not_a_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        MirrorServer(tmp_path / "nowhere")


def test_mirror_settings(mirror_server_factory, mirror_root, tmp_path):
    with_robots = mirror_settings(mirror_server_factory(mirror_root))
    assert with_robots["ROBOTSTXT_OBEY"] is True
    assert with_robots["RFI_BASE_URL"].startswith("http://127.0.0.1:")
    assert with_robots["REMOTE_CONTROL_ENABLED"] is False
    (tmp_path / "bare").mkdir()
    bare = mirror_settings(mirror_server_factory(tmp_path / "bare"), DOWNLOAD_DELAY=1)
    assert bare["ROBOTSTXT_OBEY"] is False and bare["DOWNLOAD_DELAY"] == 1


SPIDER = '''
import scrapy

class MirrorProbe(scrapy.Spider):
    name = "mirror_probe"

    async def start(self):
        base = self.settings.get("RFI_BASE_URL")
        yield scrapy.Request(base + "/cn/中国/")
        yield scrapy.Request(base + "/cn/rss")

    def parse(self, response):
        yield {"url": response.url, "status": response.status,
               "type": response.headers.get("Content-Type").decode(), "text": response.text[:80]}
'''


@pytest.mark.slow
def test_scrapy_crawls_the_mirror(mirror_server_factory, mirror_root, tmp_path):
    """Through Scrapy's real downloader: CJK URLs are encoded by Scrapy and served from the mirror.

    Run outside the project (plain Scrapy settings plus mirror_settings) so that the probe's items
    are not taken for articles by the project's storage pipeline."""
    server = mirror_server_factory(mirror_root)
    spider = tmp_path / "probe.py"
    spider.write_text(SPIDER, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-O", str(out)]
    for key, value in mirror_settings(server).items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(
        cmd, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert [item["status"] for item in items] == [200, 200]
    assert any("section 中国" in item["text"] for item in items)
    assert any(item["type"].startswith("application/rss+xml") for item in items)
    paths = server.log.paths()
    assert "/robots.txt" in paths and "/cn/中国/" in paths and "/cn/rss" in paths


def test_cli_refuses_bad_arguments(tmp_path):
    parser = argparse.ArgumentParser()
    cli_mirror.register(parser.add_subparsers())
    for argv, message in [
        (["serve", str(tmp_path / "nowhere"), "--port", "0"], "not a directory"),
        (["serve", str(tmp_path), "--delay", "-1"], "--delay -1.0"),
        (["serve", str(tmp_path), "--port", "70000"], "--port 70000"),
    ]:
        args = parser.parse_args(argv)
        with pytest.raises(CommandError, match=message):
            args.func(args)


def test_cli_serves_until_interrupted(mirror_root, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "testbed", "serve", str(mirror_root), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving "), line + proc.stderr.read()
        base = line.split(" at ")[1].split()[0].rstrip("/")
        with urllib.request.urlopen(base + quote("/cn/中国/"), timeout=10) as response:
            assert b"section" in response.read()
        proc.stdout.readline()  # the "Crawl it with" hint
        assert proc.stdout.readline().startswith("200 GET /cn/中国/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_stop_closes_keep_alive_connections(mirror_root):
    server = MirrorServer(mirror_root).start()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("GET", "/cn/")
    assert conn.getresponse().read() == b"<html><body>cn front</body></html>"
    server.stop()
    with pytest.raises((http.client.HTTPException, OSError)):
        conn.request("GET", "/cn/")
        conn.getresponse()
    conn.close()
    assert server.log.count("/cn/") == 1
