// Model artifacts on the SystemC backend: a generated conv/pool graph split into two NPU segments by a host
// segment, and mnist-8 when the test data is there. Outputs must equal the functional backend's bit for bit
// (and the reference interpreter's); the per-layer cycles must add up to the total, recomputed here from the
// instruction timings; the stats JSON and the trace of the whole model must parse back.
#include "../npu/NpuTestUtil.h"

#include "npu/backend/Compile.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/runtime/LayerReport.h"
#include "npu/runtime/TensorProto.h"
#include "npu/support/Json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

namespace {

using namespace npu;
using namespace npu::test;
using ir::ElemType;
using ir::Shape;

struct Runs {
  backend::ModelArtifact Artifact;
  runtime::ModelOutcome Func, Sc;
};

/// Compiles G for C, writes and reads the artifact back, and runs it on func and systemc.
std::optional<Runs> runBoth(const ir::Graph &G, const HardwareConfig &C,
                            const std::vector<std::optional<ir::NamedTensor>> &Inputs) {
  auto R = backend::compileModel(G, C);
  EXPECT_TRUE(R.isOk()) << (R ? "" : R.message());
  if (!R)
    return std::nullopt;
  auto Bytes = backend::writeModelArtifact(R->Artifact);
  EXPECT_TRUE(Bytes.isOk());
  auto A = backend::readModelArtifact(*Bytes, "test");
  EXPECT_TRUE(A.isOk()) << (A ? "" : A.message());
  if (!A)
    return std::nullopt;
  Runs Out{A.takeValue(), {}, {}};
  runtime::FuncDevice Func(C);
  runtime::SystemCDevice Sc(C);
  auto F = runtime::runModel(Func, Out.Artifact, Inputs);
  auto S = runtime::runModel(Sc, Out.Artifact, Inputs);
  EXPECT_TRUE(F.isOk()) << (F ? "" : F.message());
  EXPECT_TRUE(S.isOk()) << (S ? "" : S.message());
  if (!F || !S)
    return std::nullopt;
  Out.Func = F.takeValue();
  Out.Sc = S.takeValue();
  return Out;
}

void expectSameOutputs(const Runs &R, const std::string &What) {
  ASSERT_EQ(R.Func.Outputs.size(), R.Sc.Outputs.size()) << What;
  for (size_t K = 0; K < R.Func.Outputs.size(); ++K)
    EXPECT_EQ(R.Func.Outputs[K].Data.byteVector(), R.Sc.Outputs[K].Data.byteVector()) << What << " output " << K;
  EXPECT_EQ(R.Func.Total, R.Sc.Total) << What << ": operation counts";
}

/// The per-layer figures recomputed from each segment's instruction timings and node provenance: every
/// node's span, and the cycles by which it moves its segment's end, must match modelTiming's; they add up to
/// the total, which is the sum of the segments' cycles.
void checkLayerCycles(const Runs &R) {
  auto T = runtime::modelTiming(R.Sc);
  ASSERT_TRUE(T.isOk()) << T.message();
  uint64_t Offset = 0, Sum = 0;
  size_t Row = 0;
  for (const runtime::SegmentRun &S : R.Sc.Segments) {
    if (!S.Npu)
      continue;
    ASSERT_TRUE(S.Timing.has_value()) << S.Name;
    const backend::ArtifactSegment *Seg = nullptr;
    for (const backend::ArtifactSegment &A : R.Artifact.Segments)
      if (A.Name == S.Name)
        Seg = &A;
    ASSERT_NE(Seg, nullptr);
    const isa::Program &P = Seg->Program;
    ASSERT_EQ(S.Timing->Insns.size(), P.Insns.size());
    // Nodes in order of first appearance with their span.
    std::vector<std::string> Order;
    std::map<std::string, std::pair<uint64_t, uint64_t>> Span;
    for (size_t K = 0; K < P.Insns.size(); ++K) {
      const std::string &N = P.nodeOf(K);
      const auto &I = S.Timing->Insns[K];
      auto It = Span.find(N);
      if (It == Span.end()) {
        Order.push_back(N);
        Span[N] = {I.Start, I.End};
      } else {
        It->second = {std::min(It->second.first, I.Start), std::max(It->second.second, I.End)};
      }
    }
    uint64_t Reached = 0;
    for (const std::string &N : Order) {
      ASSERT_LT(Row, T->Nodes.size());
      const sim::NodeStats &Got = T->Nodes[Row++];
      const auto [First, Last] = Span[N];
      EXPECT_EQ(Got.Name, N);
      EXPECT_EQ(Got.Segment, S.Name);
      EXPECT_EQ(Got.FirstStart, Offset + First) << N;
      EXPECT_EQ(Got.LastEnd, Offset + Last) << N;
      EXPECT_EQ(Got.Cycles, Last > Reached ? Last - Reached : 0) << N;
      Reached = std::max(Reached, Last);
      Sum += Got.Cycles;
    }
    EXPECT_EQ(Reached, S.Timing->TotalCycles) << S.Name;
    Offset += S.Timing->TotalCycles;
  }
  EXPECT_EQ(Row, T->Nodes.size());
  EXPECT_EQ(T->TotalCycles, Offset);
  EXPECT_EQ(Sum, T->TotalCycles);
  EXPECT_EQ(T->Counts, R.Sc.Total);
}

/// Text as JSON (nlohmann-json, independent of the writers); a test failure when it is not.
npu::Json parsed(const std::string &Text) {
  auto J = npu::parseJson(Text, "the JSON under test");
  EXPECT_TRUE(J.isOk()) << J.message() << "\n" << Text.substr(0, 2000);
  return J ? *J : npu::Json();
}

/// The model's --stats JSON and --trace, parsed back and checked against the runs.
void checkStatsAndTrace(const Runs &R, const HardwareConfig &C) {
  auto T = runtime::modelTiming(R.Sc);
  ASSERT_TRUE(T.isOk()) << T.message();
  npu::Json J = parsed(T->toJson(C));
  EXPECT_EQ(J["backend"].get<std::string>(), "systemc");
  EXPECT_EQ(J["total_cycles"].get<uint64_t>(), T->TotalCycles);
  EXPECT_EQ(J["counts"]["macs"].get<uint64_t>(), R.Func.Total.Macs);
  for (const char *U : {"fetch", "load", "compute", "store"}) {
    auto &Unit = J["units"][U];
    const uint64_t Stall =
        Unit.contains("stalled_token") ? Unit["stalled_token"].get<uint64_t>() : Unit["stalled_queue"].get<uint64_t>();
    EXPECT_EQ(Unit["busy"].get<uint64_t>() + Stall + Unit["stalled_dram"].get<uint64_t>() +
                  Unit["idle"].get<uint64_t>(),
              T->TotalCycles)
        << U;
  }
  std::vector<std::string> NpuSegments;
  for (const runtime::SegmentRun &S : R.Sc.Segments)
    if (S.Npu)
      NpuSegments.push_back(S.Name);
  ASSERT_EQ(J["segments"].size(), NpuSegments.size());
  uint64_t NodeCycles = 0, NodeBytes = 0;
  for (npu::Json &N : J["nodes"]) {
    NodeCycles += N["cycles"].get<uint64_t>();
    NodeBytes += N["dram_bytes_read"].get<uint64_t>() + N["dram_bytes_written"].get<uint64_t>();
    EXPECT_NE(std::find(NpuSegments.begin(), NpuSegments.end(), N["segment"].get<std::string>()), NpuSegments.end());
  }
  EXPECT_EQ(NodeCycles, T->TotalCycles);
  EXPECT_EQ(NodeBytes, J["dram"]["bytes_read"].get<uint64_t>() + J["dram"]["bytes_written"].get<uint64_t>());

  auto Trace = runtime::modelTraceJson(R.Artifact, R.Sc);
  ASSERT_TRUE(Trace.isOk()) << Trace.message();
  npu::Json Tr = parsed(*Trace);
  std::map<uint64_t, std::string> Processes;
  std::map<uint64_t, uint64_t> Spans; // per process: instruction spans
  std::map<uint64_t, double> FirstTs;
  for (npu::Json &E : Tr["traceEvents"]) {
    if (E["ph"].get<std::string>() == "M" && E["name"].get<std::string>() == "process_name")
      Processes[E["pid"].get<uint64_t>()] = E["args"]["name"].get<std::string>();
    if (E["ph"].get<std::string>() == "X" && E["cat"].get<std::string>() != "stall" &&
        E["name"].get<std::string>().rfind("dram ", 0) != 0) {
      ++Spans[E["pid"].get<uint64_t>()];
      const double Ts = E["ts"].get<double>();
      FirstTs[E["pid"].get<uint64_t>()] =
          FirstTs.count(E["pid"].get<uint64_t>()) ? std::min(FirstTs[E["pid"].get<uint64_t>()], Ts) : Ts;
    }
  }
  // Host segments are spans of one more process, "host", after the NPU segments' processes.
  const size_t HostSegments = R.Sc.Segments.size() - NpuSegments.size();
  if (HostSegments) {
    ASSERT_EQ(Processes[NpuSegments.size() + 1], "host");
    EXPECT_EQ(Spans[NpuSegments.size() + 1], HostSegments);
    Processes.erase(NpuSegments.size() + 1);
  }
  ASSERT_EQ(Processes.size(), NpuSegments.size());
  for (size_t K = 0; K < NpuSegments.size(); ++K) {
    const uint64_t Pid = K + 1;
    EXPECT_EQ(Processes[Pid].rfind(NpuSegments[K], 0), 0u) << Processes[Pid];
    const backend::ArtifactSegment *Seg = nullptr;
    for (const backend::ArtifactSegment &A : R.Artifact.Segments)
      if (A.Name == NpuSegments[K])
        Seg = &A;
    ASSERT_NE(Seg, nullptr);
    EXPECT_EQ(Spans[Pid], Seg->Program.Insns.size()) << NpuSegments[K];
    // A segment's spans start no earlier than the cycles of the segments before it.
    EXPECT_GE(FirstTs[Pid] + 1e-9, double(T->Parts[K].Offset) / C.ClockMHz) << NpuSegments[K];
  }
}

TEST(ScModel, GeneratedTwoSegmentGraphMatchesFuncAndReference) {
  for (const char *Name : {"default", "edge", "large"}) {
    const HardwareConfig C = loadConfig(Name);
    std::mt19937 Rng(5);
    ir::Graph G = blockedConvPoolGraph(C, Rng, true);
    ir::Tensor X = randomTensor(ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -128, 127);
    auto Expected = ref::interpret(G, {X});
    ASSERT_TRUE(Expected.isOk()) << Expected.message();
    auto R = runBoth(G, C, {ir::NamedTensor{"x", X}});
    ASSERT_TRUE(R.has_value()) << Name;
    size_t Npu = 0;
    for (const backend::ArtifactSegment &S : R->Artifact.Segments)
      Npu += S.K == backend::ArtifactSegment::Npu;
    EXPECT_EQ(Npu, 2u) << Name << ": the host layout conversions split the graph";
    expectSameOutputs(*R, Name);
    EXPECT_EQ(R->Sc.Outputs[0].Data.byteVector(), (*Expected)[0].byteVector()) << Name << ": reference interpreter";
    checkLayerCycles(*R);
    checkStatsAndTrace(*R, C);
    // The layer table names every layer with its segment.
    auto T = runtime::modelTiming(R->Sc);
    ASSERT_TRUE(T.isOk());
    const std::string Table = T->summary(C);
    for (const char *Layer : {"conv1", "pool", "conv2"})
      EXPECT_NE(Table.find(Layer), std::string::npos) << Table;
    EXPECT_NE(Table.find("2 NPU segments"), std::string::npos) << Table;
  }
}

TEST(ScModel, FuncRunHasNoTiming) {
  const HardwareConfig C = loadConfig("default");
  std::mt19937 Rng(9);
  ir::Graph G = blockedConvPoolGraph(C, Rng, true);
  auto R = runBoth(G, C, {ir::NamedTensor{"x", randomTensor(ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -9, 9)}});
  ASSERT_TRUE(R.has_value());
  EXPECT_FALSE(runtime::hasTiming(R->Func));
  EXPECT_TRUE(runtime::hasTiming(R->Sc));
  auto T = runtime::modelTiming(R->Func);
  ASSERT_FALSE(T.isOk());
  EXPECT_NE(T.message().find("has no timing"), std::string::npos) << T.message();
  EXPECT_FALSE(runtime::modelTraceJson(R->Artifact, R->Func).isOk());
}

TEST(ScModel, Mnist8MatchesFuncBitForBit) {
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/mnist-8";
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  const HardwareConfig C = loadConfig("default");
  auto G = frontend::loadModel(Dir + "/model.onnx");
  ASSERT_TRUE(G.isOk()) << G.message();
  passes::PassOptions Opts;
  Opts.Config = &C;
  Opts.CalibDirs = {Dir + "/test_data_set_0"};
  ASSERT_TRUE(
      passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, passes::PipelineOptions()).isOk());
  for (int Set = 0; Set < 3; ++Set) {
    auto Inputs = runtime::readTensorDir(Dir + "/test_data_set_" + std::to_string(Set), "input");
    ASSERT_TRUE(Inputs.isOk()) << Inputs.message();
    auto R = runBoth(*G, C, *Inputs);
    ASSERT_TRUE(R.has_value());
    expectSameOutputs(*R, "mnist-8 set " + std::to_string(Set));
    if (Set == 0) {
      checkLayerCycles(*R);
      checkStatsAndTrace(*R, C);
      auto T = runtime::modelTiming(R->Sc);
      ASSERT_TRUE(T.isOk());
      const std::string Table = T->layerTable(C);
      for (const char *Layer : {"Convolution28", "Pooling66", "Convolution110", "Times212"})
        EXPECT_NE(Table.find(Layer), std::string::npos) << Table;
    }
  }
}

} // namespace
