#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages, idempotently.
# Kept separate so `make test` stays one command on a fresh machine.
set -euo pipefail

as_root() { if [ "$(id -u)" -ne 0 ]; then sudo "$@"; else "$@"; fi; }
apt_updated=no
apt_install() {
    if [ "$apt_updated" = no ]; then as_root apt-get update -qq; apt_updated=yes; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# pg_dump: the erasure tests dump the whole PostgreSQL schema and grep it.
command -v pg_dump >/dev/null || apt_install postgresql-client
# Chromium: the dashboard test opens /dashboard in a headless browser (Debian's package; the
# page loads nothing from outside the server, so no browser download is needed).
command -v chromium >/dev/null || apt_install chromium

# pdftoppm: the monthly report test renders the PDF's pages to images.
command -v pdftoppm >/dev/null || apt_install poppler-utils

# The stock graphql-ws JavaScript client for the subscription tests, pinned by its lock file.
JS_DIR="$(dirname "$0")/../tests/js"
if [ ! -d "$JS_DIR/node_modules/graphql-ws" ] || [ "$JS_DIR/package-lock.json" -nt "$JS_DIR/node_modules/.package-lock.json" ]; then
    (cd "$JS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
exit 0
