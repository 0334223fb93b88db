"""The WARC writer on its own (rficrawl.warc.writer): files, rotation, records readable alone by
their pointers, revisits across writers, and files valid up to their last whole record when cut.

Pages are the real article capture (a 544 KB page) and a small listing written here."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from rficrawl.warc.capture import Capture, SentRequest
from rficrawl.warc.digests import DigestIndex
from rficrawl.warc.reader import RecordError, read_at
from rficrawl.warc.writer import WarcWriter
from testbed.captures import capture_bytes
from tests.warc.conftest import read_records, warc_files, warcio

CRAWL_ID = "fronts-20251130T101500Z-abc123"
BASE = "http://127.0.0.1:8000"


def capture(path: str, body: bytes, *, listing: bool = False) -> Capture:
    return Capture(
        url=BASE + path, date=dt.datetime.now(dt.UTC), record_id=f"<urn:uuid:{uuid.uuid4()}>",
        record_type="response", body=body, edition="cn", status=200,
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        request=SentRequest("GET", path, [("Host", "127.0.0.1:8000"), ("User-Agent", "test")]),
        decoded=("gzip",), revisitable=listing)


def writer(directory: Path, max_size: int = 10**9, crawl_id: str = CRAWL_ID) -> WarcWriter:
    return WarcWriter(directory, crawl_id, max_size=max_size,
                      info={"isPartOf": crawl_id, "software": "rficrawl test"},
                      digests=DigestIndex(directory))


@pytest.fixture
def article() -> bytes:
    return capture_bytes("cn-article-2025-11-30.html")


@pytest.fixture
def front() -> bytes:
    return capture_bytes("cn-home-2025-11-30.html")


def test_files_rotate_each_starts_with_warcinfo_and_every_record_reads_back_alone(
    tmp_path, article
):
    out = writer(tmp_path, max_size=150_000)  # closed after the page that passes it: 2 a file
    written = [out.write(capture(f"/cn/a{n}", article)) for n in range(5)]
    out.close()

    files = warc_files(tmp_path)
    assert [path.name for path in files] == out.files
    assert len(files) == 3
    for serial, path in enumerate(files):
        assert path.name.startswith(f"rficrawl-{CRAWL_ID}-")
        assert path.name.endswith(f"-{serial:05d}.warc.gz")
        records = read_records(path)
        assert records[0].type == "warcinfo"
        assert b"isPartOf: " + CRAWL_ID.encode() in records[0].payload
        assert f"serial: {serial}".encode() in records[0].payload
        # A page's response and request share a file, the request after its response.
        assert [r.type for r in records[1:]] == ["response", "request"] * (len(records) // 2)
        info_id = records[0].warc_headers["WARC-Record-ID"]
        assert all(r.warc_headers["WARC-Warcinfo-ID"] == info_id for r in records[1:])
        check = warcio("check", "-v", path)
        assert check.returncode == 0, check.stdout
        assert "digest pass" in check.stdout
    # A file opens at the first page after the one that closed the last (the first at the first).
    assert [w.opened for w in written] == [files[0].name, None, files[1].name, None, files[2].name]
    for n, where in enumerate(written):
        location = where.location
        with (tmp_path / location.file).open("rb") as stream:
            page = read_at(stream, location.file, location.offset, location.length)
        assert page.payload == article  # byte for byte what was captured
        assert page.url == f"{BASE}/cn/a{n}"
        assert location.type == page.type == "response"
        assert ("Content-Encoding", "gzip") in page.headers  # as received
    assert sum(w.bytes for w in written) == sum(path.stat().st_size for path in files)


def test_an_unchanged_listing_is_a_revisit_of_the_last_record_even_across_writers(tmp_path, front):
    first = writer(tmp_path)
    original = first.write(capture("/cn/", front, listing=True))
    first.write(capture("/cn/a1", b"<html>article</html>"))
    first.close()

    second = writer(tmp_path, crawl_id="fronts-20251130T111500Z-def456")  # a later crawl
    again = second.write(capture("/cn/", front, listing=True))
    article_again = second.write(capture("/cn/a1", b"<html>article</html>"))
    changed = second.write(capture("/cn/", front + b"<!-- new card -->", listing=True))
    unchanged_after_change = second.write(capture("/cn/", front + b"<!-- new card -->",
                                                  listing=True))
    second.close()

    assert original.location.type == "response"
    assert again.location.type == "revisit"
    assert article_again.location.type == "response"  # articles are always kept whole
    assert changed.location.type == "response"
    assert unchanged_after_change.location.type == "revisit"
    records = {(r.file.name, r.offset): r for path in warc_files(tmp_path)
               for r in read_records(path)}
    first_record = records[(original.location.file, original.location.offset)]
    revisit = records[(again.location.file, again.location.offset)]
    assert again.location.file != original.location.file
    assert revisit.warc_headers["WARC-Refers-To"] == first_record.warc_headers["WARC-Record-ID"]
    assert revisit.warc_headers["WARC-Refers-To-Date"] == first_record.warc_headers["WARC-Date"]
    assert revisit.warc_headers["WARC-Payload-Digest"] == first_record.warc_headers[
        "WARC-Payload-Digest"]
    assert revisit.warc_headers["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert revisit.payload == b""  # the HTTP headers only
    assert again.location.length * 20 < original.location.length  # the front is not kept twice
    for path in warc_files(tmp_path):
        assert warcio("check", path).returncode == 0


@pytest.mark.parametrize("cut_into", [1, 50, 5000, -20])
def test_a_file_cut_inside_its_last_record_is_valid_up_to_that_record(tmp_path, article, cut_into):
    out = writer(tmp_path)
    written = [out.write(capture(f"/cn/a{n}", article)) for n in range(3)]
    out.close()
    [path] = warc_files(tmp_path)
    last = written[-1].location
    cut = (last.offset + cut_into) if cut_into > 0 else (last.offset + last.length + cut_into)
    copy = tmp_path / "cut" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes()[:cut])

    with copy.open("rb") as stream:
        for where in written[:-1]:  # every whole record still reads
            page = read_at(stream, copy.name, where.location.offset, where.location.length)
            assert page.payload == article
        with pytest.raises(RecordError) as cut_record:
            read_at(stream, copy.name, last.offset, last.length)
        assert cut_record.value.reason == "truncated"
        with pytest.raises(RecordError) as without_length:  # as `rficrawl extract FILE#OFFSET`
            read_at(stream, copy.name, last.offset)
        assert without_length.value.reason in ("truncated", "damaged")
    # Up to the last whole record, the copy is a valid WARC file for warcio too.
    whole = tmp_path / "whole" / path.name
    whole.parent.mkdir()
    whole.write_bytes(path.read_bytes()[:last.offset])
    assert warcio("check", whole).returncode == 0
    assert [r.type for r in read_records(whole)] == ["warcinfo"] + ["response", "request"] * 2


WRITE_UNTIL_FULL = textwrap.dedent("""
    import datetime as dt, resource, signal, sys, uuid
    from pathlib import Path
    from rficrawl.warc.capture import Capture
    from rficrawl.warc.writer import WarcWriter

    directory, limit = Path(sys.argv[1]), int(sys.argv[2])
    body = Path(sys.argv[3]).read_bytes()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    out = WarcWriter(directory, "article-20251130T000000Z-full00", max_size=10**9)

    def page(n):
        return Capture(url=f"http://127.0.0.1:8000/cn/a{n}", date=dt.datetime.now(dt.UTC),
                       record_id=f"<urn:uuid:{uuid.uuid4()}>", record_type="response",
                       body=body, edition="cn", status=200)

    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    written = 0
    try:
        for n in range(100):
            out.write(page(n))
            written += 1
    except OSError as exc:
        print("failed after", written, type(exc).__name__)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # the disk has room again
    after = out.write(page(999))
    out.close()
    print("after", after.location.file, after.opened is not None)
""")


def test_a_full_disk_leaves_the_file_valid_and_the_next_page_starts_a_new_file(tmp_path, article):
    page = tmp_path / "page.html"
    page.write_bytes(article)
    # A real write refusal: the process may not grow a file past 250 KB (RLIMIT_FSIZE).
    proc = subprocess.run([sys.executable, "-c", WRITE_UNTIL_FULL, str(tmp_path / "warc"),
                           "250000", str(page)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    # How many pages fit under the limit depends on the gzip level; at least one, not all.
    failed = re.search(r"failed after (\d+) OSError", proc.stdout)
    assert failed, proc.stdout
    whole_pages = int(failed.group(1))
    assert 1 <= whole_pages < 100
    first, second = warc_files(tmp_path / "warc")
    assert first.stat().st_size <= 250_000
    assert f"after {second.name} True" in proc.stdout
    # The file cut by the refusal holds its whole pages, then part of the next one.
    with first.open("rb") as stream:
        data = stream.read()
    whole = tmp_path / "whole.warc.gz"
    records = read_records(second)
    assert [r.type for r in records] == ["warcinfo", "response"]
    cut = _last_whole_end(first)
    whole.write_bytes(data[:cut])
    assert [r.type for r in read_records(whole)] == ["warcinfo"] + ["response"] * whole_pages
    assert len(data) > cut  # part of the next page was written before the refusal
    assert warcio("check", whole).returncode == 0


def _last_whole_end(path: Path) -> int:
    """The end of the last whole gzip member of a file (where a reader stops cleanly)."""
    import zlib

    data, end, position = path.read_bytes(), 0, 0
    while position < len(data):
        member = zlib.decompressobj(31)
        try:
            member.decompress(data[position:])
        except zlib.error:
            break
        if not member.eof:
            break
        position = len(data) - len(member.unused_data)
        end = position
    return end


def test_the_digest_index_survives_its_file_being_copied_with_the_warc_folder(tmp_path, front):
    out = writer(tmp_path / "a")
    out.write(capture("/cn/", front, listing=True))
    out.close()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    moved = writer(tmp_path / "b", crawl_id="fronts-20251130T111500Z-def456")
    assert moved.write(capture("/cn/", front, listing=True)).location.type == "revisit"
    moved.close()
