#!/usr/bin/env bash
# The main job: generate the project's own small CNN, compile it for configs/default.yaml, run it on the
# functional simulator, and print the predictions, the bit-for-bit match with the reference interpreter and the
# statistics; then mnist-8 the same way where ../shared/testdata has it.
# Usage: tools/demo.sh [--config FILE.yaml] [--build DIR]
#   --build DIR uses binaries already built in DIR (bin/npuc, bin/npu-modelgen) instead of building build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
config=configs/default.yaml
build=
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument '$1' (see tools/demo.sh --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$build" ]; then
  tools/setup.sh
  tools/build.sh npuc npu-modelgen rtl_models
  build=build
fi
npuc=$build/bin/npuc
out=build/demo
rm -rf "$out" && mkdir -p "$out"
start=$(date +%s.%N)

# Compiles, runs every data set on the functional simulator (statistics of the first), checks the artifact;
# with a report (the demo CNN) also prints the compile report and the SystemC model's cycles.
demo_model() {
  local name=$1 dir=$2 report=$3
  local npub=$out/$name.npub sets=("$dir"/test_data_set_*)
  echo
  echo "== $name: compile for $config, calibrated on its ${#sets[@]} input sets"
  $npuc compile "$dir/model.onnx" --config "$config" --calib "$dir" ${report:+--report} -o "$npub"
  echo
  echo "== $name: run on the functional simulator (npuc run --backend func), statistics of ${sets[0]##*/}"
  for set in "${sets[@]}"; do
    if [ "$set" = "${sets[0]}" ]; then
      $npuc run "$npub" --backend func --inputs "$set" --outputs "$out/$name-out/${set##*/}" \
        --stats "$out/$name-stats.json"
    else
      $npuc run "$npub" --backend func --inputs "$set" --outputs "$out/$name-out/${set##*/}" >/dev/null
    fi
  done
  echo
  echo "== $name: predictions; the artifact against the reference interpreter running the same quantized graph"
  $npuc check "$dir" --target npu --config "$config" --artifact "$npub"
  [ -n "$report" ] || return 0
  echo
  echo "== $name: cycles on the SystemC model (npuc run --backend systemc), ${sets[0]##*/}"
  $npuc run "$npub" --backend systemc --inputs "${sets[0]}" --outputs "$out/$name-systemc" \
    --stats "$out/$name-systemc.json"
  cmp -s "$out/$name-systemc/output_0.pb" "$out/$name-out/${sets[0]##*/}/output_0.pb" &&
    echo "systemc outputs: byte-identical to the functional simulator's"
  echo
  echo "== $name: the same on the RTL under Verilator (npuc run --backend rtl; docs/rtl.md)"
  $npuc run "$npub" --backend rtl --inputs "${sets[0]}" --outputs "$out/$name-rtl" \
    --stats "$out/$name-rtl.json" | grep -E '^(cycles|rtl|segment|host)' || true
  cmp -s "$out/$name-rtl/output_0.pb" "$out/$name-out/${sets[0]##*/}/output_0.pb" &&
    echo "rtl outputs: byte-identical to the functional simulator's"
  # The two stats files differ only in the backend's name when every cycle agrees (and in the latency's host
  # segments, whose wall time is measured on each run).
  if python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for s in (a, b):
    s.pop("backend"), s.pop("latency", None)
sys.exit(a != b)' "$out/$name-systemc.json" "$out/$name-rtl.json"; then
    echo "rtl statistics: identical to the SystemC model's (every unit's busy, stall and idle cycles)"
  else
    echo "rtl statistics: DIFFER from the SystemC model's (see $out/$name-rtl.json)"
  fi
}

echo
echo "== the demo model: a CNN the project writes itself (fixed seeds, its own ONNX writer)"
"$build/bin/npu-modelgen" "$out/demo_cnn"
demo_model demo_cnn "$out/demo_cnn" report

mnist=../shared/testdata/models/mnist-8
if [ -f "$mnist/model.onnx" ]; then
  demo_model mnist-8 "$mnist" ""
else
  echo
  echo "== mnist-8: skipped, $mnist is absent (external test data, see README.md)"
fi
echo
echo "demo: done in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s after the build;" \
  "artifacts, outputs (DIR-out/) and statistics (*-stats.json) in $out"
