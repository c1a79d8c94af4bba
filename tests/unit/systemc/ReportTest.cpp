// The --stats JSON, the summary and the Chrome trace, parsed back; repeated runs in one process are
// identical.
#include "MiniJson.h"
#include "ScTestUtil.h"

#include "npu/isa/Assembler.h"

using namespace sctest;
using ::testing::HasSubstr;

namespace {

minijson::Value parseJson(const std::string &Text) {
  minijson::Parser P(Text);
  auto V = P.parse();
  EXPECT_TRUE(V.has_value()) << P.Error << "\n" << Text.substr(0, 2000);
  return V ? *V : minijson::Value{};
}

/// The pipelined example with two node tags, so per-node output has something to show.
Program taggedExample(const HardwareConfig &C) {
  auto P = npu::isa::assembleFile(std::string(NPU_SOURCE_DIR) + "/examples/asm/pipelined.s", C);
  EXPECT_TRUE(P) << P.message();
  Program Out = *P;
  for (size_t I = 0; I < Out.Insns.size(); ++I)
    Out.setNode(I, Out.Insns[I].opcode() == npu::isa::Opcode::Alu ? "relu/requant" : "matmul \"A\"");
  return Out;
}

TEST(ScReport, StatsJsonParsesBackWithEveryFigure) {
  const HardwareConfig C = repoConfig("default");
  const Program P = taggedExample(C);
  auto T = runBothAndCompare(P, "pipelined");
  ASSERT_TRUE(T.has_value());
  const minijson::Value J = parseJson(T->toJson(C));
  EXPECT_EQ(J["config"].S, "default");
  EXPECT_EQ(J["config_hash"].S, C.Hash);
  EXPECT_EQ(J["total_cycles"].u64(), T->TotalCycles);
  for (const char *U : {"fetch", "load", "compute", "store"}) {
    const auto &Unit = J["units"][U];
    ASSERT_EQ(Unit.K, minijson::Value::Object) << U;
    const uint64_t Stall =
        Unit.has("stalled_token") ? Unit["stalled_token"].u64() : Unit["stalled_queue"].u64();
    EXPECT_EQ(Unit["busy"].u64() + Stall + Unit["stalled_dram"].u64() + Unit["idle"].u64(), T->TotalCycles)
        << U;
  }
  EXPECT_EQ(J["dram"]["bytes_read"].u64(), T->dramBytesRead());
  EXPECT_EQ(J["dram"]["bytes_written"].u64(), T->dramBytesWritten());
  EXPECT_GT(J["dram"]["bytes_per_cycle"].N, 0.0);
  EXPECT_NEAR(J["mac_utilization"].N, T->macUtilization(C), 1e-6);
  EXPECT_EQ(J["counts"]["macs"].u64(), T->Counts.Macs);
  ASSERT_EQ(J["nodes"].A.size(), 2u);
  EXPECT_EQ(J["nodes"].A[0]["name"].S, "matmul \"A\"");
  EXPECT_EQ(J["nodes"].A[1]["name"].S, "relu/requant");
  EXPECT_EQ(J["nodes"].A[0]["macs"].u64(), T->Counts.Macs);
  EXPECT_EQ(J["nodes"].A[1]["macs"].u64(), 0u);
  EXPECT_EQ(J["nodes"].A[0]["cycles"].u64(), T->Nodes[0].Cycles);
  EXPECT_EQ(J["nodes"].A[0]["span_cycles"].u64(), T->Nodes[0].span());
  EXPECT_EQ(J["nodes"].A[0]["dram_bytes_read"].u64() + J["nodes"].A[1]["dram_bytes_read"].u64(),
            T->dramBytesRead());
  EXPECT_EQ(J["nodes"].A[0]["cycles"].u64() + J["nodes"].A[1]["cycles"].u64(), T->TotalCycles);

  const std::string S = T->summary(C);
  EXPECT_THAT(S, HasSubstr("cycles       " + std::to_string(T->TotalCycles)));
  EXPECT_THAT(S, HasSubstr("relu/requant"));
  EXPECT_THAT(S, HasSubstr("compute"));
}

TEST(ScReport, TraceHasOneTrackPerUnitAndASpanPerInstruction) {
  const HardwareConfig C = repoConfig("default");
  const Program P = taggedExample(C);
  std::vector<uint8_t> Dram;
  auto T = runTimed(P, Dram);
  ASSERT_TRUE(T) << T.message();
  const minijson::Value J = parseJson(T->traceJson(P));
  ASSERT_EQ(J["traceEvents"].K, minijson::Value::Array);
  std::map<uint64_t, std::string> Tracks;
  std::vector<const minijson::Value *> Spans;
  for (const minijson::Value &E : J["traceEvents"].A) {
    if (E["ph"].S == "M" && E["name"].S == "thread_name")
      Tracks[E["tid"].u64()] = E["args"]["name"].S;
    if (E["ph"].S == "X" && E["args"]["index"].K == minijson::Value::Number && E["cat"].S != "stall" &&
        E["name"].S.rfind("dram ", 0) != 0)
      Spans.push_back(&E);
  }
  EXPECT_EQ(Tracks[0], "fetch");
  EXPECT_EQ(Tracks[1], "load");
  EXPECT_EQ(Tracks[2], "compute");
  EXPECT_EQ(Tracks[3], "store");
  EXPECT_EQ(Tracks[7], "compute: alu pipe"); // default has alu.concurrent
  ASSERT_EQ(Spans.size(), P.Insns.size());
  const npu::isa::IsaLayout L(C);
  for (size_t K = 0; K < Spans.size(); ++K) {
    const minijson::Value &E = *Spans[K];
    const uint64_t Index = E["args"]["index"].u64();
    ASSERT_LT(Index, P.Insns.size());
    const std::string Want = P.nodeOf(Index) + ": " + npu::isa::formatInstruction(L, P.Insns[Index]);
    EXPECT_EQ(E["name"].S, Want);
    EXPECT_EQ(E["args"]["node"].S, P.nodeOf(Index));
    EXPECT_EQ(E["tid"].u64(), P.Insns[Index].opcode() == npu::isa::Opcode::Alu && C.AluConcurrent
                                  ? 7u
                                  : uint64_t(npu::sim::unitOf(P.Insns[Index])));
    EXPECT_EQ(E["args"]["start_cycle"].u64(), T->Insns[Index].Start);
    EXPECT_EQ(E["args"]["end_cycle"].u64(), T->Insns[Index].End);
    // Microseconds at the config's clock.
    EXPECT_NEAR(E["ts"].N, double(T->Insns[Index].Start) / C.ClockMHz, 1e-6);
    EXPECT_NEAR(E["dur"].N, double(T->Insns[Index].End - T->Insns[Index].Start) / C.ClockMHz, 1e-6);
  }
  // Spans on one track never overlap (trace viewers need them nested or disjoint).
  std::map<uint64_t, std::vector<std::pair<double, double>>> ByTrack;
  for (const minijson::Value &E : J["traceEvents"].A)
    if (E["ph"].S == "X")
      ByTrack[E["tid"].u64()].push_back({E["args"]["start_cycle"].N, E["args"]["end_cycle"].N});
  for (auto &[Tid, V] : ByTrack) {
    std::sort(V.begin(), V.end());
    for (size_t K = 1; K < V.size(); ++K)
      EXPECT_LE(V[K - 1].second, V[K].first) << "track " << Tid;
  }
}

TEST(ScReport, RepeatedRunsInOneProcessAreIdentical) {
  const HardwareConfig C = repoConfig("edge");
  std::mt19937 Rng(3);
  const Program P = randomPipelinedProgram(C, Rng);
  std::vector<uint8_t> D1, D2;
  auto A = runTimed(P, D1);
  // Another program in between must not leave anything behind in the kernel.
  std::mt19937 Other(4);
  std::vector<uint8_t> D3;
  ASSERT_TRUE(runTimed(randomSerialProgram(C, Other), D3));
  auto B = runTimed(P, D2);
  ASSERT_TRUE(A && B);
  EXPECT_EQ(D1, D2);
  EXPECT_EQ(A->TotalCycles, B->TotalCycles);
  EXPECT_EQ(A->toJson(C), B->toJson(C));
  EXPECT_EQ(A->traceJson(P), B->traceJson(P));
}

} // namespace
