#!/bin/bash
# npuc sweep --executor slurm against a real single-node Slurm started here on localhost (munged, slurmctld and
# slurmd in the foreground, config and state in a temporary folder): the merged database must hold every point
# once, with the rows of the same sweep run by the local executor. Exits 77 (skipped) without Slurm.
# usage: slurm_sweep.sh NPUC MODELGEN SRC
NPUC=$1 MODELGEN=$2 SRC=$3
say() { echo "slurm_sweep: $*"; }
die() { echo "slurm_sweep: FAIL: $*" >&2; exit 1; }
for tool in slurmctld slurmd munged sbatch squeue sinfo scontrol scancel python3; do
  command -v $tool >/dev/null || { echo "SKIPPED: $tool is absent (tools/setup.sh installs slurm-wlm and munge)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root (the localhost slurmd starts jobs as their user; SlurmUser=root)"; exit 77; }

T=$(mktemp -d /tmp/npu-slurm.XXXXXX) || die "no temporary folder"
pids=()
cleanup() {
  # Jobs first (their slurmstepd would outlive slurmd), then the daemons this script started, by pid.
  if [ -n "${SLURM_CONF:-}" ] && [ ${#pids[@]} -gt 0 ]; then
    timeout 5 scancel --full --quiet --user=root >/dev/null 2>&1
    for _ in $(seq 20); do [ -z "$(timeout 2 squeue --noheader 2>/dev/null)" ] && break; sleep 0.1; done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# A watchdog for a SIGKILLed script (a CTest timeout), whose trap cannot run: it stops the daemons listed in
# $T/pids once this shell is gone. Its output goes nowhere, so CTest does not wait for it.
(
  while kill -0 $$ 2>/dev/null; do sleep 1; done
  if [ -f "$T/pids" ]; then
    kill $(cat "$T/pids") 2>/dev/null # timeout passes TERM on to its npuc
    sleep 1
    kill -9 $(cat "$T/pids") 2>/dev/null
  fi
  rm -rf "$T"
) >/dev/null 2>&1 </dev/null &
started() { pids+=("$1"); echo "$1" >>"$T/pids"; }
# Runs a command in the background for the watchdog to see, and waits for it.
watched() {
  "$@" &
  local p=$!
  echo "$p" >>"$T/pids"
  wait "$p"
}

# Two free TCP ports (the kernel's choice), so that concurrent runs do not collide.
read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])') || die "no free ports"

mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/log" "$T/work"
chmod 755 "$T" "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2>/dev/null && chmod 400 "$T/munge/munge.key"
munged --foreground --force --key-file="$T/munge/munge.key" --socket="$T/munge/socket" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/munge/seed" \
  >"$T/log/munged.out" 2>&1 &
started $!
for _ in $(seq 50); do [ -S "$T/munge/socket" ] && break; sleep 0.1; done
[ -S "$T/munge/socket" ] || { cat "$T/log/munged.out"; die "munged did not start"; }

# CPUs=4 on 2 cores (config_overrides): the tasks are short and mostly process start. sched_interval=1: the
# periodic scheduling pass every second instead of 60 s, so that jobs pending on the drained node start as soon
# as it is resumed (in one run of about 20 they waited past 30 s without it).
cat >"$T/slurm.conf" <<EOF
ClusterName=npuctest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0,sched_interval=1
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
NodeName=localhost NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf
up_start=$(date +%s.%N)
slurmctld -D -i >"$T/log/slurmctld.out" 2>&1 &
started $!
slurmd -D -N localhost >"$T/log/slurmd.out" 2>&1 &
started $!
for _ in $(seq 150); do
  [ "$(timeout 2 sinfo --noheader --format=%T 2>/dev/null)" = idle ] && break
  sleep 0.1
done
if [ "$(timeout 2 sinfo --noheader --format=%T 2>/dev/null)" != idle ]; then
  tail -n 20 "$T"/log/*
  die "the localhost Slurm did not come up in 15 s"
fi
say "Slurm up in $(python3 -c "import time; print(f'{time.time() - $up_start:.1f}')") s (ports $CTLD_PORT, $SLURMD_PORT)"

# 10 points (block_in x DRAM bandwidth) on the demo CNN with the estimate backend.
W=$T/work
"$MODELGEN" "$W/cnn" >/dev/null || die "npu-modelgen failed"
cat >"$W/space.yaml" <<EOF
base: $SRC/configs/default.yaml
parameters:
  core.block_in: [8, 16]
  dram.bandwidth: [4, 8, 16, 32, 64]
strategy: grid
EOF
sweep() { watched timeout 45 "$NPUC" sweep "$W/cnn/model.onnx" --calib "$W/cnn/test_data_set_0" --space "$W/space.yaml" "$@"; }
sweep --db "$W/local.sqlite" --jobs 2 >"$W/local.log" 2>&1 || { cat "$W/local.log"; die "local sweep failed"; }

# Rows of a database as text, every column but wall_s and created (they differ from run to run), by key.
rows() {
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(results)") if r[1] not in ("wall_s", "created")]
for r in db.execute(f"SELECT {', '.join(cols)} FROM results ORDER BY config_hash, model_hash"):
    print("|".join(map(repr, r)))
PY
}

# Submit through --executor slurm and wait for the merge job; time from submission to merged.
t0=$(date +%s.%N)
sweep --db "$W/slurm.sqlite" --executor slurm --max-parallel 4 --wait >"$W/slurm.log" 2>&1
rc=$?
cat "$W/slurm.log"
[ $rc -eq 0 ] || { tail -n 5 "$W"/slurm.sqlite.slurm/run-1/*.out; die "slurm sweep failed (exit $rc)"; }
say "10-task array and merge: merged $(python3 -c "import os, sys; print(f'{os.path.getmtime(sys.argv[1]) - $t0:.1f}')" \
  "$W/slurm.sqlite.slurm/run-1/merged.txt") s after the command started, --wait returned after $(python3 -c \
  "import time; print(f'{time.time() - $t0:.1f}')") s"
grep -q "submitted array job [0-9]* (10 tasks, at most 4 at a time) and merge job [0-9]*" "$W/slurm.log" ||
  die "the job ids were not printed"
grep -q "^points_missing: 0$" "$W/slurm.sqlite.slurm/run-1/merged.txt" || die "merge summary: points missing"
n=$(rows "$W/slurm.sqlite" | wc -l)
distinct=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
  'SELECT COUNT(DISTINCT point_index) FROM results').fetchone()[0])" "$W/slurm.sqlite")
[ "$n" = 10 ] && [ "$distinct" = 10 ] || die "expected 10 rows of 10 distinct points, got $n rows, $distinct points"
rows "$W/local.sqlite" >"$W/local.rows"
rows "$W/slurm.sqlite" >"$W/slurm.rows"
[ "$(wc -l <"$W/local.rows")" = 10 ] || die "the local sweep wrote $(wc -l <"$W/local.rows") rows, not 10"
diff "$W/local.rows" "$W/slurm.rows" >/dev/null || die "slurm rows differ from the local executor's"
say "10 rows, 10 distinct points, equal to the local executor's rows"

# Merging again adds nothing; a rerun submits nothing.
timeout 20 "$NPUC" sweep --merge "$W/slurm.sqlite.slurm/run-1/manifest.yaml" >"$W/remerge.log" 2>&1 ||
  die "second merge failed"
grep -q "^rows_new: 0$" "$W/remerge.log" || die "a second merge added rows"
sweep --db "$W/slurm.sqlite" --executor slurm --wait >"$W/rerun.log" 2>&1 || die "rerun failed"
grep -q "10 done already, 0 to run on Slurm" "$W/rerun.log" || { cat "$W/rerun.log"; die "rerun submitted points"; }
[ ! -e "$W/slurm.sqlite.slurm/run-2" ] || die "a rerun with nothing to do made a run folder"

# A failed task: 4 points lost from the database go to a rerun in 2 shards while the node is drained, shard 1's
# file is made unopenable (a folder in its place), and the node resumed. The merge takes shard 0's 2 points and
# reports 2 missing; the same command again submits only those 2.
python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute(
  'DELETE FROM results WHERE point_index IN (1, 4, 7, 8)'); d.commit()" "$W/slurm.sqlite"
timeout 5 scontrol update NodeName=localhost State=DRAIN Reason=npu-test || die "cannot drain the node"
sweep --db "$W/slurm.sqlite" --executor slurm --shards 2 >"$W/fail.log" 2>&1 || { cat "$W/fail.log"; die "resubmission failed"; }
grep -q "6 done already, 4 to run on Slurm" "$W/fail.log" || { cat "$W/fail.log"; die "expected 4 points resubmitted"; }
grep -q "(2 tasks)" "$W/fail.log" || die "--shards 2 did not give 2 tasks"
run2=$W/slurm.sqlite.slurm/run-2
mkdir "$run2/shard-1.sqlite"
timeout 5 scontrol update NodeName=localhost State=RESUME || die "cannot resume the node"
for _ in $(seq 300); do [ -f "$run2/merged.txt" ] && break; sleep 0.1; done
[ -f "$run2/merged.txt" ] || {
  timeout 5 squeue --format="%i %T %r"; timeout 5 sinfo; ls "$run2"; tail -n 30 "$T/log/slurmctld.log"
  die "the merge after a failed task did not finish in 30 s"
}
grep -q "cannot open the results database" "$run2/shard-1.out" || die "shard 1 did not fail as arranged"
grep -q "^points_complete: 2 of 4$" "$run2/merged.txt" && grep -q "^points_missing: 2$" "$run2/merged.txt" ||
  { cat "$run2/merged.txt"; die "merge after a failed task: expected 2 of 4 points complete"; }
[ "$(rows "$W/slurm.sqlite" | wc -l)" = 8 ] || die "expected 8 rows after the failed task"
rmdir "$run2/shard-1.sqlite"
sweep --db "$W/slurm.sqlite" --executor slurm --wait >"$W/missing.log" 2>&1 ||
  { cat "$W/missing.log"; die "rerun after the failed task failed"; }
grep -q "8 done already, 2 to run on Slurm" "$W/missing.log" || { cat "$W/missing.log"; die "rerun did not submit 2"; }
rows "$W/slurm.sqlite" >"$W/slurm.rows"
diff "$W/local.rows" "$W/slurm.rows" >/dev/null || die "rows after the resubmission differ from the local ones"
say "failed task: 2 of 4 points merged, 2 missing; the rerun submitted those 2; 10 rows equal to the local ones"
say "PASS"
