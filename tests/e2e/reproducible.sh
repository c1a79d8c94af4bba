#!/bin/sh
# Reproducibility (issue 13 point 5): the same model compiles to byte-identical artifacts, and every backend
# gives byte-identical outputs, stats and (SystemC, RTL) traces on two runs, and the host JIT the same outputs
# at 1 and 2 threads. usage: reproducible.sh NPUC MODEL_DIR CONFIG WORKDIR
set -u
npuc=$1 model=$2 config=$3 work=$4
rm -rf "$work" && mkdir -p "$work" || exit 1
fail=0
same() { # same WHAT FILE1 FILE2
  if ! cmp -s "$2" "$3" 2>/dev/null && ! diff -r "$2" "$3" >/dev/null 2>&1; then
    echo "NOT REPRODUCIBLE: $1 ($2 vs $3)"
    fail=1
  else
    echo "same: $1"
  fi
}
run() { "$@" >/dev/null 2>"$work/err" || { echo "FAILED: $*"; cat "$work/err"; exit 1; }; }
for i in 1 2; do
  run "$npuc" compile "$model/model.onnx" --config "$config" --calib "$model/test_data_set_0" -o "$work/npu$i.npub"
  run "$npuc" compile "$model/model.onnx" --target host -o "$work/host$i.npub"
done
same "npu artifact" "$work/npu1.npub" "$work/npu2.npub"
same "host artifact" "$work/host1.npub" "$work/host2.npub"
for be in func systemc rtl; do
  for i in 1 2; do
    trace=""
    [ "$be" != func ] && trace="--trace $work/$be$i.trace.json"
    # Host segments' measured wall time (the latency in --stats and the trace's host track) differs from run to
    # run; modeled from their FLOPs (--host-gflops) it is part of what must be reproducible.
    # shellcheck disable=SC2086
    run "$npuc" run "$work/npu1.npub" --backend "$be" --config "$config" --inputs "$model/test_data_set_0" \
      --outputs "$work/$be$i.out" --stats "$work/$be$i.stats.json" --host-gflops 10 $trace
  done
  same "$be outputs" "$work/${be}1.out" "$work/${be}2.out"
  same "$be stats" "$work/${be}1.stats.json" "$work/${be}2.stats.json"
  [ "$be" != func ] && same "$be trace" "$work/${be}1.trace.json" "$work/${be}2.trace.json"
done
for t in 1 2; do
  run "$npuc" run "$work/host1.npub" --backend host --threads "$t" --inputs "$model/test_data_set_0" \
    --outputs "$work/host_t$t.out"
done
same "host outputs at 1 and 2 threads" "$work/host_t1.out" "$work/host_t2.out"
[ $fail -eq 0 ] && echo "reproducible: $model on $config"
exit $fail
