// The Slurm executor's files without Slurm: the manifest read back as written, shards that deal out every point once,
// and a merge that neither loses nor duplicates rows (tests/e2e/slurm_sweep.sh runs it on a real Slurm).
#include "npu/codesign/Slurm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace npu::codesign;
namespace fs = std::filesystem;

namespace {

/// A fresh folder under the temporary directory, removed by the destructor.
struct TempDir {
  fs::path Path = fs::temp_directory_path() / ("npu-slurm-test-" + std::to_string(getpid()));
  TempDir() {
    fs::remove_all(Path);
    fs::create_directories(Path);
  }
  ~TempDir() { fs::remove_all(Path); }
};

SlurmManifest sampleManifest(const fs::path &Dir, unsigned Points, unsigned Shards) {
  SlurmManifest M;
  M.Dir = Dir.string(), M.Db = (Dir / "r.sqlite").string(), M.Cwd = "/work dir/with 'quote'";
  M.Npuc = "/opt/npu/bin/npuc", M.Backend = "systemc", M.CompilerVersion = "v1-2-g0abc";
  M.Args.Models = {"model.onnx", "b: c.onnx"};
  M.Args.Options = {{"--space", "space.yaml"}, {"--calib", "d1"}, {"--calib", "d 2"}};
  M.ModelHashes = {"m1", "m2"};
  for (unsigned I = 0; I < Points; ++I)
    M.Points.push_back({I * 3, "cfg" + std::to_string(I)});
  M.Shards = Shards;
  return M;
}

PointResult row(const std::string &Config, const std::string &Model, int64_t Cycles) {
  PointResult R;
  R.ConfigHash = Config, R.ModelHash = Model, R.Backend = "systemc", R.CompilerVersion = "v1-2-g0abc";
  R.Status = "ok", R.Cycles = Cycles;
  return R;
}

} // namespace

TEST(Slurm, ManifestRoundTrip) {
  TempDir T;
  const SlurmManifest M = sampleManifest(T.Path, 7, 3);
  ASSERT_TRUE(writeManifest(M));
  auto R = readManifest(M.path());
  ASSERT_TRUE(R) << R.message();
  EXPECT_EQ(R->Dir, M.Dir);
  EXPECT_EQ(R->Db, M.Db);
  EXPECT_EQ(R->Cwd, M.Cwd);
  EXPECT_EQ(R->Npuc, M.Npuc);
  EXPECT_EQ(R->Backend, M.Backend);
  EXPECT_EQ(R->CompilerVersion, M.CompilerVersion);
  EXPECT_EQ(R->Args.Models, M.Args.Models);
  EXPECT_EQ(R->Args.Options, M.Args.Options);
  EXPECT_EQ(R->ModelHashes, M.ModelHashes);
  EXPECT_EQ(R->Points, M.Points);
  EXPECT_EQ(R->Shards, 3u);
}

TEST(Slurm, ManifestErrorsNameTheFile) {
  TempDir T;
  const fs::path P = T.Path / "manifest.yaml";
  std::ofstream(P) << "version: 1\ndb: x\n";
  auto R = readManifest(P.string());
  ASSERT_FALSE(R);
  EXPECT_NE(R.message().find(P.string()), std::string::npos) << R.message();
  std::ofstream(P) << "version: 2\n";
  R = readManifest(P.string());
  ASSERT_FALSE(R);
  EXPECT_NE(R.message().find("not a version 1"), std::string::npos) << R.message();
}

TEST(Slurm, ShardsDealEveryPointOnce) {
  const SlurmManifest M = sampleManifest("/tmp", 10, 4);
  std::vector<std::pair<uint64_t, std::string>> All;
  for (unsigned S = 0; S < 4; ++S) {
    auto P = M.shardPoints(S);
    EXPECT_GE(P.size(), 2u); // 10 over 4: 3, 3, 2, 2
    EXPECT_LE(P.size(), 3u);
    All.insert(All.end(), P.begin(), P.end());
  }
  std::sort(All.begin(), All.end());
  EXPECT_EQ(All, M.Points);
}

TEST(Slurm, MergeNeitherLosesNorDuplicates) {
  TempDir T;
  SlurmManifest M = sampleManifest(T.Path, 3, 3);
  M.ModelHashes = {"m1"};
  {
    auto S0 = ResultDb::open(M.shardPath(0), false, /*Wal=*/false);
    ASSERT_TRUE(S0) << S0.message();
    ASSERT_TRUE((*S0)->insert({row("cfg0", "m1", 100)}));
    auto S1 = ResultDb::open(M.shardPath(1), false, false);
    ASSERT_TRUE(S1);
    // cfg0 again (a requeued task): the row already merged stays as it is.
    ASSERT_TRUE((*S1)->insert({row("cfg1", "m1", 200), row("cfg0", "m1", 999)}));
  } // shard 2 failed before writing: its point stays missing
  std::ostringstream Out;
  auto Sum = mergeShards(M, Out);
  ASSERT_TRUE(Sum) << Sum.message();
  EXPECT_EQ(Sum->ShardFiles, 2u);
  EXPECT_EQ(Sum->RowsRead, 3u);
  EXPECT_EQ(Sum->RowsNew, 2u);
  EXPECT_EQ(Sum->PointsComplete, 2u);
  EXPECT_EQ(Sum->PointsMissing, 1u);
  auto Again = mergeShards(M, Out);
  ASSERT_TRUE(Again);
  EXPECT_EQ(Again->RowsNew, 0u);
  auto Db = ResultDb::open(M.Db, true);
  ASSERT_TRUE(Db);
  auto Rows = (*Db)->all();
  ASSERT_TRUE(Rows);
  ASSERT_EQ(Rows->size(), 2u);
  for (const PointResult &R : *Rows)
    EXPECT_EQ(R.Cycles, R.ConfigHash == "cfg0" ? 100 : 200);
  std::ifstream In(M.mergedPath());
  std::stringstream Text;
  Text << In.rdbuf();
  EXPECT_NE(Text.str().find("points_missing: 1\n"), std::string::npos) << Text.str();
}
