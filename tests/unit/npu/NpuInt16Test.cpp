// int16 activations (configs/edge16.yaml) and int4 weights (edge with `dtypes.weight: int4`) on the NPU: a float
// graph with every operator the NPU lowers, quantized for the config, laid out and compiled; every npu.* node
// runs on the NPU and the func-sim run of the artifact equals the reference interpreter's run of the same graph
// bit for bit. mnist-8 too.
#include "NpuTestUtil.h"
#include "../quant/QuantTestUtil.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;
using qtest::addOp;

ir::Attribute ints(const std::string &N, Shape V) { return {N, V}; }

/// Conv -> MaxPool (padded) -> depthwise Conv -> Add (residual) -> Relu -> Mul (per-channel constant) ->
/// Mul (two activations) -> LeakyRelu -> Concat(x, zeros) -> 1x1 Conv -> AveragePool -> GlobalAveragePool ->
/// Flatten -> Gemm.
ir::Graph testNet(std::mt19937 &Rng) {
  ir::Graph G;
  G.Name = "int16_net";
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Float32, {1, 3, 12, 12}));
  auto K = [&](Shape D, float A = 1) {
    return G.addConstant(G.uniqueName("k"), qtest::randomFloats(D, uint32_t(Rng()), -A, A));
  };
  ir::ValueId C1 = addOp(G, "Conv", {X, K({8, 3, 3, 3}), K({8}, 0.2f)},
                      {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})});
  // MaxPool of values below -128 with padding: the padding identity must be int16's minimum.
  ir::ValueId P1 = addOp(G, "MaxPool", {C1},
                      {ints("kernel_shape", {3, 3}), ints("strides", {2, 2}), ints("pads", {1, 1, 1, 1})});
  ir::ValueId D = addOp(G, "Conv", {P1, K({8, 1, 3, 3}), K({8}, 0.2f)},
                     {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3}), {"group", int64_t(8)}});
  ir::ValueId S = addOp(G, "Relu", {addOp(G, "Add", {D, P1})});
  ir::ValueId M1 = addOp(G, "Mul", {S, K({1, 8, 1, 1})});
  ir::ValueId M2 = addOp(G, "Mul", {M1, S});
  ir::ValueId L = addOp(G, "LeakyRelu", {M2}, {{"alpha", 0.2f}});
  ir::ValueId Z = G.addConstant("zeros", ir::Tensor(ElemType::Float32, {1, 4, 6, 6}));
  ir::ValueId Cat = addOp(G, "Concat", {L, Z}, {{"axis", int64_t(1)}});
  ir::ValueId C2 = addOp(G, "Conv", {Cat, K({8, 12, 1, 1})});
  ir::ValueId A = addOp(G, "AveragePool", {C2}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})});
  ir::ValueId F = addOp(G, "Flatten", {addOp(G, "GlobalAveragePool", {A})});
  G.Outputs = {addOp(G, "Gemm", {F, K({8, 5}), K({5}, 0.2f)})};
  return G;
}

/// testNet(Seed) through shape inference, quantization for C (calibrated on Sets) and the layout pass; an empty
/// graph after a failed assertion.
ir::Graph quantizedTestNet(const HardwareConfig &C, unsigned Seed, const std::vector<std::vector<ir::Tensor>> &Sets,
                           const std::string &Dir) {
  std::mt19937 Rng(Seed);
  ir::Graph G = testNet(Rng);
  passes::PassOptions Opts;
  Opts.CalibDirs = qtest::writeSets(qtest::tempDir(Dir), Sets);
  Opts.Config = &C;
  Status St = qtest::runPasses(G, {"shape-inference", "quantize", "layout"}, Opts);
  EXPECT_TRUE(St.isOk()) << St.message();
  return St ? G : ir::Graph();
}

/// Every set's first input through the compiled artifact on func equals the interpreter's run of G.
void expectBitExact(const ir::Graph &G, const HardwareConfig &C, const std::vector<std::vector<ir::Tensor>> &Sets,
                    backend::CompileResult *R = nullptr) {
  for (const auto &Set : Sets) {
    auto Want = ref::interpret(G, {Set[0]});
    ASSERT_TRUE(Want.isOk()) << Want.message();
    auto Got = compileAndRun(G, C, {Set[0]}, R);
    ASSERT_TRUE(Got.isOk()) << Got.message();
    ASSERT_EQ(Got->size(), 1u);
    EXPECT_EQ((*Got)[0], (*Want)[0]);
  }
}

TEST(NpuInt16, EveryOperatorOnTheNpuBitExact) {
  HardwareConfig C = loadConfig("edge16");
  const auto Sets = qtest::randomInputSets(3, 5, {1, 3, 12, 12}, -2, 2);
  ir::Graph G = quantizedTestNet(C, 16, Sets, "npu_int16");
  ASSERT_FALSE(G.nodes().empty());
  // Every quantized operator (and MaxPool, Concat) is placed on the NPU, on int16 activations.
  std::set<std::string> OnNpu;
  for (const backend::NodePlacement &P : backend::placeNodes(G, C)) {
    const bool Npu = P.OpType.rfind("npu.Q", 0) == 0 || P.OpType == "npu.MaxPool" || P.OpType == "Concat";
    if (Npu) {
      EXPECT_TRUE(P.Npu) << P.OpType << " '" << P.Node << "': " << P.Reason;
    }
    if (P.Npu)
      OnNpu.insert(P.OpType);
  }
  for (const char *Op : {"npu.QConv", "npu.MaxPool", "npu.QAdd", "npu.QMul", "npu.QLeakyRelu", "Concat",
                         "npu.QAvgPool", "npu.QGlobalAvgPool", "npu.QMatMul"})
    EXPECT_TRUE(OnNpu.count(Op)) << Op << " is not on the NPU";
  for (const ir::Node &N : G.nodes()) {
    if (N.OpType == "npu.QConv") {
      EXPECT_EQ(G.type(N.Inputs[0]).Elem, ElemType::Int16);
    }
  }
  backend::CompileResult R;
  expectBitExact(G, C, Sets, &R);
  // The artifact's NPU bindings of activations are int16.
  int Int16Bindings = 0;
  for (const backend::ArtifactSegment &S : R.Artifact.Segments) {
    for (const isa::TensorBinding &B : S.Program.IO) {
      EXPECT_NE(B.DType, "int8") << B.Name;
      Int16Bindings += B.DType == "int16";
    }
  }
  EXPECT_GT(Int16Bindings, 0);
}

/// configs/edge.yaml with 4-bit weights (packed two per byte in DRAM and in the weight buffer).
HardwareConfig edgeInt4() {
  std::ifstream In(std::string(NPU_SOURCE_DIR) + "/configs/edge.yaml");
  std::stringstream SS;
  SS << In.rdbuf();
  std::string Yaml = SS.str();
  const size_t P = Yaml.find("weight: int8");
  EXPECT_NE(P, std::string::npos);
  Yaml.replace(P, 12, "weight: int4");
  auto C = parseHardwareConfig(Yaml, "edge-int4");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

TEST(NpuInt4Weights, EveryOperatorOnTheNpuBitExact) {
  HardwareConfig C = edgeInt4();
  ASSERT_EQ(C.weightBits(), 4u);
  const auto Sets = qtest::randomInputSets(3, 5, {1, 3, 12, 12}, -2, 2);
  ir::Graph G = quantizedTestNet(C, 4, Sets, "npu_int4");
  ASSERT_FALSE(G.nodes().empty());
  for (const backend::NodePlacement &P : backend::placeNodes(G, C))
    if (P.OpType == "npu.QConv" || P.OpType == "npu.QMatMul") {
      EXPECT_TRUE(P.Npu) << P.OpType << " '" << P.Node << "': " << P.Reason;
    }
  // Weights on the symmetric 4-bit grid [-7, 7], the largest at +-7.
  int Weighted = 0;
  for (const ir::Node &N : G.nodes())
    if (N.OpType == "npu.QConv" || N.OpType == "npu.QMatMul") {
      const auto W = G.value(N.Inputs[1]).Data->toInt64s();
      ++Weighted;
      int64_t MaxAbs = 0;
      for (int64_t V : W)
        MaxAbs = std::max<int64_t>(MaxAbs, std::abs(V));
      EXPECT_EQ(MaxAbs, 7) << N.Name;
    }
  EXPECT_GE(Weighted, 3);
  expectBitExact(G, C, Sets);
}

TEST(NpuInt16, MnistBitExact) {
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/mnist-8";
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  HardwareConfig C = loadConfig("edge16");
  auto G = loadQuantizedModel(Dir, C, {1, 2});
  ASSERT_TRUE(G.isOk()) << G.message();
  int Npu = 0;
  for (const backend::NodePlacement &P : backend::placeNodes(*G, C))
    Npu += P.Npu;
  EXPECT_GE(Npu, 4);
  std::mt19937 Rng(8);
  for (int K = 0; K < 2; ++K) {
    ir::Tensor X = qtest::randomFloats(G->type(G->Inputs[0]).Dims, uint32_t(Rng()), 0, 255);
    auto Want = ref::interpret(*G, {X});
    ASSERT_TRUE(Want.isOk()) << Want.message();
    auto Got = compileAndRun(*G, C, {X});
    ASSERT_TRUE(Got.isOk()) << Got.message();
    EXPECT_EQ((*Got)[0], (*Want)[0]);
  }
}

} // namespace
} // namespace npu::test
