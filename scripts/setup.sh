#!/usr/bin/env bash
# Set up everything rficrawl needs on a fresh Debian 12 machine, idempotently:
# system packages (Chromium, Redis), a virtualenv with the pinned Python packages, and the
# FerretDB launcher (the embedded MongoDB-compatible store) where Go is installed.
# Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# The FerretDB launcher's build applies its fixes with patch(1).
command -v patch >/dev/null 2>&1 || need_apt+=(patch)
# The tests check deploy/systemd/ with systemd-analyze verify (no running systemd needed).
if [ "$DEV" = 1 ] && ! command -v systemd-analyze >/dev/null 2>&1; then
  need_apt+=(systemd)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages: ${need_apt[*]}" >&2
  fi
fi
# The system Redis service is not wanted: rficrawl and its tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server 2>/dev/null || true
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip
if [ "$DEV" = 1 ]; then
  .venv/bin/pip install -q -r requirements-dev.txt
else
  .venv/bin/pip install -q -r requirements.txt
fi
.venv/bin/pip install -q --no-deps -e .

# pywb (the replay test; browsing the archive) pins redis 2.10.6, which cannot share .venv with
# ours: it gets a virtualenv of its own. Without it the replay test skips, saying why.
if [ "$DEV" = 1 ]; then
  [ -x .cache/pywb-venv/bin/python ] || "$PY" -m venv .cache/pywb-venv
  .cache/pywb-venv/bin/pip install -q -r requirements-pywb.txt \
    || echo "setup: pywb not installed in .cache/pywb-venv (see above); the replay test skips" >&2
fi

if [ -x tools/ferretdb/build.sh ]; then
  tools/ferretdb/build.sh || echo "setup: FerretDB launcher not built (see above); the store falls back to nx-27017" >&2
fi
echo "setup: done (virtualenv in .venv)"
