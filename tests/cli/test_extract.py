"""``rficrawl extract`` through the installed command, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from rficrawl import settings as project
from testbed.captures import capture_path
from tests.extract import pages

REPO_ROOT = Path(__file__).resolve().parents[2]
RFICRAWL = REPO_ROOT / ".venv" / "bin" / "rficrawl"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "RFI_BASE_URL": "https://www.rfi.fr", **(env or {})}
    return subprocess.run([str(RFICRAWL), "extract", *args], capture_output=True, timeout=60,
                          check=False,
                          env=environment, cwd=REPO_ROOT)


def assert_clean_failure(proc: subprocess.CompletedProcess, *words: str) -> str:
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode != 0
    assert proc.stdout == b""
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    for word in words:
        assert word in stderr
    return stderr


def test_saved_page_as_json():
    proc = run(str(capture_path(pages.ARTICLE)))
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode("utf-8")
    assert "台湾增加400亿美元国防开支" in text and "\\u" not in text  # UTF-8, not ASCII-escaped
    item = json.loads(text)
    assert item["content_id"] == "WBMZ146377-RFI-CN-20251130"
    assert item["url"] == pages.ARTICLE_URL
    assert item["published_at"] == "2025-11-30T09:13:47Z"
    assert item["authors"] == [{"name": "左依", "url": "https://www.rfi.fr/cn/%E4%BD%9C%E8%80%85/%E5%B7%A6%E4%BE%9D/"}]


def test_saved_page_as_markdown():
    proc = run(str(capture_path(pages.ARTICLE)), "--format", "md")
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode("utf-8").split("\n")
    assert lines[0] == "<!--1764494042000-->"
    assert lines[1] == f"[台湾增加400亿美元国防开支 加速部署T-Dome防空系统]({pages.ARTICLE_URL})"
    assert lines[2:4] == ["------", ""]
    assert lines[4].startswith("<div>30/11/2025 - 10:13</div><img src=")


def test_front_page_is_refused_with_one_line(tmp_path):
    proc = run(str(capture_path(pages.FRONT)))
    assert_clean_failure(proc, "cn-home-2025-11-30.html", "not-an-article:front")


def test_missing_file_is_refused_with_one_line(tmp_path):
    proc = run(str(tmp_path / "nothing.html"))
    assert_clean_failure(proc, "nothing.html", "cannot read")


def test_broken_page_is_refused_with_one_line(tmp_path):
    page = tmp_path / "cut.html"
    page.write_bytes(pages.cut_in_body(pages.article_bytes()))
    assert_clean_failure(run(str(page)), "cut.html", "truncated")


def test_file_without_canonical_url_needs_url(tmp_path):
    page = tmp_path / "bare.html"
    page.write_bytes(pages.without_canonical_urls(pages.article_bytes()))
    assert_clean_failure(run(str(page)), "bare.html", "--url")
    proc = run(str(page), "--url", pages.ARTICLE_URL)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["url"] == pages.ARTICLE_URL


@pytest.fixture
def mirror(tmp_path, mirror_server_factory):
    """A local mirror holding the capture at its rfi.fr path."""
    target = tmp_path.joinpath(*unquote(pages.ARTICLE_PATH).strip("/").split("/"))
    target.parent.mkdir(parents=True)
    target.write_bytes(pages.article_bytes())
    return mirror_server_factory(tmp_path)


def test_public_url_is_fetched_from_the_mirror_of_rfi_base_url(mirror):
    proc = run(pages.ARTICLE_URL, env={"RFI_BASE_URL": mirror.base_url})
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["url"] == pages.ARTICLE_URL
    # Fetched as a crawl fetches: robots.txt first, then the page, with the crawl's User-Agent
    # and headers (RFI refuses a client calling itself rficrawl/<version>).
    assert mirror.log.paths() == ["/robots.txt", unquote(pages.ARTICLE_PATH)]
    page = mirror.log.records[-1]
    assert page.user_agent == project.USER_AGENT
    assert page.headers.get("Accept-Language") == project.DEFAULT_REQUEST_HEADERS["Accept-Language"]


def test_a_page_robots_txt_forbids_is_refused_with_one_line(mirror):
    (mirror.root / "robots.txt").write_text("User-agent: *\nDisallow: /cn/\n")
    proc = run(pages.ARTICLE_URL, env={"RFI_BASE_URL": mirror.base_url})
    assert_clean_failure(proc, "robots.txt")
    assert mirror.log.paths() == ["/robots.txt"]


def test_mirror_url_gives_the_public_url(mirror):
    proc = run(mirror.base_url + pages.ARTICLE_PATH, env={"RFI_BASE_URL": mirror.base_url})
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["url"] == pages.ARTICLE_URL


def test_missing_page_on_the_mirror_is_refused_with_one_line(mirror):
    proc = run("https://www.rfi.fr/cn/政治/20251130-nothing", env={"RFI_BASE_URL": mirror.base_url})
    assert_clean_failure(proc, "HTTP 404")


def test_page_on_stdin():
    proc = subprocess.run([str(RFICRAWL), "extract", "-", "--format", "md"],
                          input=pages.article_bytes(), capture_output=True, timeout=60,
                          check=False, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode("utf-8").startswith("<!--1764494042000-->\n[台湾增加400亿美元国防开支")


@pytest.mark.parametrize("poison", [pages.lone_surrogate_headline, pages.control_characters],
                         ids=["lone-surrogate-headline", "control-characters"])
def test_poisoned_page_gives_the_repaired_item_and_one_warning(poison, tmp_path):
    """Both used to end in a traceback (UnicodeEncodeError; lxml's "must be XML compatible")."""
    page = tmp_path / "poisoned.html"
    page.write_bytes(poison(pages.article_bytes()))
    proc = run(str(page))
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 0, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Repaired the text of " + pages.ARTICLE_URL in lines[0], stderr
    item = json.loads(proc.stdout.decode("utf-8"))
    assert item["url"] == pages.ARTICLE_URL
    if poison is pages.lone_surrogate_headline:
        assert item["title"].startswith("\ufffd ")
    else:
        assert pages.POISONED_LINK_TEXT in item["body_text"]
