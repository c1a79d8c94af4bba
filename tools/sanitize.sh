#!/usr/bin/env bash
# Builds the project with ASan + UBSan into build-asan/ and runs the unit tests under them (docs/fuzzing.md).
# Usage: tools/sanitize.sh                 every test labelled unit except rtl/rtl_models/slow (full build)
#        tools/sanitize.sh EXE [EXE ...]   only these gtest executables (e.g. unit_config passes_test)
# CXX/CC pick the compiler (default: the system's g++); NPU_JOBS the parallel jobs (default: nproc);
# NPU_ASAN_DIR another build folder with the sanitizers on (build-fuzz, configured by tools/fuzz.sh, has them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CCACHE_BASEDIR="$root"
dir=${NPU_ASAN_DIR:-build-asan}
if [ ! -f $dir/build.ninja ]; then
  cmake -S . -B $dir -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1" -DNPU_SANITIZE=address,undefined -DNPU_BUILD_BENCH=OFF >/dev/null
fi
jobs=${NPU_JOBS:-$(nproc 2>/dev/null || echo 2)}
build() {
  set +e
  ninja -C $dir -j"$jobs" "$@" 2>&1 | grep -v -E '^\[[0-9]+/[0-9]+\] '
  local s=${PIPESTATUS[0]}
  set -e
  [ "$s" -eq 0 ] || { echo "sanitize: build failed" >&2; exit "$s"; }
}
# SystemC's coroutine stacks crash ASan's use-after-return detection (docs/fuzzing.md).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ $# -gt 0 ]; then
  build "$@"
  status=0
  for exe in "$@"; do
    echo "sanitize: $exe"
    "$dir/bin/$exe" --gtest_brief=1 || status=1
  done
  exit $status
fi
build
ctest --test-dir $dir -j"$jobs" -L unit -LE "rtl|rtl_models|slow" --output-on-failure
