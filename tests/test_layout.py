"""The tree's boundaries: storage and the crawl path import no operations code and no test bed.

A crawl (in a scrapyd egg too) needs only a store's URI: starting or building servers is the
operator's business (rficrawl.ops), and the mirror with its builder is development's (testbed).
Checked on a fresh interpreter, so that what this test process imported does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.crawl import REPO_ROOT

# Every module but the command line (whose `mongo` command is an operations command) and the
# operations package itself.
PROBE = """
import importlib, json, pathlib, sys
import rficrawl
root = pathlib.Path(rficrawl.__file__).parent
skipped = ("rficrawl.cli", "rficrawl.ops", "rficrawl.__main__")
imported = []
for path in sorted(root.rglob("*.py")):
    name = ".".join(("rficrawl", *path.relative_to(root).with_suffix("").parts))
    name = name.removesuffix(".__init__")
    if not name.startswith(skipped):
        importlib.import_module(name)
        imported.append(name)
loaded = [name for name in sys.modules if name.split(".")[0] in ("testbed", "tests")
          or name.startswith("rficrawl.ops")]
print(json.dumps({"imported": imported, "forbidden": loaded}))
"""


def test_storage_and_the_crawl_path_import_no_operations_and_no_test_bed(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout)
    assert {"rficrawl.store.pipeline", "rficrawl.store.writer", "rficrawl.store.known",
            "rficrawl.spiders.fronts", "rficrawl.settings"} <= set(report["imported"])
    assert report["forbidden"] == []


def test_operations_are_outside_storage():
    assert not (REPO_ROOT / "rficrawl" / "store" / "server.py").exists()
    assert not (REPO_ROOT / "rficrawl" / "mirror.py").exists()
