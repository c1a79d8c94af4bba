// The fidelity cost line of npuc compile --report and npuc check --target npu (issue 12: a fidelity option may
// cost at most 10 % of a model's cycles without the report saying so): given figures in, the expected line
// (percentages worked out by hand) out, on both sides of the budget and at it.
#include "npu/backend/CostModel.h"
#include "npu/isa/Assembler.h"

#include <gtest/gtest.h>

namespace npu::backend {
namespace {

ModelCost cost(uint64_t Cycles, uint64_t DramBytes, uint64_t NpuSegments = 1) {
  ModelCost M;
  M.Cycles = Cycles, M.DramBytes = DramBytes, M.NpuSegments = NpuSegments;
  return M;
}

struct Case {
  const char *What;
  ModelCost WithOptions, Default;
  const char *Line;
};

TEST(FidelityCost, Lines) {
  const Case Cases[] = {
      // (884336 - 884723) / 884723 = -0.0437 %.
      {"under", cost(884336, 52000), cost(884723, 52000),
       "fidelity cost: 884336 vs 884723 estimated cycles with the default quantization (-0.04 %), 52000 vs 52000 "
       "DRAM bytes (+0.00 %)\n"},
      {"just under", cost(10999, 150), cost(10000, 100),
       "fidelity cost: 10999 vs 10000 estimated cycles with the default quantization (+9.99 %), 150 vs 100 DRAM "
       "bytes (+50.00 %)\n"},
      {"over", cost(11420, 2000), cost(10000, 2500),
       "fidelity cost: 11420 vs 10000 estimated cycles with the default quantization (+14.20 %: over the 10 % "
       "budget of issue 12), 2000 vs 2500 DRAM bytes (-20.00 %)\n"},
      // Exactly +10 % is within the budget; one cycle more is over it. No percentage of 0 bytes.
      {"at", cost(11000, 0), cost(10000, 0),
       "fidelity cost: 11000 vs 10000 estimated cycles with the default quantization (+10.00 %), 0 vs 0 DRAM "
       "bytes\n"},
      {"past", cost(11001, 0), cost(10000, 0),
       "fidelity cost: 11001 vs 10000 estimated cycles with the default quantization (+10.01 %: over the 10 % "
       "budget of issue 12), 0 vs 0 DRAM bytes\n"},
      // The default quantization leaves work on the host that its estimate does not count: the line says so.
      {"partitions", cost(30000, 4000, 1), cost(20000, 3000, 17),
       "fidelity cost: 30000 vs 20000 estimated cycles with the default quantization (+50.00 %: over the 10 % "
       "budget of issue 12), 4000 vs 3000 DRAM bytes (+33.33 %); 1 vs 17 NPU segments (host segments are not "
       "estimated)\n"},
      // Nothing on the NPU by default: no percentage of zero, but any NPU cycles exceed the budget.
      {"nothing by default", cost(500, 64, 1), cost(0, 0, 0),
       "fidelity cost: 500 vs 0 estimated cycles with the default quantization (over the 10 % budget of issue "
       "12), 64 vs 0 DRAM bytes; 1 vs 0 NPU segments (host segments are not estimated)\n"},
  };
  for (const Case &C : Cases)
    EXPECT_EQ(formatFidelityCost(C.WithOptions, C.Default), C.Line) << C.What;
}

TEST(FidelityCost, SumsTheNpuSegments) {
  // Two assembled example programs between host segments: the model's cost is what estimateTotalCycles and
  // the per-layer DRAM bytes give for each program, added; host segments count nothing.
  const HardwareConfig C = defaultHardwareConfig();
  ModelArtifact A;
  A.Segments.resize(4);
  uint64_t Cycles = 0, Bytes = 0;
  const char *Examples[] = {"conv3x3.s", "pipelined.s"};
  for (int K = 0; K < 2; ++K) {
    auto P = isa::assembleFile(std::string(NPU_SOURCE_DIR) + "/examples/asm/" + Examples[K], C);
    ASSERT_TRUE(P.isOk()) << P.message();
    Cycles += estimateTotalCycles(*P);
    for (const LayerCost &L : estimateProgram(*P))
      Bytes += L.DramBytes;
    A.Segments[1 + 2 * K].K = ArtifactSegment::Npu;
    A.Segments[1 + 2 * K].Program = *P;
  }
  ASSERT_GT(Cycles, 0u);
  ASSERT_GT(Bytes, 0u);
  ModelCost M = estimateModelCost(A);
  EXPECT_EQ(M.NpuSegments, 2u);
  EXPECT_EQ(M.Cycles, Cycles);
  EXPECT_EQ(M.DramBytes, Bytes);
}

} // namespace
} // namespace npu::backend
