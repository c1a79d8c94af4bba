// Sweeps on a Slurm cluster (npuc sweep --executor slurm): a manifest of the points, a job array whose tasks each
// evaluate one shard into their own result file, and a merge job that copies those rows into the database.
#pragma once

#include "npu/codesign/Sweep.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace npu::codesign {

/// The sweep's command-line arguments that define its rows (models, --space, --calib, --input-shape, --backend, --tech,
/// --area): a task rebuilds its SweepOptions from them exactly as the local command does.
struct SweepArgs {
  std::vector<std::string> Models;
  std::vector<std::pair<std::string, std::string>> Options; ///< (flag, value) in command-line order
};

/// How npuc sweep --executor slurm submits.
struct SlurmOptions {
  std::string Partition;    ///< --partition, "" for the cluster's default
  unsigned MaxParallel = 0; ///< array tasks running at once (--array=...%K), 0 for no limit
  unsigned Shards = 0;      ///< array tasks, 0 for one per point up to DefaultShards
  bool Wait = false;        ///< poll until the merge job has finished
  std::string Npuc;         ///< the npuc binary the jobs run (absolute)
  SweepArgs Args;
  static constexpr unsigned DefaultShards = 100;
};

/// What a submitted run writes into its folder (DB.slurm/run-N/manifest.yaml) for its tasks and its merge.
struct SlurmManifest {
  std::string Dir; ///< the run folder (absolute)
  std::string Db;  ///< the results database (absolute)
  std::string Cwd; ///< the submitting folder: the jobs run there, so relative paths mean what they meant
  std::string Npuc;
  SweepArgs Args;
  std::string Backend, CompilerVersion;
  std::vector<std::string> ModelHashes;
  std::vector<std::pair<uint64_t, std::string>> Points; ///< (point index, config hash) to evaluate
  unsigned Shards = 1;

  std::string path() const { return Dir + "/manifest.yaml"; }
  std::string shardPath(unsigned Shard) const { return Dir + "/shard-" + std::to_string(Shard) + ".sqlite"; }
  std::string mergedPath() const { return Dir + "/merged.txt"; }
  /// Points of a shard: every Shards-th from Shard on (neighbouring grid points, often alike in cost, spread over the
  /// tasks).
  std::vector<std::pair<uint64_t, std::string>> shardPoints(unsigned Shard) const;
};

/// Writes M to M.path() (through a temporary file and a rename: a reader never sees half of it).
Status writeManifest(const SlurmManifest &M);
/// Reads a manifest; errors name the file and the key.
Expected<SlurmManifest> readManifest(const std::string &Path);

/// Writes the manifest and the job scripts into a new run folder DB.slurm/run-N, submits the job array and the merge
/// job with the sbatch on PATH and prints their ids; with SO.Wait, polls until the merge has finished.
Status submitSlurm(const Space &S, const std::vector<Point> &Todo, const SweepOptions &O, const SlurmOptions &SO);

/// An array task: evaluates shard Shard of M's points into M.shardPath(Shard). S and O are the sweep rebuilt from
/// M.Args in the task; they must give the manifest's compiler version, backend, model and config hashes.
Status runShard(const SlurmManifest &M, unsigned Shard, const Space &S, SweepOptions O);

struct MergeSummary {
  uint64_t ShardFiles = 0, RowsRead = 0, RowsNew = 0, PointsComplete = 0, PointsMissing = 0;
};

/// Copies the rows of every shard file present into M.Db (a key present already is left alone, so merging twice adds
/// nothing), counts the manifest's points now complete there, and writes the summary to M.mergedPath().
Expected<MergeSummary> mergeShards(const SlurmManifest &M, std::ostream &Out);

/// What to say when the merge left points missing.
std::string missingPointsMessage(const SlurmManifest &M, const std::string &Count);

} // namespace npu::codesign
