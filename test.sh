#!/usr/bin/env bash
# Runs every test: unit tests, the in-process API tests, and the integration tests that start
# real member processes on 127.0.0.1. Container tests are skipped where no Docker engine runs.
# `install`, not `verify`: the client and its BOM go to the local repository before it-tests
# run, where ExampleProjectIT builds client/example, a project of its own, on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec mvn -B clean install "$@"
