#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages, idempotently.
# Kept separate so `make test` stays one command on a fresh machine.
set -euo pipefail

# pg_dump: the erasure tests dump the whole PostgreSQL schema and grep it.
if ! command -v pg_dump >/dev/null; then
    sudo_if_needed() { if [ "$(id -u)" -ne 0 ]; then sudo "$@"; else "$@"; fi; }
    sudo_if_needed apt-get update -qq
    sudo_if_needed apt-get install -y -qq postgresql-client
fi
# Chromium: the dashboard test opens /dashboard in a headless browser (Debian's package; the
# page loads nothing from outside the server, so no browser download is needed).
if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then sudo apt-get update -qq; else apt-get update -qq; fi
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# The stock graphql-ws JavaScript client for the subscription tests, pinned by its lock file.
JS_DIR="$(dirname "$0")/../tests/js"
if [ ! -d "$JS_DIR/node_modules/graphql-ws" ] || [ "$JS_DIR/package-lock.json" -nt "$JS_DIR/node_modules/.package-lock.json" ]; then
    (cd "$JS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
exit 0
