// The RTL's performance counters (hw/rtl/npu_perf_counters.sv) give the SystemC model's statistics: per-unit
// busy/stall/idle cycles, DRAM bytes, bursts and contention, MACs, micro-ops and pipe busy cycles, on
// pipelined programs, the lookup-table example and a compiled conv/pool model, on every config with a built
// model. The harness's own check of the counters against the events is off here, so these compare the counters
// alone.
#include "../npu/NpuTestUtil.h"
#include "RtlTestUtil.h"

#include "npu/isa/Assembler.h"

namespace {

using namespace rtltest;
using npu::Expected;

/// Runs P on the RTL from Start with the counters unchecked (the statistics are the counters').
Expected<TimingStats> runCounted(const Program &P, std::vector<uint8_t> &Dram) {
  npu::rtl::RtlOptions O;
  O.BuildMissing = false;
  O.CheckCounters = false;
  npu::rtl::RtlSim Sim(P.Config, O);
  return Sim.run(P, Dram);
}

/// Every statistic the counters give, RTL against SystemC (gtest failures prefixed by What).
void expectCountersEqual(const HardwareConfig &C, const TimingStats &Rtl, const TimingStats &Sc,
                         const std::string &What) {
  EXPECT_EQ(Rtl.TotalCycles, Sc.TotalCycles) << What;
  for (unsigned U = 0; U < npu::sim::NumUnits; ++U) {
    const std::string Which = What + " unit " + npu::sim::unitName(Unit(U));
    EXPECT_EQ(Rtl.Units[U].Busy, Sc.Units[U].Busy) << Which;
    EXPECT_EQ(Rtl.Units[U].StallToken, Sc.Units[U].StallToken) << Which;
    EXPECT_EQ(Rtl.Units[U].StallDram, Sc.Units[U].StallDram) << Which;
    EXPECT_EQ(Rtl.Units[U].Idle, Sc.Units[U].Idle) << Which;
    EXPECT_EQ(Rtl.Units[U].DramContention, Sc.Units[U].DramContention) << Which;
  }
  EXPECT_EQ(Rtl.DramBursts, Sc.DramBursts) << What;
  EXPECT_EQ(Rtl.GemmBusy, Sc.GemmBusy) << What;
  EXPECT_EQ(Rtl.AluBusy, Sc.AluBusy) << What;
  EXPECT_EQ(Rtl.Counts, Sc.Counts) << What;
  EXPECT_EQ(Rtl.dramBytesRead(), Sc.dramBytesRead()) << What;
  EXPECT_EQ(Rtl.dramBytesWritten(), Sc.dramBytesWritten()) << What;
  // Everything --stats writes, the per-node figures included.
  EXPECT_EQ(Rtl.toJson(C), Sc.toJson(C)) << What;
}

TEST(RtlCounters, EqualSystemCOnPipelinedPrograms) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    for (uint32_t Seed : {99u, 7001u, 7002u, 7003u}) {
      std::mt19937 Rng(Seed);
      const Program P = randomPipelinedProgram(C, Rng);
      const std::string What = Name + " pipelined program, seed " + std::to_string(Seed);
      std::vector<uint8_t> ScDram = *P.dramImage(), RtlDram = ScDram;
      auto S = npu::sim::SystemCSim(C).run(P, ScDram);
      auto R = runCounted(P, RtlDram);
      ASSERT_TRUE(S.isOk()) << What << ": " << S.message();
      ASSERT_TRUE(R.isOk()) << What << ": " << R.message();
      EXPECT_GT(R->Units[unsigned(Unit::Load)].StallDram, 0u) << What << ": the loads wait for DRAM";
      expectCountersEqual(C, *R, *S, What);
    }
  }
}

/// Runs every program on SystemC and on the RTL (counters unchecked) from the same DRAM image, keeping both
/// statistics; the model continues with the RTL's data.
class BothDevice : public npu::runtime::Device {
public:
  explicit BothDevice(const HardwareConfig &C) : C(C) {}
  std::string name() const override { return "rtl"; }
  Expected<npu::runtime::DeviceResult> run(const Program &P, std::vector<uint8_t> &Dram) override {
    std::vector<uint8_t> ScDram = Dram;
    auto S = npu::sim::SystemCSim(C).run(P, ScDram);
    if (!S)
      return S.error();
    auto R = runCounted(P, Dram);
    if (!R)
      return R.error();
    Runs.push_back({P.NodeNames.size(), S.takeValue(), *R});
    npu::runtime::DeviceResult D;
    D.Stats = R->Counts;
    D.Timing = R.takeValue();
    return D;
  }
  struct Pair {
    size_t Nodes;
    TimingStats Sc, Rtl;
  };
  std::vector<Pair> Runs;

private:
  const HardwareConfig &C;
};

// The lookup table's counter (DRAM bytes read into lut) on the example that loads and applies one.
TEST(RtlCounters, EqualSystemCOnTheLutExample) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    auto P = npu::isa::assembleFile(std::string(NPU_SOURCE_DIR) + "/examples/asm/lut.s", C);
    ASSERT_TRUE(P) << P.message();
    const std::string What = Name + " lut.s";
    std::vector<uint8_t> ScDram = *P->dramImage(), RtlDram = ScDram;
    auto S = npu::sim::SystemCSim(C).run(*P, ScDram);
    auto R = runCounted(*P, RtlDram);
    ASSERT_TRUE(S.isOk()) << What << ": " << S.message();
    ASSERT_TRUE(R.isOk()) << What << ": " << R.message();
    EXPECT_EQ(R->Counts.BytesLoaded[unsigned(npu::isa::MemType::Lut)], C.D.LutDepth) << What;
    expectCountersEqual(C, *R, *S, What);
  }
}

TEST(RtlCounters, EqualSystemCOnACompiledConvPoolModel) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    // The hand-built blocked graph chains layers without npu.Reblock, so it needs block_in == block_out;
    // compiled models on other cores are covered by unit_rtl_models, whose statistics come from these counters.
    if (C.BlockIn != C.BlockOut)
      continue;
    std::mt19937 Rng(11);
    const npu::ir::Graph G = npu::test::blockedConvPoolGraph(C, Rng, false);
    auto Compiled = npu::backend::compileModel(G, C);
    ASSERT_TRUE(Compiled.isOk()) << Name << ": " << Compiled.message();
    npu::ir::NamedTensor In{
        "x", npu::test::randomTensor(npu::ir::ElemType::Int8, {1, 1, 12, 12, 1, int64_t(C.BlockIn)}, Rng, -128, 127)};
    BothDevice Dev(C);
    auto O = npu::runtime::runModel(Dev, Compiled->Artifact, {In});
    ASSERT_TRUE(O.isOk()) << Name << ": " << O.message();
    ASSERT_FALSE(Dev.Runs.empty()) << Name;
    for (size_t K = 0; K < Dev.Runs.size(); ++K) {
      const std::string What = Name + " conv/pool model, NPU segment " + std::to_string(K);
      const auto &R = Dev.Runs[K];
      EXPECT_GE(R.Nodes, 3u) << What << ": conv, pool and conv have their own nodes";
      EXPECT_GT(R.Rtl.Counts.Macs, 0u) << What;
      EXPECT_GT(R.Rtl.Units[unsigned(Unit::Compute)].Busy, 0u) << What;
      expectCountersEqual(C, R.Rtl, R.Sc, What);
    }
  }
}

} // namespace
