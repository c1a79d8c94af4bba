// The --stats JSON, the summary and the Chrome trace, parsed back; repeated runs in one process are
// identical.
#include "ScTestUtil.h"

#include "npu/isa/Assembler.h"
#include "npu/support/Json.h"

using namespace sctest;
using ::testing::HasSubstr;

namespace {

/// Text as JSON (nlohmann-json, independent of the writers); a test failure when it is not.
npu::Json parsed(const std::string &Text) {
  auto J = npu::parseJson(Text, "the JSON under test");
  EXPECT_TRUE(J.isOk()) << J.message() << "\n" << Text.substr(0, 2000);
  return J ? *J : npu::Json();
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
  npu::Json J = parsed(T->toJson(C));
  EXPECT_EQ(J["config"].get<std::string>(), "default");
  EXPECT_EQ(J["config_hash"].get<std::string>(), C.Hash);
  EXPECT_EQ(J["total_cycles"].get<uint64_t>(), T->TotalCycles);
  for (const char *U : {"fetch", "load", "compute", "store"}) {
    auto &Unit = J["units"][U];
    ASSERT_TRUE(Unit.is_object()) << U;
    const uint64_t Stall =
        Unit.contains("stalled_token") ? Unit["stalled_token"].get<uint64_t>() : Unit["stalled_queue"].get<uint64_t>();
    EXPECT_EQ(Unit["busy"].get<uint64_t>() + Stall + Unit["stalled_dram"].get<uint64_t>() +
                  Unit["idle"].get<uint64_t>(),
              T->TotalCycles)
        << U;
  }
  EXPECT_EQ(J["dram"]["bytes_read"].get<uint64_t>(), T->dramBytesRead());
  EXPECT_EQ(J["dram"]["bytes_written"].get<uint64_t>(), T->dramBytesWritten());
  EXPECT_GT(J["dram"]["bytes_per_cycle"].get<double>(), 0.0);
  EXPECT_NEAR(J["mac_utilization"].get<double>(), T->macUtilization(C), 1e-6);
  EXPECT_EQ(J["counts"]["macs"].get<uint64_t>(), T->Counts.Macs);
  ASSERT_EQ(J["nodes"].size(), 2u);
  EXPECT_EQ(J["nodes"][0]["name"].get<std::string>(), "matmul \"A\"");
  EXPECT_EQ(J["nodes"][1]["name"].get<std::string>(), "relu/requant");
  EXPECT_EQ(J["nodes"][0]["macs"].get<uint64_t>(), T->Counts.Macs);
  EXPECT_EQ(J["nodes"][1]["macs"].get<uint64_t>(), 0u);
  EXPECT_EQ(J["nodes"][0]["cycles"].get<uint64_t>(), T->Nodes[0].Cycles);
  EXPECT_EQ(J["nodes"][0]["span_cycles"].get<uint64_t>(), T->Nodes[0].span());
  EXPECT_EQ(J["nodes"][0]["dram_bytes_read"].get<uint64_t>() + J["nodes"][1]["dram_bytes_read"].get<uint64_t>(),
            T->dramBytesRead());
  EXPECT_EQ(J["nodes"][0]["cycles"].get<uint64_t>() + J["nodes"][1]["cycles"].get<uint64_t>(), T->TotalCycles);

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
  npu::Json J = parsed(T->traceJson(P));
  ASSERT_TRUE(J["traceEvents"].is_array());
  std::map<uint64_t, std::string> Tracks;
  std::vector<npu::Json *> Spans;
  for (npu::Json &E : J["traceEvents"]) {
    if (E["ph"].get<std::string>() == "M" && E["name"].get<std::string>() == "thread_name")
      Tracks[E["tid"].get<uint64_t>()] = E["args"]["name"].get<std::string>();
    if (E["ph"].get<std::string>() == "X" && E["args"]["index"].is_number() && E["cat"].get<std::string>() != "stall" &&
        E["name"].get<std::string>().rfind("dram ", 0) != 0)
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
    npu::Json &E = *Spans[K];
    const uint64_t Index = E["args"]["index"].get<uint64_t>();
    ASSERT_LT(Index, P.Insns.size());
    const std::string Want = P.nodeOf(Index) + ": " + npu::isa::formatInstruction(L, P.Insns[Index]);
    EXPECT_EQ(E["name"].get<std::string>(), Want);
    EXPECT_EQ(E["args"]["node"].get<std::string>(), P.nodeOf(Index));
    EXPECT_EQ(E["tid"].get<uint64_t>(), P.Insns[Index].opcode() == npu::isa::Opcode::Alu && C.AluConcurrent
                                            ? 7u
                                            : uint64_t(npu::sim::unitOf(P.Insns[Index])));
    EXPECT_EQ(E["args"]["start_cycle"].get<uint64_t>(), T->Insns[Index].Start);
    EXPECT_EQ(E["args"]["end_cycle"].get<uint64_t>(), T->Insns[Index].End);
    // Microseconds at the config's clock.
    EXPECT_NEAR(E["ts"].get<double>(), double(T->Insns[Index].Start) / C.ClockMHz, 1e-6);
    EXPECT_NEAR(E["dur"].get<double>(), double(T->Insns[Index].End - T->Insns[Index].Start) / C.ClockMHz, 1e-6);
  }
  // Spans on one track never overlap (trace viewers need them nested or disjoint).
  std::map<uint64_t, std::vector<std::pair<double, double>>> ByTrack;
  for (npu::Json &E : J["traceEvents"])
    if (E["ph"].get<std::string>() == "X")
      ByTrack[E["tid"].get<uint64_t>()].push_back(
          {E["args"]["start_cycle"].get<double>(), E["args"]["end_cycle"].get<double>()});
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
