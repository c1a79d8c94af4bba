#!/usr/bin/env bash
# Fidelity of the quantized NPU path against fp32 on the real models (issue 12, point 5): npuc check --target npu
# --cross-validate (each data set calibrated on the other two) per model, config and quantization options, one
# table row each: worst output SQNR per held-out set, sets whose score outputs' top-1 equals fp32's, NPU segments,
# and whether the issue's targets hold (every output >= 25 dB, top-1 equal on every set, at most 3 NPU segments).
# Every run also checks the NPU outputs bit for bit against the reference interpreter (a mismatch fails the row).
# Usage: bench/fidelity/run.sh [TESTDATA_DIR] (default ../shared/testdata); NPUC=path overrides build/bin/npuc.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$root/../shared/testdata}
npuc=${NPUC:-$root/build/bin/npuc}
if [ ! -x "$npuc" ]; then
  echo "fidelity: no npuc at $npuc (build first: tools/build.sh npuc)" >&2
  exit 2
fi
if [ ! -d "$data/models" ]; then
  echo "fidelity: no test data at $data/models (the real models are in ../shared/testdata, docs/quantization.md)" >&2
  exit 2
fi
# model | config | options
rows=(
  "mnist-8|default|"
  "mnist-8|edge|"
  "blazeface-front|default|"
  "blazeface-front|edge|"
  "blazeface-front|default|--act-zero-point=asymmetric --weight-rounding gptq --bias-correction"
  "blazeface-front|edge16|--weight-rounding gptq --bias-correction"
  "blazeface-front|edge16|--weight-rounding gptq --bias-correction --mixed-precision=30"
  "blazeface-back|default|"
  "blazeface-back|edge|"
  "blazeface-back|default|--act-zero-point=asymmetric --weight-rounding gptq --bias-correction"
  "blazeface-back|edge16|--weight-rounding gptq --bias-correction"
  "blazeface-back|edge16|--weight-rounding gptq --bias-correction --mixed-precision=30"
)
status=0
printf '| model | config | options | worst SQNR per held-out set (dB) | top-1 = fp32 | NPU segments | targets |\n'
printf '|---|---|---|---|---|---|---|\n'
for row in "${rows[@]}"; do
  IFS='|' read -r model config opts <<< "$row"
  [ -d "$data/models/$model" ] || continue
  # shellcheck disable=SC2086 # the options are words
  out=$("$npuc" check "$data/models/$model" --target npu --cross-validate --config "$root/configs/$config.yaml" \
        $opts 2>&1)
  rc=$?
  summary=$(printf '%s\n' "$out" | awk '
    /test_data_set_[0-9]+ \(held out\)/ { set++; worst[set] = ""; top[set] = 1; sets = set }
    /^ +output_[0-9]+: SQNR/ {
      match($0, /SQNR [-0-9.]+/); v = substr($0, RSTART + 5, RLENGTH - 5) + 0
      if (worst[set] == "" || v < worst[set]) worst[set] = v
      if (all == "" || v < all) all = v
      if ($0 ~ /top-1/ && $0 ~ /DIFFERENT/) top[set] = 0
    }
    /segments \(/ { match($0, /\([0-9]+ npu\)/); seg = substr($0, RSTART + 1, RLENGTH - 6) + 0; if (seg > maxseg) maxseg = seg }
    END {
      s = ""; eq = 0
      for (i = 1; i <= sets; i++) { s = s (i > 1 ? " / " : "") sprintf("%.1f", worst[i]); eq += top[i] }
      met = (all >= 25 && eq == sets && maxseg <= 3) ? "met" : "not met"
      printf "%s|%d of %d|%d|%s", s, eq, sets, maxseg, met
    }')
  IFS='|' read -r worst top seg met <<< "$summary"
  if [ "$rc" -ne 0 ] || ! printf '%s\n' "$out" | grep -q "bit-identical to the reference interpreter"; then
    met="FAILED (exit $rc): the NPU outputs differ from the interpreter or the check failed"
    status=1
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$model" "$config" "${opts:-(defaults)}" "$worst" "$top" "$seg" "$met"
done
exit $status
