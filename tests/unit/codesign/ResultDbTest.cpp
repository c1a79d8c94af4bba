// The results database: schema, WAL mode, one row per key (a second insert of a key is ignored), reading back.
#include "npu/codesign/ResultDb.h"

#include <gtest/gtest.h>

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
