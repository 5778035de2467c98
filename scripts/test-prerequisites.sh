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
exit 0
