#!/usr/bin/env bash
# Runs every test: unit tests, the in-process API tests, and the integration tests that start
# real member processes on 127.0.0.1. Container tests are skipped where no Docker engine runs.
# `install`, not `verify`: the client and its BOM go to the local repository before it-tests
# run, where ExampleProjectIT builds client/example, a project of its own, on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# DashboardIT loads the dashboard in a real browser, Debian's Chromium: installed here when it is
# missing and this runs as root with apt-get (about 40 s once), unless COHORT_NO_BROWSER_INSTALL=1.
# Without it, that one test is skipped and says so.
if [[ ! -x /usr/bin/chromium && "$(id -u)" == 0 && -z "${COHORT_NO_BROWSER_INSTALL:-}" ]] \
    && command -v apt-get >/dev/null; then
  echo "test.sh: installing chromium for DashboardIT (apt-get install chromium)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1; then
    echo "test.sh: chromium could not be installed; DashboardIT will be skipped"
  fi
fi
exec mvn -B clean install "$@"
