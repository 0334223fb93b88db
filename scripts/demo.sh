#!/usr/bin/env bash
# `make demo`: crawl a small local mirror of rfi.fr made from the project's own test pages
# (tests/mirror_pages, no captures needed, nothing fetched from rfi.fr), and show the output:
# the articles as JSON lines and as the Markdown archive. If MONGO_URI is set in the environment,
# the articles are stored there too; otherwise storage is off.
# Usage: scripts/demo.sh [OUTPUT_DIR]   (default: demo-out)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
OUT=${1:-demo-out}
MIRROR=.cache/demo-mirror
[ -x "$PY" ] || { echo "demo: run scripts/setup.sh first (no .venv)" >&2; exit 1; }

echo "demo: building the mirror in $MIRROR"
rm -rf "$MIRROR" "$OUT"
"$PY" -c "
from pathlib import Path
from tests.support.mirror_build import build_mirror
m = build_mirror(Path('$MIRROR'), use_captures=False)
print(f'demo: {len(m.articles)} article pages, {len(m.lists)} fronts and section lists')
"

PORT=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
.venv/bin/rficrawl mirror "$MIRROR" --port "$PORT" --quiet >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/robots.txt')" 2>/dev/null && break
  sleep 0.1
done

echo "demo: crawling http://127.0.0.1:$PORT (editions cn and tw) with: scrapy crawl fronts"
mkdir -p "$OUT"
.venv/bin/scrapy crawl fronts -a editions=cn,tw \
  -s RFI_BASE_URL="http://127.0.0.1:$PORT" \
  -s MONGO_URI="${MONGO_URI:-}" \
  -s AUTOTHROTTLE_ENABLED=0 -s DOWNLOAD_DELAY=0 \
  -s STATS_FILE="$OUT/stats.json" -s LOG_FILE="$OUT/crawl.log" \
  -O "$OUT/articles.jsonl" -O "$OUT/archive.md:md"

COUNT=$(wc -l < "$OUT/articles.jsonl")
echo "demo: $COUNT articles"
echo "  JSON lines:        $OUT/articles.jsonl"
echo "  Markdown archive:  $OUT/archive/ (one file per article) and its index $OUT/archive.md"
echo "  crawl log, stats:  $OUT/crawl.log, $OUT/stats.json"
if [ -n "${MONGO_URI:-}" ]; then
  echo "  stored in:         MongoDB at MONGO_URI (rficrawl articles --edition cn)"
fi
