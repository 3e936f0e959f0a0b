#!/usr/bin/env bash
# Runs every test: unit tests, the in-process API tests, and the integration tests that start
# real member processes on 127.0.0.1. Container tests are skipped where no Docker engine runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec mvn -B clean verify "$@"
