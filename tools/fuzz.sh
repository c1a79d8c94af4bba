#!/usr/bin/env bash
# Builds one fuzz target with libFuzzer + ASan/UBSan (clang-16, build-fuzz/) and fuzzes it on its corpus.
# Usage: tools/fuzz.sh TARGET [SECONDS] [libFuzzer flags...]; TARGET is a line of tests/fuzz/targets.txt.
# New corpus entries go to build-fuzz/corpus/TARGET, crashes to build-fuzz/crashes/TARGET (docs/fuzzing.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=$(grep -E '^[a-z]' tests/fuzz/targets.txt | cut -d' ' -f1 | tr '\n' ' ')
if [ $# -lt 1 ] || ! grep -qE "^$1( |\$)" tests/fuzz/targets.txt; then
  echo "usage: tools/fuzz.sh TARGET [SECONDS] [libFuzzer flags...]; targets: $targets" >&2
  exit 2
fi
target=$1
# Seeds: the committed corpus, the target's crashes and the folders targets.txt names.
seeds=()
for d in "tests/fuzz/corpus/$target" "tests/fuzz/crashes/$target" $(grep -E "^$target( |\$)" tests/fuzz/targets.txt | cut -d' ' -f2-); do
  [ -d "$d" ] && [ "$d" != "$target" ] && seeds+=("$d")
done
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
command -v clang++-16 >/dev/null || { echo "fuzz: clang-16 missing (tools/setup.sh installs it)" >&2; exit 1; }
export CCACHE_BASEDIR="$root"
if [ ! -f build-fuzz/build.ninja ]; then
  # -O1 with line tables: a quarter of -O2 -g's build time; asserts stay on (no NDEBUG).
  CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    -DNPU_FUZZ=ON -DNPU_BUILD_BENCH=OFF >/dev/null
fi
set +e
ninja -C build-fuzz -j"${NPU_JOBS:-2}" "fuzz-$target" 2>&1 | grep -v -E '^\[[0-9]+/[0-9]+\] '
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "fuzz: build of fuzz-$target failed" >&2; exit "$status"; }
work="build-fuzz/corpus/$target"
crashes="build-fuzz/crashes/$target"
mkdir -p "$work" "$crashes"
# The merged corpus grows in build-fuzz/; the committed seeds are read, never written.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The tile IR's instructions are written as in the assembly language.
dict=()
dictname=$target
[ "$target" = tile_ir ] && dictname=asm
[ -f "tests/fuzz/dict/$dictname.dict" ] && dict=(-dict="tests/fuzz/dict/$dictname.dict")
exec "build-fuzz/bin/fuzz-$target" "$work" "${seeds[@]}" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=6144 -malloc_limit_mb=4608 -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=1 \
  "${dict[@]}" "$@"
