#!/usr/bin/env bash
# The main job: assemble a bundled example for configs/default.yaml, run it on the functional simulator and
# check it against an independent plain C++ reference; prints the result check and the statistics.
# Usage: tools/demo.sh [EXAMPLE] [CONFIG]   (defaults: matmul_tiled, configs/default.yaml)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
example=${1:-matmul_tiled}
config=${2:-configs/default.yaml}
tools/setup.sh
tools/build.sh npuc npu-example-ref
out=build/demo/$example
rm -rf "$out" && mkdir -p "$out"
npuc=build/bin/npuc

echo
echo "== 1. config: $config"
$npuc config check "$config"
echo
echo "== 2. assemble examples/asm/$example.s"
$npuc asm "examples/asm/$example.s" --config "$config" -o "$out/$example.npub"
echo
echo "== 3. expected outputs from the plain C++ reference (examples/reference)"
build/bin/npu-example-ref "$out/$example.npub" "$out/expected"
echo
echo "== 4. run on the functional simulator and compare"
$npuc run "$out/$example.npub" --backend func --config "$config" --outputs "$out/outputs" \
  --compare "$out/expected" --stats "$out/stats.json"
echo
echo "demo: outputs in $out/outputs, statistics in $out/stats.json"
