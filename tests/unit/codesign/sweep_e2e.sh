#!/bin/sh
# One step of the npuc sweep end-to-end tests (tests/unit/codesign/CMakeLists.txt runs each through
# expect_run.sh): env NPUC, MODELGEN, MODEL, CALIB, WORK, SRC; exits non-zero when a check fails.
step=$1
mkdir -p "$WORK"
die() { echo "sweep_e2e: $*" >&2; exit 1; }
# The model: the demo CNN when MODEL does not exist (no external test data).
# Steps run in parallel: files they share are written under a temporary name and renamed (atomic).
if [ ! -f "$MODEL" ]; then
  "$MODELGEN" "$WORK/cnn.$$" >/dev/null || die "npu-modelgen failed"
  mv -T "$WORK/cnn.$$" "$WORK/cnn" 2>/dev/null || rm -rf "$WORK/cnn.$$"
fi
cat > "$WORK/space.yaml.$$" <<YAML
base: $SRC/configs/default.yaml
parameters:
  core.block_in: [8, 16]
  core.block_out: [8, 16]
  dram.bandwidth: [8, 16]
strategy: grid
YAML
mv "$WORK/space.yaml.$$" "$WORK/space.yaml"
sweep() { "$NPUC" sweep "$MODEL" --calib "$CALIB" --space "$WORK/space.yaml" "$@"; }
# Rows in a database: the first line of the report, "DB: N rows ...".
rows() { "$NPUC" sweep report "$1" | sed -n 's/.*: \([0-9]*\) rows .*/\1/p'; }

case $step in
fresh)
  rm -f "$WORK"/r.sqlite*
  sweep --db "$WORK/r.sqlite" --jobs 2 || die "sweep failed"
  ;;
rerun)
  sweep --db "$WORK/r.sqlite" --jobs 2 || die "sweep failed"
  ;;
kill-resume)
  rm -f "$WORK"/k.sqlite*
  # npuc itself in the background (not through a shell function, whose $! would be a subshell).
  "$NPUC" sweep "$MODEL" --calib "$CALIB" --space "$WORK/space.yaml" --db "$WORK/k.sqlite" --jobs 2 \
    --throttle-ms 500 > "$WORK/k.log" 2>&1 &
  pid=$!
  n=0 tries=0
  while [ "${n:-0}" -lt 1 ] && [ $tries -lt 200 ]; do
    sleep 0.1
    n=$(rows "$WORK/k.sqlite")
    tries=$((tries + 1))
  done
  kill -9 $pid
  wait $pid 2>/dev/null
  n=$(rows "$WORK/k.sqlite")
  sleep 1 # longer than a point and its pause: the workers died with their parent (PR_SET_PDEATHSIG)
  [ "$(rows "$WORK/k.sqlite")" = "$n" ] || die "rows were written after the sweep was killed"
  echo "killed after $n of 8 points"
  [ "$n" -ge 1 ] && [ "$n" -lt 8 ] || die "expected the kill mid-way: $n of 8 rows"
  sweep --db "$WORK/k.sqlite" --jobs 2 || die "resumed sweep failed"
  "$NPUC" sweep report "$WORK/k.sqlite" --csv "$WORK/k.csv" >/dev/null || die "report failed"
  total=$(($(wc -l < "$WORK/k.csv") - 1))
  distinct=$(tail -n +2 "$WORK/k.csv" | awk -F, '{print $18 "|" $2 "|" $3 "|" $19}' | sort -u | wc -l)
  echo "resumed: $total rows, $distinct distinct keys"
  ;;
jobs)
  # Reproducible at every --jobs value (issue 13 point 5): one and two workers write the same rows (every column
  # but the wall time and the creation time).
  rm -f "$WORK"/j1.sqlite* "$WORK"/j2.sqlite*
  sweep --db "$WORK/j1.sqlite" --jobs 1 >/dev/null || die "sweep --jobs 1 failed"
  sweep --db "$WORK/j2.sqlite" --jobs 2 >/dev/null || die "sweep --jobs 2 failed"
  for j in 1 2; do
    python3 - "$WORK/j$j.sqlite" > "$WORK/j$j.rows" <<'PY' || die "reading j$j.sqlite"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(results)") if r[1] not in ("wall_s", "created")]
for r in db.execute(f"SELECT {', '.join(cols)} FROM results ORDER BY config_hash, model_hash"):
    print("|".join(map(repr, r)))
PY
  done
  cmp -s "$WORK/j1.rows" "$WORK/j2.rows" || die "rows differ between --jobs 1 and --jobs 2"
  echo "jobs 1 and 2: $(wc -l < "$WORK/j1.rows") rows equal"
  ;;
report)
  rm -rf "$WORK/plots" "$WORK/r.csv"
  "$NPUC" sweep report "$WORK/r.sqlite" --csv "$WORK/r.csv" --svg "$WORK/plots" || die "report failed"
  echo "csv: $(wc -l < "$WORK/r.csv") lines"
  ;;
svg)
  for f in "$WORK"/plots/*.svg; do
    if command -v xmllint >/dev/null; then
      xmllint --noout "$f" || die "$f is not well-formed XML"
    else
      python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$f" || die "$f: bad XML"
    fi
  done
  echo "xml ok"
  echo "area circles $(grep -c '<circle' "$WORK/plots/estimate-pareto-area.svg")," \
       "energy circles $(grep -c '<circle' "$WORK/plots/estimate-pareto-energy.svg")," \
       "heat map cells $(grep -c '<rect x=' "$WORK/plots/estimate-heatmap.svg")"
  ;;
roofline)
  # The fastest point by default, a point chosen by index, and an unknown point.
  rm -rf "$WORK/roof"
  "$NPUC" sweep report "$WORK/r.sqlite" --svg "$WORK/roof" > "$WORK/roof.log" || die "report failed"
  fastest=$(sed -n 's/.*roofline of point \([0-9]*\) (the fastest).*/\1/p' "$WORK/roof.log")
  [ -n "$fastest" ] || die "no roofline line in the report"
  svg=$(ls "$WORK"/roof/estimate-roofline-*.svg) || die "no roofline SVG"
  python3 "$SRC/tests/unit/codesign/check_roofline.py" "$WORK/r.sqlite" "$svg" estimate "$fastest" "$MODEL" ||
    die "fastest point's roofline"
  rm -rf "$WORK/roof"
  "$NPUC" sweep report "$WORK/r.sqlite" --svg "$WORK/roof" --roofline 2 | grep "roofline of point 2:" ||
    die "--roofline 2"
  python3 "$SRC/tests/unit/codesign/check_roofline.py" "$WORK/r.sqlite" "$svg" estimate 2 "$MODEL" ||
    die "point 2's roofline"
  if "$NPUC" sweep report "$WORK/r.sqlite" --svg "$WORK/roof" --roofline 99 2>&1; then die "--roofline 99 passed"; fi
  # --model: the same rows (one model here), and an error naming a model that has none.
  "$NPUC" sweep report "$WORK/r.sqlite" --model "$MODEL" | grep "8 rows" || die "--model"
  if "$NPUC" sweep report "$WORK/r.sqlite" --model no-such-model 2>&1; then die "--model no-such-model passed"; fi
  ;;
errors)
  mkdir -p "$WORK/e"
  printf 'base: %s/configs/default.yaml\nparameters:\n  core.blok_in: [8]\n' "$SRC" > "$WORK/e/space.yaml"
  "$NPUC" sweep "$MODEL" --space "$WORK/e/space.yaml" --db "$WORK/e.sqlite"
  [ $? -eq 1 ] || die "expected exit 1 for an unknown key"
  printf 'base: %s/configs/default.yaml\nparameters:\n  core.block_in: [8]\nconstraints:\n  - core.block_in > 4\n  - core.block_in +\n' \
    "$SRC" > "$WORK/e/bad-constraint.yaml"
  "$NPUC" sweep "$MODEL" --space "$WORK/e/bad-constraint.yaml" --db "$WORK/e.sqlite"
  [ $? -eq 1 ] || die "expected exit 1 for a bad constraint"
  # Point 0 does not validate (a buffer smaller than a row), point 1 does not compile (the micro-op buffer holds
  # 4 micro-ops, fewer than a conv kernel's), point 2 is fine: all three are recorded.
  printf 'base: %s/configs/default.yaml\nparameters:\n  buffers.uop: [1, 32B, 32KiB]\n' "$SRC" > "$WORK/e/invalid.yaml"
  rm -f "$WORK"/e.sqlite*
  "$NPUC" sweep "$MODEL" --calib "$CALIB" --space "$WORK/e/invalid.yaml" --db "$WORK/e.sqlite" ||
    die "a sweep with an invalid point must still succeed"
  "$NPUC" sweep report "$WORK/e.sqlite" || die "report failed"
  ;;
slurm-absent)
  # --executor slurm where sbatch is not on PATH: a clear error, exit 1, nothing written for Slurm.
  rm -rf "$WORK"/ns.sqlite*
  PATH=/nonexistent "$NPUC" sweep "$MODEL" --calib "$CALIB" --space "$WORK/space.yaml" --db "$WORK/ns.sqlite" \
    --executor slurm > "$WORK/ns.log" 2>&1
  [ $? -eq 1 ] || die "expected exit 1 without sbatch"
  cat "$WORK/ns.log"
  [ ! -e "$WORK/ns.sqlite.slurm" ] || die "a Slurm run folder was made without sbatch"
  ;;
run-energy)
  # npuc run --stats gains "energy", the same on every backend (the counts are the same).
  "$NPUC" compile "$MODEL" --config "$SRC/configs/default.yaml" --calib "$CALIB" -o "$WORK/m.npub" >/dev/null ||
    die "compile failed"
  for b in func systemc; do
    "$NPUC" run "$WORK/m.npub" --backend $b --inputs "$CALIB" --stats "$WORK/$b.json" >/dev/null || die "run $b failed"
    # The stats file is indented JSON: Python's json module reads the member, one line per file.
    python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["energy"]))' "$WORK/$b.json" \
      > "$WORK/$b.energy" || die "no energy in $b's stats"
  done
  cmp "$WORK/func.energy" "$WORK/systemc.energy" || die "func and systemc energies differ"
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))["total_cycles"]' "$WORK/systemc.json" ||
    die "systemc stats lost total_cycles"
  echo "energy equal on func and systemc: $(grep -o '"total_pj": [0-9.e+]*' "$WORK/systemc.energy")"
  ;;
*)
  die "unknown step $step"
  ;;
esac
