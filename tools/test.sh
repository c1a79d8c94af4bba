#!/usr/bin/env bash
# Installs the Debian packages, builds everything and runs all tests; the last line is ctest's summary.
# First the sanitized stage (docs/fuzzing.md): the suite under ASan + UBSan but its slowest tests (tools/sanitize.sh)
# and every fuzz target for 15 s on its corpus (bench/fuzz/run.sh); NPU_SANITIZE_TESTS=OFF skips it. Then the main suite
# (Release, build/). Exits non-zero when either failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/setup.sh
tools/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
sanitized=0
if [ "${NPU_SANITIZE_TESTS:-ON}" != OFF ]; then
  tools/sanitize.sh || { sanitized=1; echo "test: the sanitized tests failed (above)"; }
  bench/fuzz/run.sh 15 || { sanitized=1; echo "test: a fuzz target found an input or did not finish (above)"; }
fi
log=$(mktemp)
set +e
ctest --test-dir build -j"$jobs" --output-on-failure "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$sanitized" -eq 0 ] || echo "test: the sanitized stage failed: exit 1 whatever the main suite says"
# ctest prints label timings after its summary; repeat the summary so it is the last line.
grep -E 'tests passed|tests failed' "$log" | tail -n 1
rm -f "$log"
[ "$status" -eq 0 ] || exit "$status"
exit "$sanitized"
