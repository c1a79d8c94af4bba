#!/usr/bin/env bash
# Fuzzes every target of tests/fuzz/targets.txt for SECONDS each (tools/fuzz.sh: libFuzzer + ASan/UBSan) and prints
# a table of executions, executions per second and what was found (crash files). Usage: bench/fuzz/run.sh [SECONDS]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
seconds=${1:-60}
targets=$(grep -E '^[a-z]' tests/fuzz/targets.txt | cut -d' ' -f1)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
status=0
printf '%-10s %12s %10s  %s\n' target executions exec/s found
for t in $targets; do
  before=$(ls "build-fuzz/crashes/$t" 2>/dev/null | wc -l)
  tools/fuzz.sh "$t" "$seconds" > "$log/$t" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log/$t" | tail -n 1)
  after=$(ls "build-fuzz/crashes/$t" 2>/dev/null | wc -l)
  found=$((after - before))
  # A figure only for a run that finished: libFuzzer prints its final statistics at the end of a clean run.
  if [ -z "$execs" ]; then
    printf '%-10s %12s %10s  %s\n' "$t" - - "no final statistics (exit $rc): see tools/fuzz.sh $t"
    status=1
    continue
  fi
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    status=1
    what="$found new input(s) in build-fuzz/crashes/$t (exit $rc)"
  else
    what=nothing
  fi
  printf '%-10s %12s %10s  %s\n' "$t" "$execs" "$((execs / seconds))" "$what"
done
exit "$status"
