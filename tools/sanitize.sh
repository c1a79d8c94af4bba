#!/usr/bin/env bash
# Builds the project with ASan + UBSan (clang-16, build-fuzz/, shared with tools/fuzz.sh) and runs tests under them.
# Usage: tools/sanitize.sh                  what CI runs: every test except the labels slow and asan_slow and the
#                                           blazeface-back e2e tests (docs/fuzzing.md lists them and their times)
#        tools/sanitize.sh --ctest ARGS...  everything built, then ctest with ARGS (e.g. --ctest -L asan_slow;
#                                           --ctest alone: the whole suite)
#        tools/sanitize.sh EXE [EXE ...]    only these gtest executables (e.g. unit_config passes_test)
# NPU_JOBS sets the parallel jobs (default: nproc); NPU_ASAN_DIR another build folder (default build-fuzz).
# Exits non-zero when the build fails or any test fails (a sanitizer report fails its test).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. tools/sanitized-build.sh
# SystemC's coroutine stacks crash ASan's use-after-return detection (docs/fuzzing.md).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# RTL models the harness builds while a test runs (traced variants, other configs) get the sanitizers of the
# build's own models (NPU_RTL_CXX, hw/CMakeLists.txt) and go to a cache inside the build folder: a model with
# ASan cannot load into an unsanitized program, and the cache's freshness check does not look at the compiler.
san_env() {
  CXX=$(sed -n 's/^NPU_RTL_CXX:INTERNAL=//p' "$npu_san_dir/CMakeCache.txt")
  if command -v ccache >/dev/null; then
    CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir)}
    export CCACHE_DIR
  fi
  XDG_CACHE_HOME=$(cd "$npu_san_dir" && pwd)/cache
  export CXX XDG_CACHE_HOME
}
jobs=${NPU_JOBS:-$(nproc 2>/dev/null || echo 2)}
if [ $# -gt 0 ] && [ "$1" != --ctest ]; then
  npu_san_build "$@"
  san_env
  status=0
  for exe in "$@"; do
    echo "sanitize: $exe"
    "$npu_san_dir/bin/$exe" --gtest_brief=1 || status=1
  done
  exit $status
fi
npu_san_build
san_env
if [ $# -gt 0 ]; then
  shift
  exec ctest --test-dir "$npu_san_dir" -j"$jobs" --output-on-failure "$@"
fi
exec ctest --test-dir "$npu_san_dir" -j"$jobs" -LE "^(slow|asan_slow)$" -E "blazeface-back" --output-on-failure
