#!/usr/bin/env bash
# Installs the Debian packages, builds everything and runs all tests; the last line is ctest's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/setup.sh
tools/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp)
set +e
ctest --test-dir build -j"$jobs" --output-on-failure "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# ctest prints label timings after its summary; repeat the summary so it is the last line.
grep -E 'tests passed|tests failed' "$log" | tail -n 1
rm -f "$log"
exit "$status"
