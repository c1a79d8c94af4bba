// SQLite storage of sweep results through the C API: WAL journal, busy timeout, one transaction per point.
#include "npu/codesign/ResultDb.h"

#include <sqlite3.h>

namespace npu::codesign {

namespace {

/// The schema (docs/codesign.md repeats it). Version 2: version 1 and the `layers` column.
const char *SchemaSql = R"SQL(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '2');
CREATE TABLE IF NOT EXISTS results (
  config_hash TEXT NOT NULL, model_hash TEXT NOT NULL, backend TEXT NOT NULL, compiler_version TEXT NOT NULL,
  point_index INTEGER NOT NULL, params TEXT NOT NULL, model TEXT NOT NULL, config_name TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT NOT NULL,
  cycles INTEGER NOT NULL, time_us REAL NOT NULL, clock_mhz REAL NOT NULL,
  useful_macs INTEGER NOT NULL, executed_macs INTEGER NOT NULL, mac_utilization REAL NOT NULL,
  dram_bytes INTEGER NOT NULL, layer_cycles TEXT NOT NULL,
  area_um2 REAL NOT NULL, area TEXT NOT NULL, energy_pj REAL NOT NULL, energy TEXT NOT NULL,
  npu_nodes INTEGER NOT NULL, host_nodes INTEGER NOT NULL, config_yaml TEXT NOT NULL, wall_s REAL NOT NULL,
  created TEXT NOT NULL DEFAULT (datetime('now')), layers TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (config_hash, model_hash, backend, compiler_version));
)SQL";

const char *Columns = "config_hash, model_hash, backend, compiler_version, point_index, params, model, "
                      "config_name, status, reason, cycles, time_us, clock_mhz, useful_macs, executed_macs, "
                      "mac_utilization, dram_bytes, layer_cycles, area_um2, area, energy_pj, energy, npu_nodes, "
                      "host_nodes, config_yaml, wall_s, layers";
/// Columns as a schema 1 database has them: no per-layer record.
const char *ColumnsV1 = "config_hash, model_hash, backend, compiler_version, point_index, params, model, "
                        "config_name, status, reason, cycles, time_us, clock_mhz, useful_macs, executed_macs, "
                        "mac_utilization, dram_bytes, layer_cycles, area_um2, area, energy_pj, energy, npu_nodes, "
                        "host_nodes, config_yaml, wall_s, '[]'";

/// Calls Text, Int or Real on each of R's fields in the order of Columns: the one list binding and reading use.
template <typename Row, typename TextF, typename IntF, typename RealF>
void visitRow(Row &R, TextF &&Text, IntF &&Int, RealF &&Real) {
  Text(R.ConfigHash), Text(R.ModelHash), Text(R.Backend), Text(R.CompilerVersion), Int(R.PointIndex);
  Text(R.Params), Text(R.Model), Text(R.ConfigName), Text(R.Status), Text(R.Reason);
  Int(R.Cycles), Real(R.TimeUs), Real(R.ClockMhz), Int(R.UsefulMacs), Int(R.ExecutedMacs);
  Real(R.MacUtilization), Int(R.DramBytes), Text(R.LayerCycles), Real(R.AreaUm2), Text(R.AreaJson);
  Real(R.EnergyPj), Text(R.EnergyJson), Int(R.NpuNodes), Int(R.HostNodes), Text(R.ConfigYaml), Real(R.WallS);
  Text(R.Layers);
}

/// Binds R's fields in the order of Columns.
void bindRow(sqlite3_stmt *S, const PointResult &R) {
  int K = 0;
  auto Text = [&](const std::string &V) { sqlite3_bind_text(S, ++K, V.c_str(), int(V.size()), SQLITE_TRANSIENT); };
  auto Int = [&](int64_t V) { sqlite3_bind_int64(S, ++K, V); };
  auto Real = [&](double V) { sqlite3_bind_double(S, ++K, V); };
  visitRow(R, Text, Int, Real);
}

/// Reads a row selected with Columns.
PointResult readRow(sqlite3_stmt *S) {
  PointResult R;
  int K = 0;
  auto Text = [&](std::string &V) {
    const unsigned char *P = sqlite3_column_text(S, K);
    V = P ? std::string(reinterpret_cast<const char *>(P), size_t(sqlite3_column_bytes(S, K))) : "";
    ++K;
  };
  auto Int = [&](int64_t &V) { V = sqlite3_column_int64(S, K++); };
  auto Real = [&](double &V) { V = sqlite3_column_double(S, K++); };
  visitRow(R, Text, Int, Real);
  return R;
}

} // namespace

Expected<std::unique_ptr<ResultDb>> ResultDb::open(const std::string &Path, bool ReadOnly, bool Wal) {
  sqlite3 *Db = nullptr;
  const int Flags = ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(Path.c_str(), &Db, Flags, nullptr) != SQLITE_OK) {
    std::string Msg = Db ? sqlite3_errmsg(Db) : "out of memory";
    sqlite3_close(Db);
    return makeError(Path, ": cannot open the results database: ", Msg);
  }
  std::unique_ptr<ResultDb> R(new ResultDb(Db, Path));
  sqlite3_busy_timeout(Db, 60000);
  if (ReadOnly) {
    NPU_TRY(R->checkVersion(true));
    return R;
  }
  NPU_TRY(R->exec(Wal ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" : "PRAGMA journal_mode=DELETE;"));
  NPU_TRY(R->checkVersion(false));
  NPU_TRY(R->exec(std::string("BEGIN IMMEDIATE;") + SchemaSql + "COMMIT;"));
  return R;
}

Expected<int> ResultDb::storedVersion() {
  sqlite3_stmt *S = nullptr;
  if (sqlite3_prepare_v2(Db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &S, nullptr) != SQLITE_OK) {
    const std::string Msg = sqlite3_errmsg(Db);
    if (Msg.find("no such table") != std::string::npos)
      return 0; // a new (empty) file
    return sqlError("read the schema version");
  }
  int V = 0;
  if (sqlite3_step(S) == SQLITE_ROW)
    V = sqlite3_column_int(S, 0);
  sqlite3_finalize(S);
  return V;
}

Status ResultDb::checkVersion(bool ReadOnly) {
  // Writers read and upgrade under one write lock, so that workers opening at once upgrade it once.
  if (!ReadOnly)
    NPU_TRY(exec("BEGIN IMMEDIATE;"));
  auto V = storedVersion();
  Status S = V ? Status::ok() : Status(V.error());
  if (S && *V > SchemaVersion)
    S = makeError(Path, ": results database of schema version ", *V, ", newer than this npuc's (", SchemaVersion,
                  "); use the npuc that wrote it or a newer one");
  if (S)
    Version = *V == 0 ? SchemaVersion : *V;
  // Schema 1 to 2: the per-layer record, empty ("[]") for the rows already there (the roofline says so).
  if (S && !ReadOnly && *V == 1) {
    S = exec("ALTER TABLE results ADD COLUMN layers TEXT NOT NULL DEFAULT '[]'; "
             "UPDATE meta SET value = '2' WHERE key = 'schema_version';");
    if (S)
      Version = SchemaVersion;
  }
  if (ReadOnly)
    return S;
  if (!S) {
    sqlite3_exec(Db, "ROLLBACK;", nullptr, nullptr, nullptr);
    return S;
  }
  return exec("COMMIT;");
}

ResultDb::~ResultDb() { sqlite3_close(Db); }

Error ResultDb::sqlError(const std::string &What) const {
  return makeError(Path, ": ", What, ": ", sqlite3_errmsg(Db));
}

Status ResultDb::exec(const std::string &Sql) {
  char *Msg = nullptr;
  if (sqlite3_exec(Db, Sql.c_str(), nullptr, nullptr, &Msg) != SQLITE_OK) {
    std::string Text = Msg ? Msg : sqlite3_errmsg(Db);
    sqlite3_free(Msg);
    sqlite3_exec(Db, "ROLLBACK;", nullptr, nullptr, nullptr);
    return makeError(Path, ": ", Text);
  }
  return Status::ok();
}

Status ResultDb::insert(const std::vector<PointResult> &Rows) {
  NPU_TRY(exec("BEGIN IMMEDIATE;"));
  const std::string Sql = std::string("INSERT OR IGNORE INTO results (") + Columns +
                          ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  sqlite3_stmt *S = nullptr;
  if (sqlite3_prepare_v2(Db, Sql.c_str(), -1, &S, nullptr) != SQLITE_OK) {
    Error E = sqlError("prepare insert");
    sqlite3_exec(Db, "ROLLBACK;", nullptr, nullptr, nullptr);
    return E;
  }
  for (const PointResult &R : Rows) {
    sqlite3_reset(S);
    bindRow(S, R);
    if (sqlite3_step(S) != SQLITE_DONE) {
      Error E = sqlError("insert");
      sqlite3_finalize(S);
      sqlite3_exec(Db, "ROLLBACK;", nullptr, nullptr, nullptr);
      return E;
    }
  }
  sqlite3_finalize(S);
  return exec("COMMIT;");
}

Expected<std::set<std::string>> ResultDb::keys() {
  const char *Sql = "SELECT config_hash, model_hash, backend, compiler_version FROM results";
  sqlite3_stmt *S = nullptr;
  if (sqlite3_prepare_v2(Db, Sql, -1, &S, nullptr) != SQLITE_OK)
    return sqlError("read keys");
  std::set<std::string> Keys;
  int Rc;
  while ((Rc = sqlite3_step(S)) == SQLITE_ROW) {
    std::string K;
    for (int C = 0; C < 4; ++C)
      K += (C ? "|" : "") + std::string(reinterpret_cast<const char *>(sqlite3_column_text(S, C)));
    Keys.insert(K);
  }
  sqlite3_finalize(S);
  if (Rc != SQLITE_DONE)
    return sqlError("read keys");
  return Keys;
}

Expected<std::vector<PointResult>> ResultDb::all() {
  const std::string Sql = std::string("SELECT ") + (Version == 1 ? ColumnsV1 : Columns) +
                          " FROM results ORDER BY point_index, model, backend, compiler_version";
  sqlite3_stmt *S = nullptr;
  if (sqlite3_prepare_v2(Db, Sql.c_str(), -1, &S, nullptr) != SQLITE_OK)
    return sqlError("read results");
  std::vector<PointResult> Rows;
  int Rc;
  while ((Rc = sqlite3_step(S)) == SQLITE_ROW)
    Rows.push_back(readRow(S));
  sqlite3_finalize(S);
  if (Rc != SQLITE_DONE)
    return sqlError("read results");
  return Rows;
}

} // namespace npu::codesign
