// The results database: schema, WAL mode, one row per key (a second insert of a key is ignored), reading back,
// schema 1 files (read as they are, upgraded when opened for writing) and newer ones (refused).
#include "npu/codesign/ResultDb.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

using namespace npu::codesign;

TEST(ResultDb, InsertReadBackAndKeys) {
  const std::string Path =
      (std::filesystem::temp_directory_path() / ("npu-resultdb-" + std::to_string(getpid()) + ".sqlite")).string();
  std::remove(Path.c_str());
  {
    auto Db = ResultDb::open(Path);
    ASSERT_TRUE(Db) << Db.message();
    PointResult A;
    A.ConfigHash = "c1", A.ModelHash = "m1", A.Backend = "estimate", A.CompilerVersion = "v1";
    A.PointIndex = 3, A.Status = "ok", A.Cycles = 1234, A.TimeUs = 6.17, A.LayerCycles = "{\"conv\": 1234}";
    A.Params = "{\"core.block_in\": \"8\"}", A.ConfigYaml = "core:\n  block_in: 8\n";
    PointResult B = A;
    B.ModelHash = "m2", B.Status = "compile_failed", B.Reason = "does not fit, \"quoted\"";
    ASSERT_TRUE((*Db)->insert({A, B}));
    PointResult A2 = A;
    A2.Cycles = 999; // same key: ignored
    ASSERT_TRUE((*Db)->insert({A2}));
  }
  auto Db = ResultDb::open(Path);
  ASSERT_TRUE(Db) << Db.message();
  auto Rows = (*Db)->all();
  ASSERT_TRUE(Rows) << Rows.message();
  ASSERT_EQ(Rows->size(), 2u);
  EXPECT_EQ((*Rows)[0].Cycles, 1234);
  EXPECT_EQ((*Rows)[0].LayerCycles, "{\"conv\": 1234}");
  EXPECT_DOUBLE_EQ((*Rows)[0].TimeUs, 6.17);
  EXPECT_EQ((*Rows)[1].Reason, "does not fit, \"quoted\"");
  EXPECT_EQ((*Rows)[1].ConfigYaml, "core:\n  block_in: 8\n");
  auto Keys = (*Db)->keys();
  ASSERT_TRUE(Keys);
  EXPECT_EQ(*Keys, (std::set<std::string>{"c1|m1|estimate|v1", "c1|m2|estimate|v1"}));
  Db->reset();
  std::remove(Path.c_str());
  std::remove((Path + "-wal").c_str());
  std::remove((Path + "-shm").c_str());
}

TEST(ResultDb, UnopenableFileNamesIt) {
  auto Db = ResultDb::open("/no/such/dir/r.sqlite");
  ASSERT_FALSE(Db);
  EXPECT_NE(Db.message().find("/no/such/dir/r.sqlite: cannot open the results database"), std::string::npos);
}

namespace {

std::string tempDb(const std::string &Tag) {
  const std::string Path =
      (std::filesystem::temp_directory_path() / ("npu-resultdb-" + Tag + "-" + std::to_string(getpid()) + ".sqlite"))
          .string();
  for (const char *Suffix : {"", "-wal", "-shm"})
    std::remove((Path + Suffix).c_str());
  return Path;
}

/// Writes a database as schema 1 wrote it (its DDL as released, without the `layers` column), one row.
void writeSchema1(const std::string &Path, int Version) {
  sqlite3 *Db = nullptr;
  ASSERT_EQ(sqlite3_open(Path.c_str(), &Db), SQLITE_OK);
  const std::string Sql =
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO meta VALUES ('schema_version', '" +
      std::to_string(Version) +
      "');"
      "CREATE TABLE results (config_hash TEXT NOT NULL, model_hash TEXT NOT NULL, backend TEXT NOT NULL,"
      " compiler_version TEXT NOT NULL, point_index INTEGER NOT NULL, params TEXT NOT NULL, model TEXT NOT NULL,"
      " config_name TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, cycles INTEGER NOT NULL,"
      " time_us REAL NOT NULL, clock_mhz REAL NOT NULL, useful_macs INTEGER NOT NULL,"
      " executed_macs INTEGER NOT NULL, mac_utilization REAL NOT NULL, dram_bytes INTEGER NOT NULL,"
      " layer_cycles TEXT NOT NULL, area_um2 REAL NOT NULL, area TEXT NOT NULL, energy_pj REAL NOT NULL,"
      " energy TEXT NOT NULL, npu_nodes INTEGER NOT NULL, host_nodes INTEGER NOT NULL,"
      " config_yaml TEXT NOT NULL, wall_s REAL NOT NULL, created TEXT NOT NULL DEFAULT (datetime('now')),"
      " PRIMARY KEY (config_hash, model_hash, backend, compiler_version));"
      "INSERT INTO results (config_hash, model_hash, backend, compiler_version, point_index, params, model,"
      " config_name, status, reason, cycles, time_us, clock_mhz, useful_macs, executed_macs, mac_utilization,"
      " dram_bytes, layer_cycles, area_um2, area, energy_pj, energy, npu_nodes, host_nodes, config_yaml, wall_s)"
      " VALUES ('c1', 'm1', 'estimate', 'v0', 0, '{}', 'm.onnx', 'default', 'ok', '', 77, 0.385, 200, 10, 20,"
      " 0.5, 300, '{\"conv\": 77}', 1, '{}', 2, '{}', 1, 0, 'name: default', 0.01);";
  ASSERT_EQ(sqlite3_exec(Db, Sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(Db);
  sqlite3_close(Db);
}

} // namespace

TEST(ResultDb, Schema1IsReadAndUpgradedForWriting) {
  const std::string Path = tempDb("v1");
  writeSchema1(Path, 1);
  {
    auto Ro = ResultDb::open(Path, /*ReadOnly=*/true);
    ASSERT_TRUE(Ro) << Ro.message();
    auto Rows = (*Ro)->all();
    ASSERT_TRUE(Rows) << Rows.message();
    ASSERT_EQ(Rows->size(), 1u);
    EXPECT_EQ((*Rows)[0].Cycles, 77);
    EXPECT_EQ((*Rows)[0].Layers, "[]");
  }
  auto Db = ResultDb::open(Path);
  ASSERT_TRUE(Db) << Db.message();
  PointResult B;
  B.ConfigHash = "c2", B.ModelHash = "m1", B.Backend = "estimate", B.CompilerVersion = "v1", B.PointIndex = 1;
  B.Status = "ok", B.Layers = "[{\"node\": \"conv\", \"cycles\": 5}]";
  ASSERT_TRUE((*Db)->insert({B}));
  auto Rows = (*Db)->all();
  ASSERT_TRUE(Rows) << Rows.message();
  ASSERT_EQ(Rows->size(), 2u);
  EXPECT_EQ((*Rows)[0].Layers, "[]"); // the schema 1 row: no per-layer record
  EXPECT_EQ((*Rows)[1].Layers, B.Layers);
  Db->reset();
  sqlite3 *Raw = nullptr;
  ASSERT_EQ(sqlite3_open(Path.c_str(), &Raw), SQLITE_OK);
  sqlite3_stmt *S = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(Raw, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &S, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(S), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char *>(sqlite3_column_text(S, 0)), "2");
  sqlite3_finalize(S);
  sqlite3_close(Raw);
  ASSERT_TRUE(ResultDb::open(Path)); // upgraded already: opening again changes nothing
  for (const char *Suffix : {"", "-wal", "-shm"})
    std::remove((Path + Suffix).c_str());
}

TEST(ResultDb, NewerSchemaIsRefused) {
  const std::string Path = tempDb("v9");
  writeSchema1(Path, 9);
  for (bool ReadOnly : {true, false}) {
    auto Db = ResultDb::open(Path, ReadOnly);
    ASSERT_FALSE(Db);
    EXPECT_NE(Db.message().find("schema version 9, newer than this npuc's (2)"), std::string::npos) << Db.message();
  }
  std::remove(Path.c_str());
}
