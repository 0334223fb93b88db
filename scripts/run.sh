#!/usr/bin/env bash
# The README's main job: crawl the fronts of rfi.fr into the MongoDB store (run scripts/setup.sh
# first). The store is, in this order: $MONGO_URI if set; a server already answering on
# 127.0.0.1:27017; else an embedded one started here (mongod, FerretDB or nx-27017, see
# docs/mongo.md) with its data under ./data/mongo, stopped again when the crawl ends.
#
# Usage: scripts/run.sh [SCRAPY ARGUMENTS...]
#   scripts/run.sh -a editions=cn               only the Chinese edition
#   SPIDER=sitemaps scripts/run.sh              another spider (fronts, sitemaps, feeds, archive, article)
#   MONGO_URI=mongodb://host:27017 scripts/run.sh
# Environment: SPIDER (default fronts), MONGO_URI, RFICRAWL_MONGO_SERVER (force a server kind),
# RFICRAWL_DATA (default ./data: the embedded server keeps its data in $RFICRAWL_DATA/mongo, the
# crawl its WARC files in $RFICRAWL_DATA/warc unless WARC_DIR says otherwise; WARC_DIR= keeps none),
# RFICRAWL_MONGO_PORT (default 27017: where a running server is looked for or the embedded one listens).
set -euo pipefail
cd "$(dirname "$0")/.."

RFICRAWL=.venv/bin/rficrawl
SPIDER=${SPIDER:-fronts}
DATA=${RFICRAWL_DATA:-data}
PORT=${RFICRAWL_MONGO_PORT:-27017}
DEFAULT_URI=mongodb://127.0.0.1:$PORT

if [ ! -x "$RFICRAWL" ] || [ ! -x .venv/bin/scrapy ]; then
  echo "run: no virtualenv in .venv; run scripts/setup.sh first" >&2
  exit 1
fi

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    echo "run: stopping the embedded MongoDB server" >&2
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT
trap 'stop_server; exit 143' TERM

if [ -n "${MONGO_URI:-}" ]; then
  uri=$MONGO_URI
  echo "run: storing into MONGO_URI" >&2
elif "$RFICRAWL" mongo status --uri "$DEFAULT_URI" >/dev/null 2>&1; then
  uri=$DEFAULT_URI
  echo "run: storing into the server already running at $uri" >&2
else
  mkdir -p "$DATA/mongo"
  uri_file="$DATA/mongo/serve.uri"
  rm -f "$uri_file"
  echo "run: starting the embedded MongoDB server (data in $DATA/mongo, log in $DATA/mongo/serve.log)" >&2
  # setsid: Ctrl-C goes to scrapy (which then finishes cleanly), not to the server under it.
  setsid "$RFICRAWL" mongo serve --data "$DATA/mongo" --port "$PORT" --uri-file "$uri_file" \
    >"$DATA/mongo/serve.log" 2>&1 &
  server_pid=$!
  # A first start of FerretDB sets up its database (a few seconds); serve never builds the launcher.
  for _ in $(seq 1 1800); do
    [ -s "$uri_file" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
      server_pid=
      echo "run: the embedded MongoDB server did not start:" >&2
      tail -n 20 "$DATA/mongo/serve.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  if [ ! -s "$uri_file" ]; then
    echo "run: the embedded MongoDB server did not answer within 6 minutes; see $DATA/mongo/serve.log" >&2
    exit 1
  fi
  uri=$(cat "$uri_file")
  echo "run: embedded server ready at $uri ($(grep -m1 ', log ' "$DATA/mongo/serve.log" || true))" >&2
fi

status=0
.venv/bin/scrapy crawl "$SPIDER" -s "MONGO_URI=$uri" -s "WARC_DIR=${WARC_DIR-$DATA/warc}" "$@" || status=$?
exit "$status"
