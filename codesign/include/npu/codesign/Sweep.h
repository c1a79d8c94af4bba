// The sweep driver: which points are left to do, worker processes that evaluate them and write each point in
// one transaction, progress with an ETA, Ctrl-C handling, and the adaptive strategy's selection.
#pragma once

#include "npu/codesign/Evaluate.h"

#include <ostream>
#include <string>
#include <vector>

namespace npu::codesign {

struct SlurmOptions;

struct SweepOptions {
  std::string DbPath;
  unsigned Jobs = 1;
  EvalOptions Eval;
  std::vector<ModelSpec> Models;
  unsigned ThrottleMs = 0; ///< a pause after each point (tests that interrupt a sweep use it)
  std::ostream *Out = nullptr;
  bool Wal = true; ///< false: the database is a Slurm task's shard file (ResultDb::open)
  /// Set: the points left to do go to a Slurm job array (Slurm.h) instead of local workers; the adaptive
  /// strategy's cost-model pass still runs here.
  const SlurmOptions *Slurm = nullptr;
};

struct SweepSummary {
  uint64_t Points = 0;   ///< points of the space (after constraints and the strategy)
  uint64_t Excluded = 0; ///< grid points a constraint removed
  uint64_t Skipped = 0;  ///< points found complete in the database
  uint64_t Evaluated = 0;
  uint64_t Submitted = 0; ///< points handed to Slurm
  bool Interrupted = false;
};

/// Runs the sweep of S. Points present in the database for every model (same config hash, model hash,
/// backend and compiler version) are skipped. Errors: the space, the database, a worker that died.
Expected<SweepSummary> runSweep(const Space &S, const SweepOptions &O);

/// Evaluates those of Points that the database lacks, with O.Jobs local workers (a Slurm task's shard).
Expected<SweepSummary> runPoints(const Space &S, const std::vector<Point> &Points, const SweepOptions &O);

/// The adaptive strategy's choice: from the estimate rows of Points, those on the Pareto front of (total
/// estimated time, area) or of (time, energy), by time, then the rest by time, until Count.
std::vector<uint64_t> adaptiveSelection(const std::vector<PointResult> &EstimateRows, uint64_t Count);

} // namespace npu::codesign
