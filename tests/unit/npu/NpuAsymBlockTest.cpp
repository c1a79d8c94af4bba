// Cores with block_in != block_out (configs/wide.yaml: 16 -> 32, and a 8 -> 32 variant with small buffers):
// plain int8 graphs of convolutions, grouped convolutions, matmuls, pools and elementwise operators go
// through the layout pass (which puts npu.Reblock before every GEMM whose input was made in 32-channel
// blocks) and the NPU backend; the func-sim run must equal the reference interpreter's run of the plain graph
// bit for bit, every operator, npu.Reblock included, must run on the NPU, and the programs must be race-free
// (checkProgramTokens). A core with block_in > block_out falls back to the host with a reason and stays exact.
// mnist-8 (top-1 equal to fp32) and light ResNet-50 on wide: bit-exact.
#include "NpuTestUtil.h"

#include "npu/backend/Schedule.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/runtime/TensorProto.h"

#include <filesystem>
#include <iostream>
#include <random>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;

/// A batch-1 config with the given blocks and buffer keys (YAML lines under `buffers:`), defaults elsewhere.
HardwareConfig variant(const std::string &Name, int64_t Bi, int64_t Bo, const std::string &Buffers) {
  std::string Yaml = "name: " + Name + "\ncore:\n  batch: 1\n  block_in: " + std::to_string(Bi) +
                     "\n  block_out: " + std::to_string(Bo) + "\n";
  if (!Buffers.empty())
    Yaml += "buffers:\n" + Buffers;
  auto C = parseHardwareConfig(Yaml, Name + ".yaml");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

/// The asymmetric cores every test runs on: wide (16 -> 32) and a 8 -> 32 core whose small buffers make
/// npu.Reblock and the layers tile.
std::vector<HardwareConfig> asymConfigs() {
  return {loadConfig("wide"),
          variant("narrow-in", 8, 32,
                  "  input: 2KiB\n  weight: 32KiB\n  accumulator: 16KiB\n  output: 4KiB\n  uop: 8KiB\n")};
}

struct Builder {
  std::mt19937 Rng;
  ir::Graph G;
  int Count = 0;
  explicit Builder(unsigned Seed) : Rng(Seed) {}

  ir::Tensor random(ElemType T, Shape Dims, int64_t Lo, int64_t Hi) { return randomTensor(T, Dims, Rng, Lo, Hi); }
  ir::ValueId input(Shape Dims) { return G.addInput("x", ir::TensorType(ElemType::Int8, Dims)); }
  std::pair<ir::ValueId, std::string> out(const std::string &Prefix) {
    std::string Id = std::to_string(++Count);
    return {G.addValue(Prefix + Id, std::nullopt), Id};
  }
  void requant(ir::Node &N, int64_t O) {
    std::uniform_int_distribution<int64_t> M(int64_t(1) << 28, (int64_t(1) << 30) - 1);
    std::vector<int64_t> Ms;
    for (int64_t C = 0; C < O; ++C)
      Ms.push_back(M(Rng));
    N.setAttr("multiplier", Ms);
    N.setAttr("shift", int64_t(38));
    N.setAttr("x_zero_point", int64_t(0));
    N.setAttr("y_zero_point", int64_t(Count % 3) - 1);
    N.setAttr("act_min", int64_t(Count % 2 ? -1 : -128));
    N.setAttr("act_max", int64_t(127));
  }

  ir::ValueId conv(ir::ValueId X, int64_t Cin, int64_t O, int64_t Group, int64_t K, int64_t S, int64_t P) {
    auto [Y, Id] = out("c");
    ir::ValueId W = G.addConstant("w" + Id, random(ElemType::Int8, {O, Cin / Group, K, K}, -127, 127));
    ir::ValueId B = G.addConstant("b" + Id, random(ElemType::Int32, {O}, -3000, 3000));
    ir::Node &N = G.addNode("npu.QConv", {X, W, B}, {Y}, "conv" + Id);
    N.setAttr("kernel_shape", Shape{K, K});
    N.setAttr("strides", Shape{S, S});
    N.setAttr("pads", Shape{P, P, P, P});
    N.setAttr("dilations", Shape{1, 1});
    N.setAttr("group", Group);
    requant(N, O);
    return Y;
  }
  ir::ValueId matmul(ir::ValueId X, int64_t K, int64_t O) {
    auto [Y, Id] = out("m");
    ir::ValueId W = G.addConstant("w" + Id, random(ElemType::Int8, {K, O}, -127, 127));
    ir::ValueId B = G.addConstant("b" + Id, random(ElemType::Int32, {O}, -3000, 3000));
    requant(G.addNode("npu.QMatMul", {X, W, B}, {Y}, "matmul" + Id), O);
    return Y;
  }
  ir::ValueId maxPool(ir::ValueId X, int64_t K, int64_t S, int64_t P) {
    auto [Y, Id] = out("p");
    ir::Node &N = G.addNode("MaxPool", {X}, {Y}, "maxpool" + Id);
    N.setAttr("kernel_shape", Shape{K, K});
    N.setAttr("strides", Shape{S, S});
    N.setAttr("pads", Shape{P, P, P, P});
    return Y;
  }
  ir::ValueId avgPool(ir::ValueId X, int64_t K, int64_t S, bool Global) {
    auto [Y, Id] = out("a");
    ir::Node &N = G.addNode(Global ? "npu.QGlobalAvgPool" : "npu.QAvgPool", {X}, {Y}, "avgpool" + Id);
    if (!Global) {
      N.setAttr("kernel_shape", Shape{K, K});
      N.setAttr("strides", Shape{S, S});
      N.setAttr("pads", Shape{0, 0, 0, 0});
    }
    N.setAttr("multiplier", int64_t(1) << 28);
    N.setAttr("shift", int64_t(31));
    N.setAttr("x_zero_point", int64_t(3));
    N.setAttr("y_zero_point", int64_t(-2));
    N.setAttr("act_min", int64_t(-128));
    N.setAttr("act_max", int64_t(127));
    return Y;
  }
  ir::ValueId flatten(ir::ValueId X) {
    auto [Y, Id] = out("f");
    G.addNode("Flatten", {X}, {Y}, "flatten" + Id).setAttr("axis", int64_t(1));
    return Y;
  }
  /// npu.QAdd of A and B (an activation, or a constant the layout pass broadcasts and blocks).
  ir::ValueId add(ir::ValueId A, ir::ValueId B) {
    auto [Y, Id] = out("s");
    ir::Node &N = G.addNode("npu.QAdd", {A, B}, {Y}, "add" + Id);
    N.setAttr("a_multiplier", int64_t(2100000));
    N.setAttr("b_multiplier", int64_t(3300000));
    N.setAttr("shift", int64_t(22));
    N.setAttr("a_zero_point", int64_t(-1));
    N.setAttr("b_zero_point", int64_t(2));
    N.setAttr("y_zero_point", int64_t(1));
    N.setAttr("act_min", int64_t(-128));
    N.setAttr("act_max", int64_t(127));
    return Y;
  }
  ir::ValueId constant(Shape Dims) {
    std::string Name = "k";
    Name += std::to_string(++Count);
    return G.addConstant(Name, random(ElemType::Int8, Dims, -127, 127));
  }
  ir::ValueId mul(ir::ValueId A, ir::ValueId B) {
    auto [Y, Id] = out("u");
    ir::Node &N = G.addNode("npu.QMul", {A, B}, {Y}, "mul" + Id);
    N.setAttr("multiplier", int64_t(1234567891));
    N.setAttr("shift", int64_t(38));
    N.setAttr("a_zero_point", int64_t(1));
    N.setAttr("b_zero_point", int64_t(-2));
    N.setAttr("y_zero_point", int64_t(-3));
    N.setAttr("act_min", int64_t(-100));
    N.setAttr("act_max", int64_t(120));
    return Y;
  }
  ir::ValueId leakyRelu(ir::ValueId X) {
    auto [Y, Id] = out("l");
    ir::Node &N = G.addNode("npu.QLeakyRelu", {X}, {Y}, "leaky" + Id);
    N.setAttr("pos_multiplier", int64_t(1900000));
    N.setAttr("neg_multiplier", int64_t(-700000));
    N.setAttr("shift", int64_t(21));
    N.setAttr("x_zero_point", int64_t(2));
    N.setAttr("y_zero_point", int64_t(-2));
    N.setAttr("act_min", int64_t(-100));
    N.setAttr("act_max", int64_t(120));
    return Y;
  }
  ir::ValueId concat(std::vector<ir::ValueId> Ins) {
    auto [Y, Id] = out("cat");
    G.addNode("Concat", Ins, {Y}, "concat" + Id).setAttr("axis", int64_t(1));
    return Y;
  }

  /// Layout for C, compile, run, compare with the interpreter's run of the plain graph. With AllOnNpu every
  /// node but the layout conversions at the segment edges (and Flatten) must run on the NPU; returns the
  /// number of npu.Reblock nodes on the NPU.
  int check(ir::ValueId Out, const HardwareConfig &C, const std::string &What, bool AllOnNpu = true) {
    G.Outputs = {Out};
    auto Run = runPlainGraph(G, C, Rng);
    EXPECT_TRUE(Run.isOk()) << What << " on " << C.Name << ": " << (Run ? "" : Run.message());
    if (!Run)
      return 0;
    const backend::CompileResult &R = Run->R;
    int Reblocks = 0;
    for (const backend::NodePlacement &P : R.Placements) {
      const bool Edge = P.OpType == "npu.ToBlocked" || P.OpType == "npu.FromBlocked" || P.OpType == "Reshape";
      if (AllOnNpu && !Edge) {
        EXPECT_TRUE(P.Npu) << What << " on " << C.Name << ": " << P.Node
                           << " stayed on the host: " << P.Reason;
      }
      Reblocks += P.Npu && P.OpType == "npu.Reblock";
    }
    EXPECT_EQ(Run->Got[0].byteVector(), Run->Expected[0].byteVector()) << What << " on " << C.Name;
    // The func sim runs in order; the token check shows the queues would not race on the timed model.
    for (const backend::ArtifactSegment &Seg : R.Artifact.Segments)
      if (Seg.K == backend::ArtifactSegment::Npu) {
        auto T = backend::checkProgramTokens(Seg.Program);
        EXPECT_TRUE(T.isOk()) << What << " on " << C.Name << ": " << T.message();
      }
    return Reblocks;
  }
};

TEST(NpuAsymBlock, ConvChainsReblock) {
  struct Case {
    int64_t N, Cin, H, W, C1, C2, K, S, P;
  };
  // Channels not multiples of the blocks; positions per block odd (P % k != 0) and even; strided.
  // Two images in the last case (the rows of one image after the other: core.batch is 1).
  const std::vector<Case> Cases = {{1, 20, 9, 7, 40, 24, 3, 1, 1},
                                   {1, 8, 8, 8, 64, 33, 3, 2, 1},
                                   {1, 3, 6, 5, 17, 50, 1, 1, 0},
                                   {1, 40, 5, 5, 96, 20, 3, 1, 1},
                                   {2, 12, 5, 6, 36, 40, 3, 1, 1}};
  unsigned Seed = 3100;
  for (const HardwareConfig &C : asymConfigs())
    for (const Case &K : Cases) {
      Builder B(Seed++);
      ir::ValueId X = B.input({K.N, K.Cin, K.H, K.W});
      ir::ValueId Y = B.conv(B.conv(X, K.Cin, K.C1, 1, K.K, K.S, K.P), K.C1, K.C2, 1, K.K, 1, K.P);
      const std::string What = "conv chain " + std::to_string(K.Cin) + "->" + std::to_string(K.C1) + "->" +
                               std::to_string(K.C2) + " " + std::to_string(K.H) + "x" + std::to_string(K.W);
      EXPECT_EQ(B.check(B.conv(Y, K.C2, 12, 1, 1, 1, 0), C, What), 2) << What;
    }
}

TEST(NpuAsymBlock, GroupedAndDepthwise) {
  unsigned Seed = 3200;
  for (const HardwareConfig &C : asymConfigs())
    for (auto [Ch, Group] : std::vector<std::pair<int64_t, int64_t>>{{48, 48}, {40, 4}, {24, 24}}) {
      Builder B(Seed++);
      ir::ValueId X = B.input({1, Ch, 7, 6});
      ir::ValueId Y = B.conv(B.conv(X, Ch, Ch, 1, 1, 1, 0), Ch, Ch, Group, 3, 1, 1);
      B.check(B.conv(Y, Ch, 16, 1, 1, 1, 0), C,
              "group conv " + std::to_string(Ch) + " g" + std::to_string(Group));
    }
}

TEST(NpuAsymBlock, PoolsAndMatMul) {
  unsigned Seed = 3300;
  for (const HardwareConfig &C : asymConfigs()) {
    {
      // conv -> max pool (padded) -> conv -> avg pool -> conv.
      Builder B(Seed++);
      ir::ValueId X = B.input({1, 12, 11, 11});
      ir::ValueId Y = B.maxPool(B.conv(X, 12, 40, 1, 3, 1, 1), 3, 2, 1);
      Y = B.avgPool(B.conv(Y, 40, 36, 1, 3, 1, 1), 2, 2, false);
      B.check(B.conv(Y, 36, 20, 1, 1, 1, 0), C, "conv-maxpool-conv-avgpool-conv");
    }
    {
      // Global pool -> Flatten -> matmul -> matmul: npu.Reblock of one position per block.
      Builder B(Seed++);
      ir::ValueId X = B.input({1, 24, 5, 5});
      ir::ValueId Y = B.flatten(B.avgPool(B.conv(X, 24, 72, 1, 3, 1, 1), 0, 0, true));
      Y = B.matmul(B.matmul(Y, 72, 40), 40, 10);
      B.check(Y, C, "global pool-matmul-matmul");
    }
    {
      // Matmul chain over several rows (M = 5).
      Builder B(Seed++);
      ir::ValueId X = B.input({5, 40});
      B.check(B.matmul(B.matmul(X, 40, 48), 48, 20), C, "matmul chain");
    }
  }
}

TEST(NpuAsymBlock, ElementwiseAndConcat) {
  unsigned Seed = 3400;
  for (const HardwareConfig &C : asymConfigs()) {
    {
      // Residual: conv -> (conv, identity) -> add -> leaky relu -> conv.
      Builder B(Seed++);
      ir::ValueId X = B.input({1, 8, 6, 7});
      ir::ValueId A = B.conv(X, 8, 40, 1, 3, 1, 1);
      ir::ValueId Y = B.leakyRelu(B.add(B.conv(A, 40, 40, 1, 3, 1, 1), A));
      B.check(B.conv(Y, 40, 8, 1, 1, 1, 0), C, "residual add, leaky relu");
    }
    {
      // Mul by an activation and a per-channel constant, add of a constant, concat of two convs.
      Builder B(Seed++);
      ir::ValueId X = B.input({1, 8, 5, 5});
      ir::ValueId A = B.conv(X, 8, 36, 1, 3, 1, 1), D = B.conv(X, 8, 36, 1, 1, 1, 0);
      ir::ValueId Y = B.mul(B.mul(A, D), B.constant({1, 36, 1, 1}));
      Y = B.add(Y, B.constant({1, 36, 5, 5}));
      const int64_t Bo = int64_t(C.BlockOut);
      ir::ValueId Cat = B.concat({B.conv(Y, 36, Bo, 1, 1, 1, 0), B.conv(X, 8, 20, 1, 3, 1, 1)});
      B.check(B.conv(Cat, Bo + 20, 16, 1, 1, 1, 0), C, "mul, const add, concat");
    }
  }
}

TEST(NpuAsymBlock, WiderInputBlockStaysOnHostAndExact) {
  // block_in 32 > block_out 16: npu.Reblock to the wider block is not lowered; the result is still exact.
  HardwareConfig C = variant("wide-in", 32, 16, "");
  Builder B(3500);
  ir::ValueId X = B.input({1, 20, 6, 6});
  ir::ValueId Y = B.conv(B.conv(X, 20, 40, 1, 3, 1, 1), 40, 24, 1, 3, 1, 1);
  EXPECT_EQ(B.check(Y, C, "conv chain, block_in > block_out", false), 0);
  ir::Graph L = B.G;
  passes::PassOptions Opts;
  Opts.Config = &C;
  passes::PipelineOptions Pipe;
  ASSERT_TRUE(passes::runPipeline(L, {"layout"}, Opts, Pipe).isOk());
  auto R = backend::compileModel(L, C);
  ASSERT_TRUE(R.isOk()) << R.message();
  for (const backend::NodePlacement &P : R->Placements)
    if (P.OpType == "npu.Reblock") {
      EXPECT_FALSE(P.Npu);
      EXPECT_NE(P.Reason.find("wider block"), std::string::npos) << P.Reason;
    }
}

TEST(NpuAsymBlock, Mnist) {
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/mnist-8";
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  HardwareConfig C = loadConfig("wide");
  auto G = loadQuantizedModel(Dir, C);
  ASSERT_TRUE(G.isOk()) << G.message();
  for (int S = 0; S < 3; ++S) {
    const std::string Set = Dir + "/test_data_set_" + std::to_string(S);
    auto In = runtime::readTensorProto(Set + "/input_0.pb"),
         Ref = runtime::readTensorProto(Set + "/output_0.pb");
    ASSERT_TRUE(In.isOk() && Ref.isOk());
    ir::Tensor X = In->Data, F = Ref->Data;
    auto Expected = ref::interpret(*G, {X});
    ASSERT_TRUE(Expected.isOk()) << Expected.message();
    backend::CompileResult R;
    auto Got = compileAndRun(*G, C, {X}, &R);
    ASSERT_TRUE(Got.isOk()) << Got.message();
    EXPECT_EQ((*Got)[0].byteVector(), (*Expected)[0].byteVector()) << "set " << S;
    auto Argmax = [](const ir::Tensor &T) {
      int64_t Best = 0;
      for (int64_t I = 1; I < T.numElements(); ++I)
        Best = T.getDouble(I) > T.getDouble(Best) ? I : Best;
      return Best;
    };
    EXPECT_EQ(Argmax((*Got)[0]), Argmax(F)) << "set " << S;
    for (const backend::NodePlacement &P : R.Placements)
      if (P.OpType == "npu.QConv" || P.OpType == "npu.MaxPool" || P.OpType == "npu.QMatMul" ||
          P.OpType == "npu.Reblock") {
        EXPECT_TRUE(P.Npu) << P.Node << ": " << P.Reason;
      }
  }
}

TEST(NpuAsymBlock, LightResNet50) {
  // Every convolution, pool, add and matmul of light ResNet-50 on wide, bit-exact (constant-fill weights: the
  // outputs measure structure, not accuracy).
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/onnx-light/light_resnet50";
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  HardwareConfig C = loadConfig("wide");
  auto G = loadQuantizedModel(Dir, C);
  ASSERT_TRUE(G.isOk()) << G.message();
  auto In = frontend::readTensorProtoFile(Dir + "/test_data_set_0/input_0.pb");
  ASSERT_TRUE(In.isOk()) << In.message();
  backend::CompileResult R;
  auto Got = compileAndRun(*G, C, {In->Data}, &R);
  ASSERT_TRUE(Got.isOk()) << Got.message();
  auto Expected = ref::interpret(*G, {In->Data});
  ASSERT_TRUE(Expected.isOk()) << Expected.message();
  EXPECT_EQ((*Got)[0].byteVector(), (*Expected)[0].byteVector());
  for (const backend::ArtifactSegment &Seg : R.Artifact.Segments)
    if (Seg.K == backend::ArtifactSegment::Npu) {
      auto T = backend::checkProgramTokens(Seg.Program);
      EXPECT_TRUE(T.isOk()) << Seg.Name << ": " << T.message();
    }
  size_t Npu = 0, Reblocks = 0;
  for (const backend::NodePlacement &P : R.Placements) {
    Npu += P.Npu;
    Reblocks += P.Npu && P.OpType == "npu.Reblock";
    if (P.OpType.rfind("npu.Q", 0) == 0 || P.OpType == "npu.MaxPool" || P.OpType == "npu.Reblock") {
      EXPECT_TRUE(P.Npu) << P.Node << ": " << P.Reason;
    }
  }
  EXPECT_GT(Reblocks, 0u);
  std::cout << "light ResNet-50 on wide: " << Npu << " NPU nodes (" << Reblocks << " npu.Reblock), "
            << R.Placements.size() - Npu << " host nodes\n";
}

} // namespace
} // namespace npu::test
