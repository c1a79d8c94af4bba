// The results database of npuc sweep: one SQLite file (WAL mode), one row per point and model, keyed by
// (config hash, model hash, backend, compiler version); the schema is in docs/codesign.md.
#pragma once

#include "npu/support/Status.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

struct sqlite3;

namespace npu::codesign {

/// One evaluated point for one model. Status: ok, invalid_config, compile_failed, run_failed.
struct PointResult {
  std::string ConfigHash, ModelHash, Backend, CompilerVersion;
  int64_t PointIndex = 0;
  std::string Params = "{}"; ///< JSON object of the swept keys' values
  std::string Model, ConfigName, Status, Reason;
  int64_t Cycles = 0;
  double TimeUs = 0, ClockMhz = 0;
  int64_t UsefulMacs = 0, ExecutedMacs = 0;
  double MacUtilization = 0;
  int64_t DramBytes = 0;
  std::string LayerCycles = "{}"; ///< JSON object: node -> cycles
  /// JSON array, one object per NPU layer: node, cycles (its share of the schedule), span, useful_macs,
  /// executed_macs, dram_bytes (schema 2; "[]" in rows read from a schema 1 database)
  std::string Layers = "[]";
  double AreaUm2 = 0;
  std::string AreaJson = "{}";
  double EnergyPj = 0;
  std::string EnergyJson = "{}";
  int64_t NpuNodes = 0, HostNodes = 0;
  std::string ConfigYaml;
  double WallS = 0;
  /// The row's key as one string (for sets of done points).
  std::string key() const { return resultKey(ConfigHash, ModelHash, Backend, CompilerVersion); }
  static std::string resultKey(const std::string &Config, const std::string &Model, const std::string &Backend,
                               const std::string &Version) {
    return Config + "|" + Model + "|" + Backend + "|" + Version;
  }
};

class ResultDb {
public:
  /// Opens (creating if needed) the database: WAL mode, a busy timeout, the schema. ReadOnly opens an existing
  /// database for reading (reports). Wal false keeps SQLite's rollback journal instead: the shard files of Slurm
  /// tasks, one writer each, which WAL's shared-memory index would not serve over a network file system.
  /// A schema 1 database gains the `layers` column when opened for writing (its rows keep "[]"); one of a newer
  /// schema than this build's is refused.
  static Expected<std::unique_ptr<ResultDb>> open(const std::string &Path, bool ReadOnly = false, bool Wal = true);
  /// The version this build writes.
  static constexpr int SchemaVersion = 2;
  ~ResultDb();
  ResultDb(const ResultDb &) = delete;
  ResultDb &operator=(const ResultDb &) = delete;

  /// Writes the rows of one point in one transaction; a row whose key is present already is left alone.
  Status insert(const std::vector<PointResult> &Rows);
  /// The keys (PointResult::key) of every row.
  Expected<std::set<std::string>> keys();
  /// Every row, in the order of point index, model, backend.
  Expected<std::vector<PointResult>> all();

private:
  explicit ResultDb(sqlite3 *Db, std::string Path) : Db(Db), Path(std::move(Path)) {}
  Status exec(const std::string &Sql);
  Error sqlError(const std::string &What) const;
  /// The database's schema version (0 when it has no meta table yet).
  Expected<int> storedVersion();
  /// Checks the stored version against this build's and upgrades schema 1 (writable databases only).
  Status checkVersion(bool ReadOnly);
  sqlite3 *Db;
  int Version = SchemaVersion;
  std::string Path;
};

} // namespace npu::codesign
