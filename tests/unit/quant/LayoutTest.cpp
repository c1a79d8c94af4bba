// The layout pass: random small quantized conv graphs run bit-identically blocked and unblocked.
// Configs default, edge, large and one with block_in != block_out; conversions only at chain boundaries.
#include "QuantTestUtil.h"

#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ref/Interpreter.h"

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

/// conv -> relu -> [maxpool] -> conv + residual -> relu -> [concat] -> avgpool -> [depthwise conv] -> global
/// pool
/// -> gemm, with channel counts that are mostly not multiples of the blocks.
Graph randomCnn(uint32_t Seed, int64_t Batch) {
  std::mt19937 Rng(Seed);
  auto Pick = [&](int64_t Lo, int64_t Hi) { return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng); };
  Graph G;
  G.Name = "random" + std::to_string(Seed);
  // 32 channels fill whole blocks on every config, so a Concat after them stays in the chain.
  const int64_t C0 = Pick(1, 5), H = Pick(6, 10), C1 = Pick(0, 2) ? Pick(3, 20) : 32;
  const int64_t K = Pick(0, 1) ? 3 : 1, S = Pick(1, 2);
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {Batch, C0, H, H + 1}));
  auto Const = [&](const std::string &N, Shape D) {
    return G.addConstant(N, randomFloats(D, uint32_t(Rng())));
  };
  ValueId Y = addOp(G, "Conv", {X, Const("w1", {C1, C0, K, K}), Const("b1", {C1})},
                    {ints("pads", {K / 2, K / 2, K / 2, K / 2}), ints("strides", {S, S})});
  Y = addOp(G, "Relu", {Y});
  if (Pick(0, 1))
    Y = addOp(G, "MaxPool", {Y}, {ints("kernel_shape", {2, 2}), ints("pads", {0, 0, 1, 1})});
  ValueId Z = addOp(G, "Conv", {Y, Const("w2", {C1, C1, 3, 3})}, {ints("pads", {1, 1, 1, 1})});
  Z = addOp(G, "Relu", {addOp(G, "Add", {Z, Y})});
  int64_t C = C1;
  if (Pick(0, 1)) { // channel concat (requantizes both inputs to one scale)
    Z = addOp(G, "Concat", {Z, Y}, {{"axis", int64_t(1)}});
    C = 2 * C1;
  }
  Z = addOp(G, "AveragePool", {Z}, {ints("kernel_shape", {2, 2})});
  if (Pick(0, 1)) // depthwise: not NPU-eligible, so the chain is cut around it
    Z = addOp(G, "Conv", {Z, Const("wd", {C, 1, 3, 3})}, {ints("pads", {1, 1, 1, 1}), {"group", C}});
  Z = addOp(G, "Flatten", {addOp(G, "GlobalAveragePool", {Z})});
  G.Outputs = {addOp(G, "Gemm", {Z, Const("w3", {C, Pick(2, 12)})})};
  EXPECT_TRUE(verifyGraph(G).isOk());
  return G;
}

Graph quantized(const Graph &F, int Sets, uint32_t Seed, std::vector<std::vector<Tensor>> &Inputs) {
  const Shape &D = F.type(F.Inputs[0]).Dims;
  for (int K = 0; K < Sets; ++K)
    Inputs.push_back({randomFloats(D, Seed * 100 + uint32_t(K), -2, 2)});
  passes::PassOptions Opts;
  Opts.CalibDirs = writeSets(tempDir("layout" + std::to_string(Seed)), Inputs);
  Graph Q = F;
  Status S = runPasses(Q, {"quantize"}, Opts);
  EXPECT_TRUE(S.isOk()) << S.message();
  return Q;
}

/// ToBlocked never reads a FromBlocked: two eligible operators are never separated by a conversion pair.
void checkBoundaries(const Graph &G) {
  std::vector<const Node *> Producer(G.numValues(), nullptr);
  for (const Node &N : G.nodes())
    for (ValueId Out : N.Outputs)
      if (Out != NoValue)
        Producer[size_t(Out)] = &N;
  for (const Node &N : G.nodes())
    if (N.OpType == "npu.ToBlocked" || N.OpType == "npu.Reblock") {
      const Node *P = Producer[size_t(N.Inputs[0])];
      EXPECT_TRUE(!P || P->OpType != "npu.FromBlocked") << printNode(G, N);
    }
}

void checkConfig(const HardwareConfig &C, const std::string &Label) {
  int BlockedConcats = 0;
  for (uint32_t Seed = 1; Seed <= 8; ++Seed)
    for (int64_t Batch : {int64_t(1), int64_t(2), int64_t(4)}) {
      std::vector<std::vector<Tensor>> Inputs;
      Graph Q = quantized(randomCnn(Seed, Batch), 3, Seed, Inputs);
      passes::PassOptions Opts;
      Opts.Config = &C;
      Graph B = Q;
      Status S = runPasses(B, {"layout"}, Opts);
      ASSERT_TRUE(S.isOk()) << Label << ": " << S.message();
      EXPECT_GE(countOps(B, "npu.ToBlocked"), 1);
      EXPECT_GE(countOps(B, "npu.FromBlocked"), 1);
      checkBoundaries(B);
      for (const Node &N : B.nodes())
        BlockedConcats += N.OpType == "Concat" && B.type(N.Outputs[0]).rank() == 6;
      for (const Node &N : B.nodes())
        if (N.OpType == "npu.QConv" && N.getInt("group", 1) == 1) {
          EXPECT_EQ(N.getString("layout", ""), "blocked") << Label;
        }
      for (const auto &In : Inputs) {
        auto U = ref::interpret(Q, In), V = ref::interpret(B, In);
        ASSERT_TRUE(U.isOk() && V.isOk()) << Label << ": " << (V ? "" : V.message());
        EXPECT_EQ((*U)[0], (*V)[0]) << Label << " seed " << Seed << " batch " << Batch;
      }
    }
  EXPECT_GT(BlockedConcats, 0) << Label << ": no random graph had a Concat inside a chain";
}

} // namespace

TEST(Layout, BitIdenticalOnDefaultConfig) { checkConfig(loadConfig("default"), "default"); }
TEST(Layout, BitIdenticalOnEdgeConfig) { checkConfig(loadConfig("edge"), "edge"); }
TEST(Layout, BitIdenticalOnLargeConfig) { checkConfig(loadConfig("large"), "large"); }

TEST(Layout, ReblocksWhenBlockInDiffersFromBlockOut) {
  HardwareConfig C = loadConfig("default");
  C.BlockIn = 8;
  C.BlockOut = 16;
  C.Batch = 2;
  checkConfig(C, "in8-out16");
  std::vector<std::vector<Tensor>> Inputs;
  Graph B = quantized(randomCnn(3, 2), 1, 3, Inputs);
  passes::PassOptions Opts;
  Opts.Config = &C;
  ASSERT_TRUE(runPasses(B, {"layout"}, Opts).isOk());
  EXPECT_GE(countOps(B, "npu.Reblock"), 1);
  for (const Node &N : B.nodes())
    if (N.OpType == "npu.QConv" && N.getString("layout", "") == "blocked") {
      EXPECT_EQ(B.type(N.Inputs[0]).Dims.back(), 8);   // c = block_in where the GEMM reads
      EXPECT_EQ(B.type(N.Outputs[0]).Dims.back(), 16); // c = block_out where it writes
      EXPECT_EQ(B.type(N.Inputs[0]).Dims[B.type(N.Inputs[0]).rank() - 2], 2); // n = batch
    }
}

TEST(Layout, NeedsAConfigAndLeavesFloatGraphsAlone) {
  std::vector<std::vector<Tensor>> Inputs;
  Graph Q = quantized(randomCnn(1, 1), 1, 1, Inputs);
  Status S = runPasses(Q, {"layout"}, passes::PassOptions{});
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("no hardware config (--config FILE.yaml)"), std::string::npos) << S.message();
  HardwareConfig C = loadConfig("default");
  passes::PassOptions Opts;
  Opts.Config = &C;
  Graph F = randomCnn(2, 1);
  std::string Before = printGraph(F);
  ASSERT_TRUE(runPasses(F, {"layout"}, Opts).isOk());
  EXPECT_EQ(printGraph(F), Before);
}
