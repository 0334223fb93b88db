#!/usr/bin/env bash
# Build the FerretDB launcher (tools/ferretdb/*.go) into .cache/ferretdb/ferretdb-launcher.
#
# FerretDB v1.24.2's source is taken from the Go module cache, copied to .cache/ferretdb/FerretDB,
# and the fixes in patches/ are applied to it (see each patch's comment) before the build. It is
# rebuilt only when go.mod, go.sum, a .go file or a patch change (their checksum is kept beside
# the binary), so this is cheap to call before every start. Needs Go >= 1.24 (PATH,
# /usr/local/go/bin, or $GO); without it, it says so and exits 1, and rficrawl falls back to the
# next MongoDB-wire server.
# Usage: [GO=/path/to/go] tools/ferretdb/build.sh [--force]
set -euo pipefail
SRC="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$SRC/../.." && pwd)"
OUT_DIR="$ROOT/.cache/ferretdb"
BIN="$OUT_DIR/ferretdb-launcher"
STAMP="$OUT_DIR/source.sha256"
MODULE=github.com/FerretDB/FerretDB

mkdir -p "$OUT_DIR"
# One build at a time: parallel test runs may all ask for the launcher at once.
exec 9>"$OUT_DIR/build.lock"
flock 9

sum="$(cd "$SRC" && cat go.mod go.sum ./*.go patches/*.patch | sha256sum | cut -d' ' -f1)"
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

if ! command -v patch >/dev/null 2>&1; then
  echo "ferretdb build: the patch command is missing (Debian package: patch); the FerretDB launcher was not built" >&2
  exit 1
fi

echo "ferretdb build: building the FerretDB launcher with $("$GO" version | cut -d' ' -f3) (first time: one to three minutes)" >&2
start=$(date +%s)
cd "$SRC"
version="$(awk -v m="$MODULE" '$1 == m {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' go.mod)"
[ -n "$version" ] || { echo "ferretdb build: $MODULE is not required in $SRC/go.mod" >&2; exit 1; }
module_dir="$("$GO" mod download -json "$MODULE@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$module_dir" ] || { echo "ferretdb build: could not download $MODULE@$version" >&2; exit 1; }

patched="$OUT_DIR/FerretDB"
rm -rf "$patched"
cp -R "$module_dir" "$patched"
chmod -R u+w "$patched"
for p in patches/*.patch; do
  patch --quiet --forward -p1 -d "$patched" <"$p" || { echo "ferretdb build: $p does not apply to $MODULE@$version" >&2; exit 1; }
done

# The committed go.mod stays as upstream; the build uses a copy that points at the patched source.
cp go.mod "$OUT_DIR/go.mod"
cp go.sum "$OUT_DIR/go.sum"
echo "replace $MODULE => $patched" >>"$OUT_DIR/go.mod"
CGO_ENABLED=0 "$GO" build -modfile="$OUT_DIR/go.mod" -mod=readonly -trimpath -o "$BIN.tmp" .
mv -f "$BIN.tmp" "$BIN"
echo "$sum" > "$STAMP"
echo "ferretdb build: $BIN built in $(( $(date +%s) - start ))s" >&2
