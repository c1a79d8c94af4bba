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
. tools/sanitized-build.sh
NPU_JOBS=${NPU_JOBS:-2} npu_san_build "fuzz-$target" || { echo "fuzz: build of fuzz-$target failed" >&2; exit 1; }
work="$npu_san_dir/corpus/$target"
crashes="$npu_san_dir/crashes/$target"
mkdir -p "$work" "$crashes"
# The merged corpus grows in build-fuzz/; the committed seeds are read, never written.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The tile IR's instructions are written as in the assembly language.
dict=()
dictname=$target
[ "$target" = tile_ir ] && dictname=asm
[ -f "tests/fuzz/dict/$dictname.dict" ] && dict=(-dict="tests/fuzz/dict/$dictname.dict")
exec "$npu_san_dir/bin/fuzz-$target" "$work" "${seeds[@]}" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=6144 -malloc_limit_mb=4608 -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=1 \
  "${dict[@]}" "$@"
