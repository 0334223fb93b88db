"""A crawl's WARC files replayed by pywb (the Webrecorder replay tool), started on its own port:
the stored article comes back with its title, and its original bytes are the page served."""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from rficrawl.ops.process import free_port, wait_ready
from testbed.server import resolve_path
from tests.support.crawl import REPO_ROOT
from tests.warc.conftest import Crawled, warc_files

pytestmark = pytest.mark.slow

# pywb pins redis 2.10.6, which cannot share .venv with ours: scripts/setup.sh --dev gives it
# a virtualenv of its own (requirements-pywb.txt).
PYWB_BIN = REPO_ROOT / ".cache" / "pywb-venv" / "bin"
COLLECTION = "rfi"


@pytest.fixture
def wayback(crawled: Crawled, tmp_path: Path) -> Iterator[str]:
    """pywb's ``wayback`` over a collection of the crawl's WARC files; its base URL."""
    if not (PYWB_BIN / "wayback").is_file():
        pytest.skip(f"pywb is not installed in {PYWB_BIN.parent} (scripts/setup.sh --dev "
                    "installs it from requirements-pywb.txt)")
    manager = str(PYWB_BIN / "wb-manager")
    for args in (["init", COLLECTION], ["add", COLLECTION, *map(str, warc_files(crawled.warc_dir))]):
        done = subprocess.run([manager, *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    log = (tmp_path / "wayback.log").open("w")
    proc = subprocess.Popen([str(PYWB_BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(lambda: urllib.request.urlopen(base + "/", timeout=5).status == 200,
                   what="pywb", timeout=60, process=proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as answer:
        assert answer.status == 200
        return answer.read()


def test_pywb_replays_a_stored_article_with_its_title(crawled: Crawled, wayback: str):
    article = crawled.articles()[0]
    # The record's URL is the one fetched (the mirror's); the store keeps the public one.
    fetched = crawled.server.base_url + urlsplit(article["url"]).path
    replayed = fetch(f"{wayback}/{COLLECTION}/mp_/{fetched}").decode("utf-8")
    title = replayed.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.strip() == article["title"]
    # Without rewriting (id_), pywb gives back the page byte for byte as the mirror served it.
    original = fetch(f"{wayback}/{COLLECTION}/id_/{fetched}")
    served = resolve_path(crawled.site.root, unquote(urlsplit(fetched).path))
    assert served is not None
    assert original == served.read_bytes()
