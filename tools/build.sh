#!/usr/bin/env bash
# Configures and builds the project (Release, Ninja, ccache) into build/; extra arguments are ninja targets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CCACHE_BASEDIR="$root"
# NPU_REQUIRE_TESTDATA=ON in the environment (CI) makes missing ../shared/testdata a configuration error.
if [ ! -f build/build.ninja ] || [ -n "${NPU_REQUIRE_TESTDATA:-}" ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DNPU_REQUIRE_TESTDATA="${NPU_REQUIRE_TESTDATA:-OFF}" >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
echo "build: compiling with $jobs jobs into build/ (first build takes a few minutes)"
set +e
ninja -C build -j"$jobs" "$@" 2>&1 | grep -v -E '^\[[0-9]+/[0-9]+\] |^ninja: (Entering|leaving|no work)'
status=${PIPESTATUS[0]}
set -e
exit "$status"
