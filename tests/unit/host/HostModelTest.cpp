// Whole models on the host path: mnist-8 against its stored outputs, the object cache (memory and disk, counted),
// options, input checks and run-time errors.
#include "HostTestUtil.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"

#include <filesystem>
#include <unistd.h>

using namespace npu;
using namespace npu::test;
namespace fs = std::filesystem;

namespace {

/// A fresh temporary directory removed at the end of the test.
struct TempDir {
  fs::path Path;
  TempDir() {
    Path = fs::temp_directory_path() / ("npu-host-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(Path);
  }
  ~TempDir() {
    std::error_code EC;
    fs::remove_all(Path, EC);
  }
};

TEST(HostModel, Mnist8MatchesReferenceOutputs) {
  std::string Dir = testData("models/mnist-8");
  if (Dir.empty())
    GTEST_SKIP() << "external test data not found under " << NPU_TESTDATA_DIR;
  auto G = frontend::importOnnx(Dir + "/model.onnx");
  ASSERT_TRUE(G.isOk()) << G.message();
  auto M = host::compileHostModel(*G, testOptions());
  ASSERT_TRUE(M.isOk()) << M.message();
  EXPECT_EQ((*M)->stats().FallbackNodes, 0);
  EXPECT_GT((*M)->stats().FusedNodes, 0);
  int Sets = 0;
  for (int S = 0; S < 3; ++S) {
    std::string Set = Dir + "/test_data_set_" + std::to_string(S);
    if (!fs::exists(Set))
      continue;
    auto In = frontend::readTensorProtoFile(Set + "/input_0.pb");
    auto Out = frontend::readTensorProtoFile(Set + "/output_0.pb");
    ASSERT_TRUE(In.isOk() && Out.isOk());
    auto Got = (*M)->run({In->Data});
    ASSERT_TRUE(Got.isOk()) << Got.message();
    check::CheckOptions CO;
    EXPECT_EQ(check::compareTensors((*Got)[0], Out->Data, CO), "") << Set;
    ++Sets;
  }
  EXPECT_EQ(Sets, 3);
}

ir::Graph smallGraph(float Scale, int64_t Cols = 8) {
  ir::Graph G;
  G.Name = "small";
  ir::ValueId X = G.addInput("x", ir::TensorType(ir::ElemType::Float32, {4, Cols}));
  ir::ValueId S = G.addConstant("s", ir::Tensor::fromValues(ir::ElemType::Float32, {}, std::vector<float>{Scale}));
  ir::ValueId Y = G.addValue("y", ir::TensorType(ir::ElemType::Float32, {4, Cols}));
  ir::ValueId Z = G.addValue("z", ir::TensorType(ir::ElemType::Float32, {4, Cols}));
  G.addNode("Mul", {X, S}, {Y}, "mul");
  G.addNode("Sigmoid", {Y}, {Z}, "sig");
  G.Outputs = {Z};
  return G;
}

TEST(HostModel, ObjectCacheIsHitOnSecondCompile) {
  TempDir Dir;
  host::HostOptions O = testOptions();
  O.UseDiskCache = true;
  O.CacheDir = Dir.Path.string();
  O.UseMemoryCache = false;
  ir::Graph G = smallGraph(1.25f);
  host::CacheCounters C0 = host::cacheCounters();
  auto M1 = host::compileHostModel(G, O);
  ASSERT_TRUE(M1.isOk()) << M1.message();
  EXPECT_FALSE((*M1)->stats().CacheHit);
  host::CacheCounters C1 = host::cacheCounters();
  EXPECT_EQ(C1.Misses, C0.Misses + 1);
  EXPECT_EQ(C1.Stores, C0.Stores + 1);
  bool HasObject = false;
  for (const auto &E : fs::directory_iterator(Dir.Path))
    HasObject |= E.path().extension() == ".o";
  EXPECT_TRUE(HasObject);
  auto M2 = host::compileHostModel(G, O);
  ASSERT_TRUE(M2.isOk()) << M2.message();
  host::CacheCounters C2 = host::cacheCounters();
  EXPECT_EQ(C2.DiskHits, C1.DiskHits + 1);
  EXPECT_EQ(C2.Misses, C1.Misses);
  EXPECT_TRUE((*M2)->stats().CacheHit);
  EXPECT_EQ((*M2)->stats().CacheSource, "disk");
  EXPECT_EQ((*M2)->stats().CompileMs, 0.0);
  // Same results from the cached object.
  ir::Tensor X = randomF32({4, 8}, 5);
  auto R1 = (*M1)->run({X}), R2 = (*M2)->run({X});
  ASSERT_TRUE(R1.isOk() && R2.isOk());
  EXPECT_TRUE((*R1)[0] == (*R2)[0]);
  // Constants live in buffers: another scale reuses the object. Another shape is a miss; compiled again in the
  // same process it is a memory hit.
  auto M5 = host::compileHostModel(smallGraph(2.5f), O);
  ASSERT_TRUE(M5.isOk());
  EXPECT_TRUE((*M5)->stats().CacheHit);
  O.UseMemoryCache = true;
  host::CacheCounters C3 = host::cacheCounters();
  auto M3 = host::compileHostModel(smallGraph(2.5f, 9), O);
  ASSERT_TRUE(M3.isOk());
  EXPECT_EQ(host::cacheCounters().Misses, C3.Misses + 1);
  auto M4 = host::compileHostModel(smallGraph(2.5f, 9), O);
  ASSERT_TRUE(M4.isOk());
  EXPECT_EQ((*M4)->stats().CacheSource, "memory");
}

TEST(HostModel, ThreadCountsGiveSameResults) {
  ir::Graph G = smallGraph(0.5f);
  ir::Tensor X = randomF32({4, 8}, 6);
  std::vector<ir::Tensor> Outs;
  for (int T : {1, 2, 3}) {
    host::HostOptions O = testOptions();
    O.Threads = T;
    auto M = host::compileHostModel(G, O);
    ASSERT_TRUE(M.isOk());
    auto R = (*M)->run({X});
    ASSERT_TRUE(R.isOk());
    Outs.push_back((*R)[0]);
  }
  EXPECT_TRUE(Outs[0] == Outs[1] && Outs[1] == Outs[2]);
}

TEST(HostModel, RejectsWrongInputs) {
  auto M = host::compileHostModel(smallGraph(1.0f), testOptions());
  ASSERT_TRUE(M.isOk());
  auto R = (*M)->run({randomF32({4, 7}, 1)});
  ASSERT_FALSE(R.isOk());
  EXPECT_NE(R.message().find("input 'x'"), std::string::npos) << R.message();
  EXPECT_FALSE((*M)->run({}).isOk());
}

TEST(HostModel, SpecializedInputsAreChecked) {
  ir::Graph G;
  G.Name = "reshape";
  ir::ValueId X = G.addInput("x", ir::TensorType(ir::ElemType::Float32, {2, 6}));
  ir::ValueId S = G.addInput("shape", ir::TensorType(ir::ElemType::Int64, {2}));
  ir::ValueId Y = G.addValue("y", ir::TensorType(ir::ElemType::Float32, {3, 4}));
  G.addNode("Reshape", {X, S}, {Y}, "r");
  G.Outputs = {Y};
  host::HostOptions O = testOptions();
  O.SpecializeInputs["shape"] = ir::Tensor::fromInt64s({3, 4});
  auto M = host::compileHostModel(G, O);
  ASSERT_TRUE(M.isOk()) << M.message();
  ir::Tensor XT = randomF32({2, 6}, 2);
  auto R = (*M)->run({XT, ir::Tensor::fromInt64s({3, 4})});
  ASSERT_TRUE(R.isOk()) << R.message();
  EXPECT_EQ((*R)[0].shape(), (ir::Shape{3, 4}));
  EXPECT_FALSE((*M)->run({XT, ir::Tensor::fromInt64s({4, 3})}).isOk());
}

TEST(HostModel, ProfileAndIr) {
  host::HostOptions O = testOptions();
  O.Profile = true;
  auto M = host::compileHostModel(smallGraph(1.0f), O);
  ASSERT_TRUE(M.isOk());
  ASSERT_TRUE((*M)->run({randomF32({4, 8}, 3)}).isOk());
  auto P = (*M)->profile();
  ASSERT_EQ(P.size(), 2u);
  EXPECT_EQ(P[0].Runs, 1);
  EXPECT_NE((*M)->irText().find("define void @k_Mul"), std::string::npos);
  EXPECT_GT((*M)->stats().VectorBits, 0);
}

} // namespace
