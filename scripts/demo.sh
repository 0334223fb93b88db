#!/usr/bin/env bash
# `make demo`: the whole path offline, crawl -> store -> query -> report. It builds a small local
# mirror of rfi.fr from the project's own test pages (testbed/pages, no captures needed,
# nothing fetched from rfi.fr), crawls it into a MongoDB store, shows `rficrawl articles` and
# `rficrawl crawls`, and writes the HTML report, the articles as JSON lines and the Markdown archive.
# The store is $MONGO_URI if set, else the embedded server (rficrawl mongo serve: mongod, FerretDB or
# nx-27017, see docs/mongo.md) started here with its data under OUTPUT_DIR/mongo, stopped at the end.
# Usage: scripts/demo.sh [OUTPUT_DIR]   (default: demo-out)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
RFICRAWL=.venv/bin/rficrawl
OUT=${1:-demo-out}
MIRROR=.cache/demo-mirror
[ -x "$PY" ] || { echo "demo: run scripts/setup.sh first (no .venv)" >&2; exit 1; }

echo "demo: building the mirror in $MIRROR"
rm -rf "$MIRROR" "$OUT"
echo "demo: $("$PY" -m testbed build "$MIRROR" --no-captures)"
mkdir -p "$OUT"

SERVER= STORE=
stop() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  if [ -n "$STORE" ] && kill -0 "$STORE" 2>/dev/null; then
    kill -TERM "$STORE" 2>/dev/null || true
    wait "$STORE" 2>/dev/null || true
  fi
}
trap stop EXIT

if [ -n "${MONGO_URI:-}" ]; then
  URI=$MONGO_URI
  DB=${MONGO_DATABASE:-rfi_demo}
  echo "demo: storing into MONGO_URI (database $DB)"
else
  DB=rfi
  echo "demo: starting the embedded MongoDB-wire server (data in $OUT/mongo)"
  mkdir -p "$OUT/mongo"
  # setsid: Ctrl-C goes to this script, which stops the server cleanly.
  setsid "$RFICRAWL" mongo serve --data "$OUT/mongo" --port 0 --uri-file "$OUT/mongo/serve.uri" \
    >"$OUT/mongo/serve.log" 2>&1 &
  STORE=$!
  for _ in $(seq 1 1800); do
    [ -s "$OUT/mongo/serve.uri" ] && break
    kill -0 "$STORE" 2>/dev/null || { echo "demo: the embedded server did not start:" >&2; tail -n 20 "$OUT/mongo/serve.log" >&2; exit 1; }
    sleep 0.2
  done
  [ -s "$OUT/mongo/serve.uri" ] || { echo "demo: the embedded server did not answer; see $OUT/mongo/serve.log" >&2; exit 1; }
  URI=$(cat "$OUT/mongo/serve.uri")
  echo "demo: $(grep -m1 ', log ' "$OUT/mongo/serve.log" || echo "server ready at $URI")"
fi
STORE_ARGS=(--mongo-uri "$URI" --db "$DB")

# The mirror server writes its URL to URL_FILE once it listens on the free port it chose.
URL_FILE=.cache/demo-mirror.url
rm -f "$URL_FILE"
"$PY" -m testbed serve "$MIRROR" --port 0 --quiet --url-file "$URL_FILE" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 100); do
  [ -s "$URL_FILE" ] && break
  kill -0 "$SERVER" 2>/dev/null || { echo "demo: the mirror server did not start" >&2; exit 1; }
  sleep 0.1
done
BASE_URL=$(cat "$URL_FILE")

echo "demo: crawling $BASE_URL (editions cn and tw) with: scrapy crawl fronts"
.venv/bin/scrapy crawl fronts -a editions=cn,tw \
  -s RFI_BASE_URL="$BASE_URL" \
  -s MONGO_URI="$URI" -s MONGO_DATABASE="$DB" -s STORE_SPILL_DIR="$OUT/spill" \
  -s WARC_DIR="$OUT/warc" \
  -s AUTOTHROTTLE_ENABLED=0 -s DOWNLOAD_DELAY=0 \
  -s STATS_FILE="$OUT/stats.json" -s LOG_FILE="$OUT/crawl.log" \
  -O "$OUT/articles.jsonl" -O "$OUT/archive.md:md"

COUNT=$(wc -l < "$OUT/articles.jsonl")
echo "demo: $COUNT articles"
echo
echo "demo: rficrawl articles --limit 10"
COLUMNS=${COLUMNS:-120} "$RFICRAWL" articles --limit 10 "${STORE_ARGS[@]}"
echo
echo "demo: rficrawl crawls"
COLUMNS=${COLUMNS:-120} "$RFICRAWL" crawls --limit 5 "${STORE_ARGS[@]}"
# The report covers the days since the mirror's oldest article, to today (the crawl).
SINCE=$("$PY" -c "
import json
print(min(json.loads(line)['published_at'][:10] for line in open('$OUT/articles.jsonl')))
")
"$RFICRAWL" report --out "$OUT/report.html" --since "$SINCE" "${STORE_ARGS[@]}"
echo
echo "demo: rficrawl reextract (today's extractor over the pages kept in $OUT/warc)"
"$RFICRAWL" reextract --warc-dir "$OUT/warc" "${STORE_ARGS[@]}"
echo
echo "  stored in:         MongoDB at $URI, database $DB"
echo "  report:            $OUT/report.html (open it in a browser; it fetches nothing)"
echo "  JSON lines:        $OUT/articles.jsonl"
echo "  Markdown archive:  $OUT/archive/ (one file per article) and its index $OUT/archive.md"
echo "  crawl log, stats:  $OUT/crawl.log, $OUT/stats.json"
echo "  raw pages (WARC):  $OUT/warc/ (browse them with pywb: see README, 'Raw pages')"
