// Scheduling of NPU programs: the dependency tokens order every cross-queue conflict and stay within the
// token queues on every config (and on a config with one-token queues), pipelined programs compute exactly
// what the reference interpreter and the serial schedule compute, the SystemC model shows the overlap, and
// --tune is deterministic and recorded in the artifact.
#include "NpuTestUtil.h"

#include "npu/backend/CostModel.h"
#include "npu/backend/Schedule.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/sim/SystemCSim.h"

#include <filesystem>
#include <random>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;

/// A blocked graph big enough to need many tiles: conv KxK -> max pool -> conv 1x1 -> residual add, with
/// Blocks channel blocks throughout.
ir::Graph multiTileGraph(const HardwareConfig &C, int64_t H, unsigned Seed, int64_t Blocks = 2,
                         int64_t K = 3) {
  std::mt19937 Rng(Seed);
  const int64_t Bi = int64_t(C.BlockIn), Bo = int64_t(C.BlockOut);
  ir::Graph G;
  G.Name = "multi_tile";
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Int8, {1, Blocks, H, H, 1, Bi}));
  int Count = 0;
  auto Conv = [&](ir::ValueId In, int64_t InB, int64_t OutB, int64_t Kk, int64_t P) {
    const std::string Id = std::to_string(++Count);
    ir::ValueId W =
        G.addConstant("w" + Id, randomTensor(ElemType::Int8, {OutB, InB, Kk, Kk, Bo, Bi}, Rng, -128, 127));
    ir::ValueId B = G.addConstant("b" + Id, randomTensor(ElemType::Int32, {OutB * Bo}, Rng, -5000, 5000));
    ir::ValueId Y = G.addValue("y" + Id, std::nullopt);
    ir::Node &N = G.addNode("npu.QConv", {In, W, B}, {Y}, "conv" + Id);
    N.setAttr("kernel_shape", Shape{Kk, Kk});
    N.setAttr("strides", Shape{1, 1});
    N.setAttr("pads", Shape{P, P, P, P});
    N.setAttr("dilations", Shape{1, 1});
    N.setAttr("group", int64_t(1));
    N.setAttr("layout", std::string("blocked"));
    std::vector<int64_t> Ms(size_t(OutB * Bo));
    for (int64_t &M : Ms)
      M = int64_t(std::uniform_int_distribution<int64_t>(int64_t(1) << 29, (int64_t(1) << 31) - 1)(Rng));
    N.setAttr("multiplier", Ms);
    N.setAttr("shift", int64_t(40));
    N.setAttr("x_zero_point", int64_t(0));
    N.setAttr("y_zero_point", int64_t(-2));
    N.setAttr("act_min", int64_t(Count % 2 ? -2 : -128));
    N.setAttr("act_max", int64_t(127));
    return Y;
  };
  ir::ValueId A = Conv(X, Blocks, Blocks, K, K / 2);
  ir::ValueId P = G.addValue("pool", std::nullopt);
  ir::Node &Pool = G.addNode("npu.MaxPool", {A}, {P}, "pool");
  Pool.setAttr("kernel_shape", Shape{3, 3});
  Pool.setAttr("strides", Shape{1, 1});
  Pool.setAttr("pads", Shape{1, 1, 1, 1});
  Pool.setAttr("layout", std::string("blocked"));
  ir::ValueId B = Conv(P, Blocks, Blocks, 1, 0);
  ir::ValueId S = G.addValue("sum", std::nullopt);
  ir::Node &Add = G.addNode("npu.QAdd", {A, B}, {S}, "add");
  Add.setAttr("a_multiplier", int64_t(3000000));
  Add.setAttr("b_multiplier", int64_t(1700000));
  Add.setAttr("shift", int64_t(22));
  Add.setAttr("a_zero_point", int64_t(2));
  Add.setAttr("b_zero_point", int64_t(-1));
  Add.setAttr("y_zero_point", int64_t(1));
  Add.setAttr("act_min", int64_t(-128));
  Add.setAttr("act_max", int64_t(127));
  G.Outputs = {S};
  passes::PassOptions Opts;
  passes::PipelineOptions Pipe;
  EXPECT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk());
  EXPECT_TRUE(ir::verifyGraph(G).isOk());
  return G;
}

/// Every NPU program of R passes the token check within the config's token depth.
void expectTokensSafe(const backend::CompileResult &R, const std::string &What) {
  const uint64_t Depth = R.Artifact.Config.TokenQueueDepth;
  for (const backend::ArtifactSegment &S : R.Artifact.Segments) {
    if (S.K != backend::ArtifactSegment::Npu)
      continue;
    auto T = backend::checkProgramTokens(S.Program);
    ASSERT_TRUE(T.isOk()) << What << " " << S.Name << ": " << T.message();
    for (unsigned F = 0; F < 4; ++F)
      EXPECT_LE(T->MaxOutstanding[F], Depth) << What << " " << S.Name << " " << backend::tokenFifoName(F);
  }
}

/// The edge config with one-token queues and two-entry command queues: the tightest the schema allows.
HardwareConfig tinyQueues() {
  HardwareConfig Edge = loadConfig("edge");
  std::string Yaml = Edge.canonicalYaml();
  auto Set = [&](const std::string &Key, const std::string &Value) {
    const size_t At = Yaml.find(Key + ":");
    EXPECT_NE(At, std::string::npos) << Key;
    const size_t End = Yaml.find('\n', At);
    Yaml.replace(At, End - At, Key + ": " + Value);
  };
  Set("token_depth", "1");
  Set("command_depth", "2");
  auto C = parseHardwareConfig(Yaml, "tiny-queues");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

TEST(NpuSchedule, PipelinedProgramsAreRaceFreeAndBitExact) {
  std::vector<HardwareConfig> Configs;
  for (const std::string &Name : configNames())
    Configs.push_back(loadConfig(Name));
  Configs.push_back(tinyQueues());
  unsigned Seed = 7;
  for (const HardwareConfig &C : Configs) {
    ir::Graph G = multiTileGraph(C, 20, Seed++);
    std::mt19937 Rng(Seed);
    ir::Tensor X = randomTensor(ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -128, 127);
    auto Expected = ref::interpret(G, {X});
    ASSERT_TRUE(Expected.isOk()) << Expected.message();
    backend::CompileResult R;
    auto Got = compileAndRun(G, C, {X}, &R);
    ASSERT_TRUE(Got.isOk()) << C.Name << ": " << Got.message();
    EXPECT_EQ((*Got)[0].byteVector(), (*Expected)[0].byteVector()) << C.Name;
    expectTokensSafe(R, C.Name);
  }
}

/// One 3x3 convolution with InBlocks input blocks: on edge, 40 blocks exceed the input buffer for one band
/// and 48 blocks also the weight buffer for one output block, so both need input-channel splitting.
TEST(NpuSchedule, InputChannelSplitIsBitExact) {
  HardwareConfig C = loadConfig("edge");
  unsigned Seed = 31;
  for (int64_t InBlocks : {40, 48}) {
    std::mt19937 Rng(Seed++);
    const int64_t Bi = int64_t(C.BlockIn), Bo = int64_t(C.BlockOut), OutBlocks = 2;
    ir::Graph G;
    ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Int8, {1, InBlocks, 9, 9, 1, Bi}));
    ir::ValueId W =
        G.addConstant("w", randomTensor(ElemType::Int8, {OutBlocks, InBlocks, 3, 3, Bo, Bi}, Rng, -128, 127));
    ir::ValueId B = G.addConstant("b", randomTensor(ElemType::Int32, {OutBlocks * Bo}, Rng, -5000, 5000));
    ir::ValueId Y = G.addValue("y", std::nullopt);
    ir::Node &N = G.addNode("npu.QConv", {X, W, B}, {Y}, "conv");
    N.setAttr("kernel_shape", Shape{3, 3});
    N.setAttr("strides", Shape{1, 1});
    N.setAttr("pads", Shape{1, 1, 1, 1});
    N.setAttr("dilations", Shape{1, 1});
    N.setAttr("group", int64_t(1));
    N.setAttr("layout", std::string("blocked"));
    N.setAttr("multiplier", std::vector<int64_t>(size_t(OutBlocks * Bo), int64_t(1) << 30));
    N.setAttr("shift", int64_t(44));
    N.setAttr("x_zero_point", int64_t(0));
    N.setAttr("y_zero_point", int64_t(3));
    N.setAttr("act_min", int64_t(3));
    N.setAttr("act_max", int64_t(127));
    G.Outputs = {Y};
    passes::PassOptions Opts;
    passes::PipelineOptions Pipe;
    ASSERT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk());
    ir::Tensor In = randomTensor(ElemType::Int8, G.type(X).Dims, Rng, -128, 127);
    auto Expected = ref::interpret(G, {In});
    ASSERT_TRUE(Expected.isOk()) << Expected.message();
    backend::CompileResult R;
    auto Got = compileAndRun(G, C, {In}, &R);
    ASSERT_TRUE(Got.isOk()) << InBlocks << ": " << Got.message();
    ASSERT_TRUE(R.Placements[0].Npu) << R.Placements[0].Reason;
    EXPECT_EQ((*Got)[0].byteVector(), (*Expected)[0].byteVector()) << InBlocks << " input blocks";
    expectTokensSafe(R, "split " + std::to_string(InBlocks));
  }
}

TEST(NpuSchedule, CheckerFindsAMissingToken) {
  HardwareConfig C = loadConfig("default");
  ir::Graph G = multiTileGraph(C, 20, 3);
  auto R = backend::compileModel(G, C);
  ASSERT_TRUE(R.isOk()) << R.message();
  isa::Program &P = R->Artifact.Segments[0].Program;
  ASSERT_TRUE(backend::checkProgramTokens(P).isOk());
  // Drop the first l2c pair: the GEMM that waited for its input no longer does.
  size_t Push = 0, Pop = 0;
  while (Push < P.Insns.size() && !(P.Insns[Push].queue() == isa::Queue::Load && P.Insns[Push].H.PushNext))
    ++Push;
  while (Pop < P.Insns.size() && !(P.Insns[Pop].queue() == isa::Queue::Compute && P.Insns[Pop].H.PopPrev))
    ++Pop;
  ASSERT_LT(Pop, P.Insns.size());
  P.Insns[Push].H.PushNext = 0;
  P.Insns[Pop].H.PopPrev = 0;
  auto T = backend::checkProgramTokens(P);
  ASSERT_FALSE(T.isOk());
  EXPECT_NE(T.message().find("no token chain orders them"), std::string::npos) << T.message();
}

/// SystemC cycles of the first NPU segment of R (inputs left as zeros: timing does not depend on data) and
/// the bytes of its outputs.
std::pair<sim::TimingStats, std::vector<uint8_t>> runSystemC(const backend::CompileResult &R) {
  const isa::Program &P = R.Artifact.Segments[0].Program;
  auto Dram = P.dramImage();
  EXPECT_TRUE(Dram.isOk());
  sim::SystemCSim Sim(P.Config);
  auto T = Sim.run(P, *Dram);
  EXPECT_TRUE(T.isOk()) << (T ? "" : T.message());
  std::vector<uint8_t> Out;
  for (const isa::TensorBinding &B : P.IO) {
    int64_t Bytes = 1;
    for (int64_t D : B.Shape)
      Bytes *= D;
    if (!B.IsInput)
      Out.insert(Out.end(), Dram->begin() + int64_t(B.Address), Dram->begin() + int64_t(B.Address + Bytes));
  }
  return {T.takeValue(), Out};
}

TEST(NpuSchedule, SystemCShowsOverlap) {
  HardwareConfig C = loadConfig("default");
  ir::Graph G = multiTileGraph(C, 32, 11, 4, 1);
  backend::CompileOptions Serial;
  Serial.Serial = true;
  auto RS = backend::compileModel(G, C, Serial);
  auto RP = backend::compileModel(G, C);
  ASSERT_TRUE(RS.isOk() && RP.isOk());
  ASSERT_EQ(RP->Artifact.Segments.size(), 1u);
  auto [TS, OutS] = runSystemC(*RS);
  auto [TP, OutP] = runSystemC(*RP);
  EXPECT_EQ(OutS, OutP) << "the schedules compute different outputs";
  // Clearly faster: the serial chain adds every DMA latency to the compute.
  EXPECT_LT(double(TP.TotalCycles), 0.85 * double(TS.TotalCycles))
      << TP.TotalCycles << " vs " << TS.TotalCycles;
  // A load or store really runs while the compute unit does: some DMA instruction's interval overlaps a
  // GEMM's.
  const isa::Program &P = RP->Artifact.Segments[0].Program;
  uint64_t Overlapping = 0;
  size_t G0 = 0;
  for (size_t I = 0; I < P.Insns.size(); ++I) {
    if (P.Insns[I].opcode() != isa::Opcode::Gemm)
      continue;
    for (size_t J = G0; J < P.Insns.size(); ++J) {
      const isa::Queue Q = P.Insns[J].queue();
      if (Q != isa::Queue::Compute && TP.Insns[J].Start < TP.Insns[I].End &&
          TP.Insns[I].Start < TP.Insns[J].End)
        ++Overlapping;
    }
    G0 = I > 64 ? I - 64 : 0;
  }
  EXPECT_GT(Overlapping, 4u);
  // The cost model's estimate of the pipelined program is in the simulator's ballpark.
  const uint64_t Est = backend::estimateTotalCycles(P);
  EXPECT_GT(double(Est), 0.7 * double(TP.TotalCycles));
  EXPECT_LT(double(Est), 1.3 * double(TP.TotalCycles));
  std::cout << "multi-tile graph on default: SystemC " << TS.TotalCycles << " cycles serial, "
            << TP.TotalCycles << " pipelined (estimate " << Est << ")\n";
}

TEST(NpuSchedule, MnistTokensAndCycles) {
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/mnist-8";
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    auto G = loadQuantizedModel(Dir, C);
    ASSERT_TRUE(G.isOk()) << G.message();
    backend::CompileOptions Serial;
    Serial.Serial = true;
    auto RS = backend::compileModel(*G, C, Serial);
    auto RP = backend::compileModel(*G, C);
    ASSERT_TRUE(RS.isOk() && RP.isOk());
    expectTokensSafe(*RP, Name);
    for (size_t K = 0; K < RP->Artifact.Segments.size(); ++K) {
      if (RP->Artifact.Segments[K].K != backend::ArtifactSegment::Npu)
        continue;
      const isa::Program &PS = RS->Artifact.Segments[K].Program, &PP = RP->Artifact.Segments[K].Program;
      auto DS = PS.dramImage(), DP = PP.dramImage();
      ASSERT_TRUE(DS.isOk() && DP.isOk());
      sim::SystemCSim Sim(C);
      auto TS = Sim.run(PS, *DS);
      auto TP = Sim.run(PP, *DP);
      ASSERT_TRUE(TS.isOk() && TP.isOk());
      EXPECT_LE(TP->TotalCycles, TS->TotalCycles) << Name;
      std::cout << "mnist-8 " << RP->Artifact.Segments[K].Name << " on " << Name << ": SystemC "
                << TS->TotalCycles << " cycles serial, " << TP->TotalCycles << " pipelined\n";
    }
  }
}

/// Minutes of CPU, run by hand (--gtest_also_run_disabled_tests): the token check on the onnx-light models'
/// programs on every config, light ResNet-50 first.
TEST(NpuSchedule, DISABLED_LightModelsRaceFree) {
  const std::string Root = std::string(NPU_TESTDATA_DIR) + "/models/onnx-light";
  if (!std::filesystem::exists(Root))
    GTEST_SKIP() << Root << " is absent (external test data)";
  std::vector<std::string> Models;
  for (const auto &E : std::filesystem::directory_iterator(Root))
    if (std::filesystem::exists(E.path() / "model.onnx"))
      Models.push_back(E.path().string());
  std::sort(Models.begin(), Models.end(), [](const std::string &A, const std::string &B) {
    const bool RA = A.find("resnet50") != std::string::npos, RB = B.find("resnet50") != std::string::npos;
    return RA != RB ? RA : A < B;
  });
  for (const std::string &M : Models)
    for (const std::string &Name : configNames()) {
      HardwareConfig C = loadConfig(Name);
      auto G = loadQuantizedModel(M, C);
      ASSERT_TRUE(G.isOk()) << M << G.message();
      auto R = backend::compileModel(*G, C);
      ASSERT_TRUE(R.isOk()) << M << ": " << R.message();
      expectTokensSafe(*R, M + " " + Name);
      for (auto &[Seg, T] : R->Tokens)
        EXPECT_EQ(T.Unproven, 0u) << M << " " << Name << " " << Seg << " fell back to serial tokens";
      std::cout << M << " on " << Name << ": checked" << std::endl;
    }
}

TEST(NpuSchedule, TuneIsDeterministicAndRecorded) {
  HardwareConfig C = loadConfig("edge");
  ir::Graph G = multiTileGraph(C, 16, 5);
  backend::CompileOptions Tune;
  Tune.Tune = true;
  auto A = backend::compileModel(G, C, Tune);
  auto B = backend::compileModel(G, C, Tune);
  ASSERT_TRUE(A.isOk() && B.isOk());
  auto BytesA = backend::writeModelArtifact(A->Artifact), BytesB = backend::writeModelArtifact(B->Artifact);
  ASSERT_TRUE(BytesA.isOk() && BytesB.isOk());
  EXPECT_EQ(*BytesA, *BytesB);
  std::string Record;
  for (auto &[K, V] : A->Artifact.Meta)
    if (K.rfind("schedule.", 0) == 0)
      Record = V;
  EXPECT_NE(Record.find("conv1:rows="), std::string::npos) << Record;
  EXPECT_NE(Record.find(",tuned"), std::string::npos) << Record;
  // The tuned program still computes the reference's result.
  std::mt19937 Rng(9);
  ir::Tensor X = randomTensor(ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -128, 127);
  auto Expected = ref::interpret(G, {X});
  ASSERT_TRUE(Expected.isOk());
  auto Read = backend::readModelArtifact(*BytesA, "tuned");
  ASSERT_TRUE(Read.isOk()) << Read.message();
  std::vector<std::optional<ir::NamedTensor>> In;
  In.push_back(ir::NamedTensor{"x", X});
  runtime::FuncDevice Dev(C);
  auto O = runtime::runModel(Dev, *Read, In);
  ASSERT_TRUE(O.isOk()) << O.message();
  EXPECT_EQ(O->Outputs[0].Data.byteVector(), (*Expected)[0].byteVector());
  expectTokensSafe(*A, "tuned");
}

} // namespace
} // namespace npu::test
