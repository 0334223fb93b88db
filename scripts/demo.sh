#!/usr/bin/env bash
# `make demo`: crawl a small local mirror of rfi.fr made from the project's own test pages
# (testbed/pages, no captures needed, nothing fetched from rfi.fr), and show the output:
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
echo "demo: $("$PY" -m testbed build "$MIRROR" --no-captures)"

# The mirror server writes its URL to URL_FILE once it listens on the free port it chose.
URL_FILE=.cache/demo-mirror.url
rm -f "$URL_FILE"
"$PY" -m testbed serve "$MIRROR" --port 0 --quiet --url-file "$URL_FILE" >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -s "$URL_FILE" ] && break
  kill -0 "$SERVER" 2>/dev/null || { echo "demo: the mirror server did not start" >&2; exit 1; }
  sleep 0.1
done
BASE_URL=$(cat "$URL_FILE")

echo "demo: crawling $BASE_URL (editions cn and tw) with: scrapy crawl fronts"
mkdir -p "$OUT"
.venv/bin/scrapy crawl fronts -a editions=cn,tw \
  -s RFI_BASE_URL="$BASE_URL" \
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
