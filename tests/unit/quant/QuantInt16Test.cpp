// The quantize pass with a config of int16 activations (configs/edge16.yaml): int16 activation types, scales
// over the int16 range, multiplier bounds, the accumulator overflow rule, and the config check.
#include "QuantTestUtil.h"

#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>
#include <sstream>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

constexpr int64_t Min16 = -32768, Max16 = 32767;


/// conv3x3 -> Relu -> MaxPool -> conv1x1 + residual Add -> LeakyRelu -> GlobalAveragePool -> Flatten -> Gemm.
Graph smallNet() {
  Graph G;
  G.Name = "small16";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 3, 8, 8}));
  ValueId W1 = G.addConstant("w1", randomFloats({4, 3, 3, 3}, 1));
  ValueId B1 = G.addConstant("b1", randomFloats({4}, 2, -0.2f, 0.2f));
  ValueId W2 = G.addConstant("w2", randomFloats({4, 4, 1, 1}, 4));
  ValueId W3 = G.addConstant("w3", randomFloats({4, 5}, 5));
  ValueId C1 = addOp(G, "Conv", {X, W1, B1}, {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})});
  ValueId P1 = addOp(G, "MaxPool", {addOp(G, "Relu", {C1})}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})});
  ValueId S = addOp(G, "Add", {addOp(G, "Conv", {P1, W2}), P1});
  ValueId L = addOp(G, "LeakyRelu", {S}, {Attribute{"alpha", 0.1f}});
  ValueId F = addOp(G, "Flatten", {addOp(G, "GlobalAveragePool", {L})});
  G.Outputs = {addOp(G, "MatMul", {F, W3})};
  EXPECT_TRUE(verifyGraph(G).isOk());
  return G;
}

Graph quantizedFor(const Graph &G, const HardwareConfig *C, const std::vector<std::string> &Dirs,
                   std::string *Report = nullptr) {
  passes::PassOptions Opts;
  Opts.CalibDirs = Dirs;
  Opts.Config = C;
  std::ostringstream OS;
  if (Report)
    Opts.Report = &OS;
  Graph Q = G;
  Status S = runPasses(Q, {"quantize"}, Opts);
  EXPECT_TRUE(S.isOk()) << S.message();
  if (Report)
    *Report = OS.str();
  return Q;
}

double maxAbsError(const Graph &G, const Graph &Q, const std::vector<std::vector<Tensor>> &Sets) {
  double E = 0;
  for (const auto &S : Sets) {
    auto F = ref::interpret(G, S), I = ref::interpret(Q, S);
    EXPECT_TRUE(F.isOk() && I.isOk()) << (I ? "" : I.message());
    if (!F || !I)
      return INFINITY;
    for (int64_t K = 0; K < (*F)[0].numElements(); ++K)
      E = std::max(E, std::fabs((*F)[0].getDouble(K) - (*I)[0].getDouble(K)));
  }
  return E;
}

} // namespace

TEST(QuantizeInt16, ActivationsAreInt16WithScaleOverInt16Range) {
  Graph G = smallNet();
  auto Sets = randomInputSets(4, 7, {1, 3, 8, 8}, -2, 2);
  auto Dirs = writeSets(tempDir("int16"), Sets);
  HardwareConfig C16 = loadConfig("edge16"), C8 = loadConfig("edge");
  Graph Q16 = quantizedFor(G, &C16, Dirs), Q8 = quantizedFor(G, &C8, Dirs);
  for (const char *Op : {"npu.QConv", "npu.QAdd", "npu.QLeakyRelu", "npu.QGlobalAvgPool"})
    EXPECT_GE(countOps(Q16, Op), 1) << Op;
  int Act16 = 0;
  for (const Node &N : Q16.nodes()) {
    if (N.OpType.rfind("npu.Q", 0) != 0)
      continue;
    for (ValueId V : N.Inputs) {
      if (V != NoValue && Q16.value(V).Kind != ValueKind::Constant) {
        EXPECT_EQ(Q16.type(V).Elem, ElemType::Int16) << N.Name;
      }
    }
    EXPECT_EQ(Q16.type(N.Outputs[0]).Elem, N.findAttr("multiplier") || N.OpType != "npu.QMatMul"
                                              ? ElemType::Int16
                                              : ElemType::Int32)
        << N.Name;
    if (N.findAttr("act_min") && N.OpType != "npu.QMatMul") {
      EXPECT_GE(N.getInt("act_min", 0), Min16);
      EXPECT_LE(N.getInt("act_max", 0), Max16);
    }
    ++Act16;
  }
  EXPECT_GT(Act16, 4);
  // The graph input is quantized with an int16 zero point and the scale 4 max|x| / 32767 (int16's default
  // calibration headroom is 4x).
  double XMax = 0;
  for (const auto &S : Sets)
    for (int64_t I = 0; I < S[0].numElements(); ++I)
      XMax = std::max(XMax, std::fabs(S[0].getDouble(I)));
  bool Seen = false;
  for (const Node &N : Q16.nodes())
    if (N.OpType == "QuantizeLinear") {
      Seen = true;
      EXPECT_EQ(Q16.type(N.Outputs[0]).Elem, ElemType::Int16);
      EXPECT_EQ(Q16.value(N.Inputs[2]).Data->elemType(), ElemType::Int16);
      EXPECT_FLOAT_EQ(float(Q16.value(N.Inputs[1]).Data->getDouble(0)), float(4 * XMax / 32767));
    }
  EXPECT_TRUE(Seen);
  // QAdd/QLeakyRelu multipliers within the int16 bound; int16 closer to float than int8 (the int8 weights'
  // rounding, the same in both, is what remains).
  for (const Node &N : Q16.nodes()) {
    for (const char *A : {"a_multiplier", "b_multiplier", "pos_multiplier"}) {
      if (N.findAttr(A)) {
        EXPECT_LE(N.getInt(A, 0), quant::maxAddMultiplier(16)) << N.Name << " " << A;
      }
    }
  }
  const double E16 = maxAbsError(G, Q16, Sets), E8 = maxAbsError(G, Q8, Sets);
  EXPECT_LT(E16 * 2, E8) << "int16 error " << E16 << ", int8 error " << E8;
  // Without a config: int8 as before.
  Graph Q0 = quantizedFor(G, nullptr, Dirs);
  for (const Node &N : Q0.nodes()) {
    if (N.OpType == "npu.QConv") {
      EXPECT_EQ(Q0.type(N.Inputs[0]).Elem, ElemType::Int8);
    }
  }
}

TEST(QuantizeInt16, AccumulatorOverflowLeavesTheLayerFloat) {
  // A 1x1 conv over 600 channels with weights of equal magnitude: sum |w_q| = 600 * 127, times 32768 is beyond
  // int32 (int16 inputs) but far inside it for int8 inputs (x 128).
  Graph G;
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 600, 2, 2}));
  Tensor W(ElemType::Float32, {2, 600, 1, 1});
  for (int64_t I = 0; I < W.numElements(); ++I)
    W.data<float>()[I] = I % 2 ? 0.01f : -0.01f;
  ValueId Y = addOp(G, "Conv", {X, G.addConstant("w", W)});
  G.Outputs = {addOp(G, "Relu", {Y})};
  auto Sets = randomInputSets(2, 3, {1, 600, 2, 2}, -1, 1);
  auto Dirs = writeSets(tempDir("overflow"), Sets);
  HardwareConfig C16 = loadConfig("edge16"), C8 = loadConfig("edge");
  std::string Report;
  Graph Q16 = quantizedFor(G, &C16, Dirs, &Report);
  EXPECT_EQ(countOps(Q16, "npu.QConv"), 0);
  EXPECT_EQ(countOps(Q16, "Conv"), 1);
  EXPECT_NE(Report.find("stays float: output channel 0 can reach |acc| = 2496921600"), std::string::npos)
      << Report;
  Graph Q8 = quantizedFor(G, &C8, Dirs);
  EXPECT_EQ(countOps(Q8, "npu.QConv"), 1);
}

TEST(QuantizeInt16, ConfigCheck) {
  HardwareConfig C = loadConfig("edge16");
  EXPECT_TRUE(passes::checkQuantizeConfig(C).isOk());
  EXPECT_EQ(passes::activationType(&C), ElemType::Int16);
  EXPECT_EQ(passes::activationType(nullptr), ElemType::Int8);
  C.OutputType = DType::Int8; // int16 in, int8 out: the NPU reads what it writes
  Status S = passes::checkQuantizeConfig(C);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("mixed activation types are unsupported"), std::string::npos) << S.message();
  C = loadConfig("edge16");
  C.WeightType = DType::Int16;
  S = passes::checkQuantizeConfig(C);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("int16 weights are unsupported"), std::string::npos) << S.message();
  C = loadConfig("edge");
  C.InputType = C.OutputType = DType::Int4;
  S = passes::checkQuantizeConfig(C);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("int4 activations are unsupported"), std::string::npos) << S.message();
}
