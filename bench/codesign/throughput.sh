#!/bin/sh
# Sweep throughput of npuc sweep (issue 14 point 7): points per minute with the estimate and systemc backends on
# light ResNet-50 and BlazeFace (front) at --jobs 1 and 2, and the time of a 200-point sweep over three models
# (estimate). Prints a markdown table; a figure is printed only once the database holds every point's rows.
# usage: bench/codesign/throughput.sh [POINTS]   (env NPUC, DATA, WORK; run from the repository root)
set -u
NPUC=${NPUC:-build/bin/npuc}
DATA=${DATA:-../shared/testdata/models}
WORK=${WORK:-$(mktemp -d /tmp/npu-sweep-bench.XXXXXX)}
POINTS=${1:-6} # points per throughput figure: block_in 8/16 x dram.bandwidth 8/16/32
mkdir -p "$WORK"
die() { echo "throughput: $*" >&2; exit 1; }
[ -x "$NPUC" ] || die "no npuc at $NPUC (build it, or set NPUC)"
resnet=$DATA/onnx-light/light_resnet50/model.onnx blazeface=$DATA/blazeface-front/model.onnx
mnist=$DATA/mnist-8/model.onnx
for m in "$resnet" "$blazeface" "$mnist"; do [ -f "$m" ] || die "missing $m (set DATA)"; done

cat > "$WORK/small.yaml" <<YAML
base: $PWD/configs/default.yaml
parameters:
  core.block_in: [8, 16]
  dram.bandwidth: [8, 16, 32]
strategy: random $POINTS
YAML
# 3^5 = 243 grid points, 200 of them drawn.
cat > "$WORK/large.yaml" <<YAML
base: $PWD/configs/default.yaml
parameters:
  core.block_in: [8, 16, 32]
  core.block_out: [8, 16, 32]
  buffers.input: [16KiB, 32KiB, 64KiB]
  buffers.weight: [64KiB, 128KiB, 256KiB]
  dram.bandwidth: [8, 16, 32]
strategy: random 200
YAML

now() { date +%s.%N; }
# sweep NAME SPACE POINTS JOBS BACKEND MODEL...: runs a fresh sweep, checks the rows, prints "seconds".
sweep() {
  name=$1 space=$2 points=$3 jobs=$4 backend=$5
  shift 5
  db=$WORK/$name.sqlite
  rm -f "$db" "$db-wal" "$db-shm"
  t0=$(now)
  "$NPUC" sweep "$@" --space "$space" --db "$db" --jobs "$jobs" --backend "$backend" > "$WORK/$name.log" 2>&1 ||
    die "$name: npuc sweep failed (see $WORK/$name.log)"
  t1=$(now)
  rows=$("$NPUC" sweep report "$db" | sed -n 's/.*: \([0-9]*\) rows (one per point and model).*/\1/p')
  [ "$rows" = $((points * $#)) ] || die "$name: $rows rows in $db, expected $points points x $# models"
  echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}'
}
rate() { echo "$1 $2" | awk '{printf "%.0f", $1 * 60 / $2}'; }

echo "| model | backend | --jobs 1 | --jobs 2 |"
echo "|---|---|---|---|"
for model in resnet50-light blazeface-front; do
  path=$resnet
  [ $model = blazeface-front ] && path=$blazeface
  for backend in estimate systemc; do
    line="| $model | $backend |"
    for jobs in 1 2; do
      s=$(sweep "$model-$backend-j$jobs" "$WORK/small.yaml" "$POINTS" $jobs $backend "$path") || exit 1
      line="$line $(rate "$POINTS" "$s") points/min ($POINTS points in $s s) |"
    done
    echo "$line"
  done
done
s=$(sweep large-estimate "$WORK/large.yaml" 200 2 estimate "$resnet" "$blazeface" "$mnist") || exit 1
echo
echo "200 points x 3 models (light ResNet-50, BlazeFace front, mnist-8), estimate, --jobs 2: $s s" \
     "($(rate 200 "$s") points/min)"
echo "(databases and logs in $WORK; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
