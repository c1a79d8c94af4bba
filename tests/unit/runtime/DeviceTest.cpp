// Devices: the factory, the functional-simulator and SystemC devices through runProgram, config mismatches,
// the summary, traces.
#include "TestUtil.h"
#include "TileProgram.h"

#include "npu/runtime/Binding.h"
#include "npu/runtime/Runner.h"

#include <random>

using namespace npu;
using namespace npu::runtime;
using namespace npu::runtime::test;

namespace {

bool contains(const std::string &Text, const std::string &Part) {
  return Text.find(Part) != std::string::npos;
}

} // namespace

TEST(Device, Factory) {
  HardwareConfig C = defaultHardwareConfig();
  auto Func = makeDevice("func", C);
  ASSERT_TRUE(Func.isOk()) << Func.message();
  EXPECT_EQ((*Func)->name(), "func");
  auto SystemC = makeDevice("systemc", C);
  ASSERT_TRUE(SystemC.isOk()) << SystemC.message();
  EXPECT_EQ((*SystemC)->name(), "systemc");
  auto Rtl = makeDevice("rtl", C);
  ASSERT_TRUE(Rtl.isOk()) << Rtl.message();
  EXPECT_EQ((*Rtl)->name(), "rtl");
  HardwareConfig NoFetch = C;
  NoFetch.FetchLatency = 0;
  auto Refused = makeDevice("rtl", NoFetch);
  ASSERT_FALSE(Refused.isOk());
  EXPECT_TRUE(contains(Refused.message(), "pipeline.fetch 0")) << Refused.message();
  for (const char *Later : {"host", "gpu"}) {
    auto D = makeDevice(Later, C);
    ASSERT_FALSE(D.isOk()) << Later;
    EXPECT_TRUE(contains(D.message(), "not built yet")) << D.message();
  }
  auto Unknown = makeDevice("tpu", C);
  ASSERT_FALSE(Unknown.isOk());
  EXPECT_TRUE(contains(Unknown.message(), "unknown backend 'tpu'")) << Unknown.message();
}

TEST(Device, FuncRunsTileProduct) {
  HardwareConfig C = defaultHardwareConfig();
  isa::Program P = tiletest::tileProgram(C);
  std::mt19937 Rng(7);
  std::uniform_int_distribution<int> Dist(-128, 127);
  std::vector<int8_t> X(16), W(256);
  for (int8_t &V : X)
    V = int8_t(Dist(Rng));
  for (int8_t &V : W)
    V = int8_t(Dist(Rng));
  X[0] = -128, W[0] = -128; // the extreme product

  FuncDevice D(C);
  std::vector<std::optional<NamedTensor>> In = {NamedTensor{"X", ir::Tensor::of<int8_t>({1, 16}, X)},
                                                NamedTensor{"W", ir::Tensor::of<int8_t>({16, 16}, W)}};
  auto R = runProgram(D, P, In);
  ASSERT_TRUE(R.isOk()) << R.message();
  ASSERT_EQ(R->Outputs.size(), 1u);
  EXPECT_EQ(R->Outputs[0].Data.values<int32_t>(), tiletest::tileReference(X, W));
  EXPECT_EQ(R->Result.Stats.Instructions, 7u);
  EXPECT_EQ(R->Result.Stats.Macs, 256u);
  EXPECT_TRUE(contains(R->Result.StatsJson, C.Hash.substr(0, 16))) << R->Result.StatsJson;

  std::string Summary = formatStatsSummary(R->Result.Stats, C);
  EXPECT_TRUE(contains(Summary, "instructions 7: load 3, store 1, gemm 2, alu 0, finish 1")) << Summary;
  EXPECT_TRUE(contains(Summary, "256 MACs")) << Summary;
  EXPECT_TRUE(contains(Summary, "hash " + C.shortHash())) << Summary;
}

TEST(Device, SystemCRunsTileProductWithTiming) {
  HardwareConfig C = defaultHardwareConfig();
  isa::Program P = tiletest::tileProgram(C);
  std::mt19937 Rng(9);
  std::uniform_int_distribution<int> Dist(-128, 127);
  std::vector<int8_t> X(16), W(256);
  for (int8_t &V : X)
    V = int8_t(Dist(Rng));
  for (int8_t &V : W)
    V = int8_t(Dist(Rng));
  std::vector<std::optional<NamedTensor>> In = {NamedTensor{"X", ir::Tensor::of<int8_t>({1, 16}, X)},
                                                NamedTensor{"W", ir::Tensor::of<int8_t>({16, 16}, W)}};
  SystemCDevice D(C);
  auto R = runProgram(D, P, In);
  ASSERT_TRUE(R.isOk()) << R.message();
  EXPECT_EQ(R->Outputs[0].Data.values<int32_t>(), tiletest::tileReference(X, W));
  EXPECT_EQ(R->Result.Stats.Macs, 256u);
  ASSERT_TRUE(R->Result.Timing.has_value());
  EXPECT_GT(R->Result.Timing->TotalCycles, 0u);
  EXPECT_TRUE(
      contains(R->Result.StatsJson, "\"total_cycles\": " + std::to_string(R->Result.Timing->TotalCycles)))
      << R->Result.StatsJson;
  EXPECT_TRUE(contains(R->Result.Report, "cycles")) << R->Result.Report;
  EXPECT_TRUE(R->Result.TraceJson.empty()); // only when asked for
  ASSERT_TRUE(D.enableTrace().isOk());
  auto Traced = runProgram(D, P, In);
  ASSERT_TRUE(Traced.isOk()) << Traced.message();
  EXPECT_TRUE(contains(Traced->Result.TraceJson, "\"traceEvents\"")) << Traced->Result.TraceJson;
  FuncDevice F(C);
  EXPECT_FALSE(F.enableTrace().isOk());
}

TEST(Device, EmbeddedDataWhenInputsMissing) {
  HardwareConfig C = defaultHardwareConfig();
  isa::Program P = finishOnlyProgram(C);
  // The output aliases the input: a finish-only program returns what was bound.
  P.IO = {binding("A", true, "int16", {3}, 256), binding("B", false, "int16", {3}, 256)};
  P.Segments.push_back(isa::Segment{"A", 256, {1, 0, 2, 0, 3, 0}});
  FuncDevice D(C);
  auto Kept = runProgram(D, P, {});
  ASSERT_TRUE(Kept.isOk()) << Kept.message();
  EXPECT_FALSE(Kept->InputSources[0]);
  EXPECT_EQ(Kept->Outputs[0].Data.values<int16_t>(), (std::vector<int16_t>{1, 2, 3}));
  auto Given = runProgram(D, P, {NamedTensor{"", ir::Tensor::of<int16_t>({3}, {-4, 5, -6})}});
  ASSERT_TRUE(Given.isOk()) << Given.message();
  EXPECT_EQ(Given->InputSources[0], std::optional<size_t>(0));
  EXPECT_EQ(Given->Outputs[0].Data.values<int16_t>(), (std::vector<int16_t>{-4, 5, -6}));
}

TEST(Device, RefusesProgramForAnotherConfig) {
  HardwareConfig C = defaultHardwareConfig();
  auto Other = parseHardwareConfig("name: other\ncore:\n  block_out: 8\n", "other.yaml");
  ASSERT_TRUE(Other.isOk()) << Other.message();
  isa::Program P = finishOnlyProgram(*Other);
  FuncDevice D(C);
  auto R = runProgram(D, P, {});
  ASSERT_FALSE(R.isOk());
  EXPECT_TRUE(contains(R.message(), "'other'") && contains(R.message(), Other->shortHash())) << R.message();
  EXPECT_TRUE(contains(R.message(), C.shortHash())) << R.message();
}
