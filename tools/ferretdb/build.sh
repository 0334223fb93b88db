#!/usr/bin/env bash
# Build the FerretDB launcher (tools/ferretdb/main.go) into .cache/ferretdb/ferretdb-launcher.
# It is rebuilt only when go.mod, go.sum or main.go change (their checksum is kept beside the
# binary), so this is cheap to call before every start. Needs Go (PATH or /usr/local/go/bin);
# without it, it says so and exits 1, and rficrawl falls back to the next MongoDB-wire server.
# Usage: [GO=/path/to/go] tools/ferretdb/build.sh [--force]
set -euo pipefail
SRC="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$SRC/../.." && pwd)"
OUT_DIR="$ROOT/.cache/ferretdb"
BIN="$OUT_DIR/ferretdb-launcher"
STAMP="$OUT_DIR/source.sha256"

mkdir -p "$OUT_DIR"
# One build at a time: parallel test runs may all ask for the launcher at once.
exec 9>"$OUT_DIR/build.lock"
flock 9

sum="$(cd "$SRC" && cat go.mod go.sum main.go | sha256sum | cut -d' ' -f1)"
if [ "${1:-}" != "--force" ] && [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$sum" ]; then
  exit 0
fi

# $GO names the go command to use; else go on PATH; else /usr/local/go/bin/go.
GO="${GO:-$(command -v go || true)}"
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; } || true
if [ -z "$GO" ] || ! [ -x "$(command -v "$GO" || true)" ]; then
  echo "ferretdb build: Go is not installed (need Go >= 1.24 on PATH, in /usr/local/go or named" \
       "by \$GO${GO:+, not $GO}); the FerretDB launcher was not built" >&2
  exit 1
fi

echo "ferretdb build: building the FerretDB launcher with $("$GO" version | cut -d' ' -f3) (first time: about a minute)" >&2
start=$(date +%s)
(cd "$SRC" && CGO_ENABLED=0 "$GO" build -mod=readonly -trimpath -o "$BIN.tmp" .)
mv -f "$BIN.tmp" "$BIN"
echo "$sum" > "$STAMP"
echo "ferretdb build: $BIN built in $(( $(date +%s) - start ))s" >&2
