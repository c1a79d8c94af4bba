// Random small blocked graphs of each operator the NPU lowers (npu.QConv with stride/padding/dilation,
// npu.MaxPool with padding/ceil mode, npu.QMatMul, chains): the func-sim run of the compiled artifact must
// equal the reference interpreter's int8 result exactly, on every config.
#include "NpuTestUtil.h"

#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"

#include <random>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;

/// Builds graphs of blocked npu.* nodes for one config; types are filled by shape inference.
struct GraphBuilder {
  const HardwareConfig &C;
  std::mt19937 Rng;
  ir::Graph G;
  int Count = 0;
  GraphBuilder(const HardwareConfig &C, unsigned Seed) : C(C), Rng(Seed) {}

  int64_t bi() const { return int64_t(C.BlockIn); }
  ir::ValueId input(Shape Dims) { return G.addInput("x", ir::TensorType(ElemType::Int8, Dims)); }

  void requant(ir::Node &N, int64_t Channels) {
    std::uniform_int_distribution<int64_t> M(int64_t(1) << 29, (int64_t(1) << 31) - 1);
    std::vector<int64_t> Ms;
    for (int64_t K = 0; K < Channels; ++K)
      Ms.push_back(M(Rng));
    N.setAttr("multiplier", Ms);
    N.setAttr("shift", int64_t(40));
    N.setAttr("x_zero_point", int64_t(0));
    N.setAttr("y_zero_point", int64_t(Rng() % 7) - 3);
    N.setAttr("act_min", int64_t(Count % 2 ? 0 : -128));
    N.setAttr("act_max", int64_t(Count % 3 ? 127 : 100));
  }

  /// InBlocks: the input's channel blocks (values made by earlier nodes have no type until inference).
  ir::ValueId conv(ir::ValueId X, int64_t InBlocks, int64_t OutBlocks, int64_t K, int64_t S, int64_t P,
                   int64_t D) {
    const int64_t Cin = InBlocks, Bo = int64_t(C.BlockOut);
    std::string Id = std::to_string(++Count);
    ir::ValueId W = G.addConstant(
        "w" + Id, randomTensor(ElemType::Int8, {OutBlocks, Cin, K, K, Bo, bi()}, Rng, -128, 127));
    ir::ValueId B =
        G.addConstant("b" + Id, randomTensor(ElemType::Int32, {OutBlocks * Bo}, Rng, -5000, 5000));
    ir::ValueId Y = G.addValue("y" + Id, std::nullopt);
    ir::Node &N = G.addNode("npu.QConv", {X, W, B}, {Y}, "conv" + Id);
    N.setAttr("kernel_shape", Shape{K, K});
    N.setAttr("strides", Shape{S, S});
    N.setAttr("pads", Shape{P, P, P, P});
    N.setAttr("dilations", Shape{D, D});
    N.setAttr("group", int64_t(1));
    N.setAttr("layout", std::string("blocked"));
    requant(N, OutBlocks * Bo);
    return Y;
  }

  ir::ValueId maxPool(ir::ValueId X, int64_t K, int64_t S, int64_t P, bool Ceil) {
    std::string Id = std::to_string(++Count);
    ir::ValueId Y = G.addValue("p" + Id, std::nullopt);
    ir::Node &N = G.addNode("npu.MaxPool", {X}, {Y}, "pool" + Id);
    N.setAttr("kernel_shape", Shape{K, K});
    N.setAttr("strides", Shape{S, S});
    N.setAttr("pads", Shape{P, P, P, P});
    N.setAttr("ceil_mode", int64_t(Ceil));
    N.setAttr("layout", std::string("blocked"));
    return Y;
  }

  ir::ValueId avgPool(ir::ValueId X, int64_t K, int64_t S, int64_t P, bool Global) {
    std::string Id = std::to_string(++Count);
    ir::ValueId Y = G.addValue("a" + Id, std::nullopt);
    ir::Node &N = G.addNode(Global ? "npu.QGlobalAvgPool" : "npu.QAvgPool", {X}, {Y}, "avg" + Id);
    if (!Global) {
      N.setAttr("kernel_shape", Shape{K, K});
      N.setAttr("strides", Shape{S, S});
      N.setAttr("pads", Shape{P, P, P, P});
    }
    N.setAttr("layout", std::string("blocked"));
    N.setAttr("multiplier", int64_t(1) << 28);
    N.setAttr("shift", int64_t(31));
    N.setAttr("x_zero_point", int64_t(5));
    N.setAttr("y_zero_point", int64_t(-2));
    N.setAttr("act_min", int64_t(-100));
    N.setAttr("act_max", int64_t(127));
    return Y;
  }

  ir::ValueId unary(ir::ValueId X, const std::string &Op) {
    std::string Id = std::to_string(++Count);
    ir::ValueId Y = G.addValue("u" + Id, std::nullopt);
    ir::Node &N = G.addNode(Op, {X}, {Y}, "unary" + Id);
    if (Op == "npu.Requantize") {
      N.setAttr("multiplier", int64_t(3) << 29);
      N.setAttr("shift", int64_t(31));
      N.setAttr("x_zero_point", int64_t(-3));
      N.setAttr("y_zero_point", int64_t(4));
      N.setAttr("act_min", int64_t(-20));
      N.setAttr("act_max", int64_t(90));
    }
    return Y;
  }

  ir::ValueId qadd(ir::ValueId A, ir::ValueId B) {
    std::string Id = std::to_string(++Count);
    ir::ValueId Y = G.addValue("s" + Id, std::nullopt);
    ir::Node &N = G.addNode("npu.QAdd", {A, B}, {Y}, "add" + Id);
    N.setAttr("a_multiplier", int64_t(3000000));
    N.setAttr("b_multiplier", int64_t(1700000));
    N.setAttr("shift", int64_t(22));
    N.setAttr("a_zero_point", int64_t(2));
    N.setAttr("b_zero_point", int64_t(-1));
    N.setAttr("y_zero_point", int64_t(1));
    N.setAttr("act_min", int64_t(0));
    N.setAttr("act_max", int64_t(127));
    return Y;
  }

  ir::ValueId matmul(ir::ValueId X, int64_t OutBlocks) {
    const int64_t Kb = G.type(X).Dims[1], Bo = int64_t(C.BlockOut);
    std::string Id = std::to_string(++Count);
    ir::ValueId W =
        G.addConstant("w" + Id, randomTensor(ElemType::Int8, {OutBlocks, Kb, Bo, bi()}, Rng, -128, 127));
    ir::ValueId B =
        G.addConstant("b" + Id, randomTensor(ElemType::Int32, {OutBlocks * Bo}, Rng, -5000, 5000));
    ir::ValueId Y = G.addValue("m" + Id, std::nullopt);
    ir::Node &N = G.addNode("npu.QMatMul", {X, W, B}, {Y}, "matmul" + Id);
    N.setAttr("layout", std::string("blocked"));
    requant(N, OutBlocks * Bo);
    return Y;
  }

  /// Finishes the graph (output, types) and checks NPU == reference exactly.
  void check(ir::ValueId Out, const std::string &What) {
    G.Outputs = {Out};
    passes::PassOptions Opts;
    passes::PipelineOptions Pipe;
    ASSERT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk()) << What;
    ASSERT_TRUE(ir::verifyGraph(G).isOk()) << What;
    ir::Tensor X = randomTensor(ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -128, 127);
    auto Expected = ref::interpret(G, {X});
    ASSERT_TRUE(Expected.isOk()) << What << ": " << Expected.message();
    backend::CompileResult R;
    auto Got = compileAndRun(G, C, {X}, &R);
    ASSERT_TRUE(Got.isOk()) << What << " on " << C.Name << ": " << Got.message();
    for (const backend::NodePlacement &P : R.Placements)
      EXPECT_TRUE(P.Npu) << What << ": " << P.Node << " stayed on the host: " << P.Reason;
    EXPECT_EQ((*Got)[0].byteVector(), (*Expected)[0].byteVector()) << What << " on " << C.Name;
  }
};

TEST(NpuOps, ConvVariants) {
  struct Case {
    int64_t InBlocks, H, W, OutBlocks, K, S, P, D;
  };
  const std::vector<Case> Cases = {{1, 6, 6, 1, 3, 1, 1, 1},   {2, 9, 7, 2, 3, 2, 1, 1},
                                   {1, 8, 8, 1, 1, 1, 0, 1},   {1, 10, 9, 1, 3, 1, 2, 2},
                                   {2, 12, 12, 1, 5, 1, 2, 1}, {1, 7, 11, 3, 2, 2, 0, 1},
                                   {4, 8, 8, 4, 5, 1, 2, 1}}; // the last: per-block weights on edge
  unsigned Seed = 1;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (const Case &K : Cases) {
      GraphBuilder B(C, Seed++);
      ir::ValueId X = B.input({1, K.InBlocks, K.H, K.W, 1, B.bi()});
      B.check(B.conv(X, K.InBlocks, K.OutBlocks, K.K, K.S, K.P, K.D),
              "conv k" + std::to_string(K.K) + " s" + std::to_string(K.S) + " p" + std::to_string(K.P));
    }
  }
}

TEST(NpuOps, MaxPoolVariants) {
  struct Case {
    int64_t H, W, K, S, P;
    bool Ceil;
  };
  const std::vector<Case> Cases = {{8, 8, 2, 2, 0, false},
                                   {9, 9, 3, 2, 1, false},
                                   {7, 6, 3, 1, 1, false},
                                   {5, 5, 2, 2, 0, true},
                                   {12, 12, 3, 3, 0, false}};
  unsigned Seed = 100;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (const Case &K : Cases) {
      GraphBuilder B(C, Seed++);
      ir::ValueId X = B.input({1, 2, K.H, K.W, 1, B.bi()});
      B.check(B.maxPool(X, K.K, K.S, K.P, K.Ceil),
              "maxpool k" + std::to_string(K.K) + " p" + std::to_string(K.P));
    }
  }
}

TEST(NpuOps, MatMulVariants) {
  unsigned Seed = 200;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (auto [Mb, Kb, Nb] : std::vector<std::array<int64_t, 3>>{{1, 3, 2}, {5, 2, 1}, {2, 16, 3}}) {
      GraphBuilder B(C, Seed++);
      ir::ValueId X = B.input({Mb, Kb, 1, B.bi()});
      B.check(B.matmul(X, Nb),
              "matmul " + std::to_string(Mb) + "x" + std::to_string(Kb) + "x" + std::to_string(Nb));
    }
  }
}

TEST(NpuOps, AvgPools) {
  unsigned Seed = 400;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    for (auto [K, S, P, Global] : std::vector<std::tuple<int64_t, int64_t, int64_t, bool>>{
             {2, 2, 0, false}, {3, 1, 1, false}, {3, 2, 1, false}, {0, 0, 0, true}}) {
      GraphBuilder B(C, Seed++);
      ir::ValueId X = B.input({1, 2, 7, 7, 1, B.bi()});
      B.check(B.avgPool(X, K, S, P, Global), "avgpool k" + std::to_string(K) + (Global ? " global" : ""));
    }
  }
}

TEST(NpuOps, ElementwiseAfterConv) {
  unsigned Seed = 500;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    {
      GraphBuilder B(C, Seed++);
      ir::ValueId X = B.input({1, 1, 6, 5, 1, B.bi()});
      B.check(B.unary(B.conv(X, 1, 2, 3, 1, 1, 1), "Relu"), "conv-relu");
    }
    {
      GraphBuilder B(C, Seed++);
      ir::ValueId X = B.input({1, 1, 6, 5, 1, B.bi()});
      B.check(B.unary(B.conv(X, 1, 2, 3, 1, 1, 1), "npu.Requantize"), "conv-requantize");
    }
    {
      GraphBuilder B(C, Seed++);
      ir::ValueId X = B.input({1, 2, 8, 8, 1, B.bi()});
      ir::ValueId L = B.conv(X, 2, 2, 3, 1, 1, 1), R = B.conv(X, 2, 2, 1, 1, 0, 1);
      B.check(B.qadd(L, R), "residual add");
    }
  }
}

TEST(NpuOps, ConvPoolConvChain) {
  unsigned Seed = 300;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    GraphBuilder B(C, Seed++);
    ir::ValueId X = B.input({1, 1, 14, 14, 1, B.bi()});
    ir::ValueId Y = B.conv(X, 1, 2, 5, 1, 2, 1);
    Y = B.maxPool(Y, 2, 2, 0, false);
    B.check(B.conv(Y, 2, 1, 3, 1, 1, 1), "conv-pool-conv");
  }
}

} // namespace
} // namespace npu::test
