"""Make rfi.sqlite here: a FerretDB database as the build before the query planner wrote it.

    .venv/bin/python tests/store_server/previous_build/make_database.py LAUNCHER

LAUNCHER is a FerretDB launcher built from tools/ferretdb with patches 0001 and 0002 only (the
build of commit 8f546e2 and earlier; `git worktree add /tmp/old 8f546e2 && /tmp/old/tools/ferretdb/build.sh`
puts it in /tmp/old/.cache/ferretdb/ferretdb-launcher). That build kept no key tables and made a
SQLite index on the stored JSON for every index. tests/store_server/test_planner_upgrade.py starts
the current build on a copy of this file and checks that it builds what is missing. The documents
are ARTICLES below (deterministic), with the indexes of rficrawl.store.connection at that time.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pymongo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from rficrawl.ops.ferretdb import ferretdb_argv
from rficrawl.ops.mongo import ping
from rficrawl.ops.process import free_port, wait_ready

# The indexes of rficrawl.store.connection.INDEXES before the query planner.
PREVIOUS_INDEXES = [
    ("articles", [("url", 1)], {"name": "url_unique", "unique": True}),
    ("articles", [("edition", 1), ("published_at", -1)], {"name": "edition_published"}),
    ("articles", [("section", 1)], {"name": "section"}),
    ("articles", [("tags", 1)], {"name": "tags"}),
    ("articles", [("modified_at", -1)], {"name": "modified"}),
    ("articles", [("published_at", -1)], {"name": "published"}),
    ("revisions", [("article_id", 1), ("revision", 1)], {"name": "article_revision"}),
    ("crawls", [("started_at", -1)], {"name": "started"}),
]
EDITIONS = ["cn", "fr", "en", "vi", "fa"]
TAGS = ["法国", "中国", "<Europe>", "sport", "é&t", "z"]


def articles() -> list[dict]:
    docs = []
    for n in range(300):
        when = dt.datetime(1995, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=97 * n)
        doc = {
            "_id": f"WBMZ{n}-RFI-{EDITIONS[n % 5].upper()}",
            "url": f"https://www.rfi.fr/{EDITIONS[n % 5]}/x/{n}",
            "edition": EDITIONS[n % 5],
            "section": ["monde", "体育", None][n % 3],
            "title": f"标题 {n} <b>&</b>",
            "tags": [TAGS[(n + k) % 6] for k in range(n % 4)],
            "published_at": when,
            "modified_at": when + dt.timedelta(days=n % 3),
            "revision": 1 + n % 3,
        }
        if n % 7 == 0:
            del doc["section"]
        if n % 11 == 0:
            doc["tags"] = "单个"
        docs.append(doc)
    return docs


def main(launcher: str) -> None:
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        process = subprocess.Popen(ferretdb_argv(Path(launcher), Path(data), port))
        uri = f"mongodb://127.0.0.1:{port}"
        try:
            wait_ready(lambda: ping(uri), what="the FerretDB launcher", timeout=20,
                       process=process, errors=(pymongo.errors.PyMongoError,))
            db = pymongo.MongoClient(uri).rfi
            for collection, keys, options in PREVIOUS_INDEXES:
                db[collection].create_index(keys, **options)
            docs = articles()
            db.articles.insert_many(docs)
            db.revisions.insert_many([{"_id": f"{d['_id']}@1", "article_id": d["_id"], "revision": 1}
                                      for d in docs if d["revision"] > 1])  # fmt: skip
            db.crawls.insert_many([{"_id": f"c{n}", "started_at": dt.datetime(2025, 1, 1 + n, tzinfo=dt.UTC)}
                                   for n in range(10)])  # fmt: skip
        finally:
            process.terminate()
            process.wait(30)
        shutil.copy(Path(data) / "rfi.sqlite", HERE / "rfi.sqlite")
    print(f"wrote {HERE / 'rfi.sqlite'}")


if __name__ == "__main__":
    main(sys.argv[1])
