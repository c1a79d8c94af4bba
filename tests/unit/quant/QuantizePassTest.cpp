// The quantize pass on small float graphs: what becomes npu.*, what stays float, error, report, user errors.
#include "QuantTestUtil.h"

#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ref/Interpreter.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

/// conv3x3+bias -> Add(per-channel const) -> Relu -> MaxPool -> conv1x1 -> Add(residual) -> Relu ->
/// AveragePool
/// -> GlobalAveragePool -> Flatten -> Gemm(transB, bias): every float pattern the pass converts.
Graph smallCnn(const std::string &Unary = "") {
  Graph G;
  G.Name = "small";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 3, 8, 8}));
  ValueId W1 = G.addConstant("w1", randomFloats({4, 3, 3, 3}, 1));
  ValueId B1 = G.addConstant("b1", randomFloats({4}, 2, -0.2f, 0.2f));
  ValueId A1 = G.addConstant("a1", randomFloats({4, 1, 1}, 3, -0.2f, 0.2f));
  ValueId W2 = G.addConstant("w2", randomFloats({4, 4, 1, 1}, 4));
  ValueId W3 = G.addConstant("w3", randomFloats({5, 4}, 5));
  ValueId B3 = G.addConstant("b3", randomFloats({5}, 6));
  ValueId C1 = addOp(G, "Conv", {X, W1, B1}, {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})});
  ValueId R1 = addOp(G, "Relu", {addOp(G, "Add", {C1, A1})});
  ValueId P1 = addOp(G, "MaxPool", {R1}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})});
  ValueId C2 = addOp(G, "Conv", {P1, W2});
  if (!Unary.empty())
    C2 = addOp(G, Unary, {C2});
  ValueId R2 = addOp(G, "Relu", {addOp(G, "Add", {C2, P1})});
  ValueId P2 = addOp(G, "AveragePool", {R2}, {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})});
  ValueId F = addOp(G, "Flatten", {addOp(G, "GlobalAveragePool", {P2})});
  G.Outputs = {addOp(G, "Gemm", {F, W3, B3}, {i64("transB", 1)})};
  EXPECT_TRUE(verifyGraph(G).isOk());
  return G;
}

std::vector<std::vector<Tensor>> randomSets(int N, uint32_t Seed) {
  return randomInputSets(N, Seed, {1, 3, 8, 8}, -2, 2);
}

/// G through the quantize pass, calibrated on Sets (written to the temporary folder Dir).
Graph quantized(const Graph &G, const std::vector<std::vector<Tensor>> &Sets, const std::string &Dir) {
  passes::PassOptions Opts;
  Opts.CalibDirs = writeSets(tempDir(Dir), Sets);
  Graph Q = G;
  Status S = runPasses(Q, {"quantize"}, Opts);
  EXPECT_TRUE(S.isOk()) << S.message();
  return Q;
}

/// The largest |float - int8| of the first output over Sets, and the largest |float| there.
std::pair<double, double> maxError(const Graph &G, const Graph &Q, const std::vector<std::vector<Tensor>> &Sets) {
  double MaxErr = 0, Range = 0;
  for (const auto &S : Sets) {
    auto F = ref::interpret(G, S), I = ref::interpret(Q, S);
    EXPECT_TRUE(F.isOk() && I.isOk()) << (I ? "" : I.message());
    if (!F || !I)
      return {INFINITY, 0};
    for (int64_t K = 0; K < (*F)[0].numElements(); ++K) {
      MaxErr = std::max(MaxErr, std::fabs((*F)[0].getDouble(K) - (*I)[0].getDouble(K)));
      Range = std::max(Range, std::fabs((*F)[0].getDouble(K)));
    }
  }
  return {MaxErr, Range};
}

int countInt8(const Graph &G, const std::string &Op) {
  int N = 0;
  for (const Node &M : G.nodes())
    N += M.OpType == Op && G.type(M.Outputs[0]).Elem == ElemType::Int8;
  return N;
}

} // namespace

TEST(QuantizePass, PlainPatternsBecomeNpuOperators) {
  Graph G = smallCnn();
  auto Sets = randomSets(6, 100);
  Graph Q = quantized(G, Sets, "plain");
  EXPECT_EQ(countOps(Q, "npu.QConv"), 2);
  EXPECT_EQ(countOps(Q, "npu.QAdd"), 1);
  EXPECT_EQ(countOps(Q, "npu.QAvgPool"), 1);
  EXPECT_EQ(countOps(Q, "npu.QGlobalAvgPool"), 1);
  EXPECT_EQ(countOps(Q, "npu.QMatMul"), 1);
  EXPECT_EQ(countInt8(Q, "MaxPool"), 1);
  EXPECT_EQ(countInt8(Q, "Flatten"), 1);
  EXPECT_EQ(countOps(Q, "QuantizeLinear"), 1);
  EXPECT_EQ(countOps(Q, "DequantizeLinear"), 1);
  for (const char *Float : {"Conv", "Add", "Relu", "Gemm", "AveragePool"})
    EXPECT_EQ(countOps(Q, Float), 0) << Float;
  // The bias add and the Relu folded into the first conv: its activation range starts at zero.
  for (const Node &N : Q.nodes())
    if (N.OpType == "npu.QConv" && N.Inputs[0] == Q.findValue("x_q")) {
      EXPECT_EQ(N.getInt("act_min", -128), 0);
    }
  // Signature unchanged; the int8 graph stays close to the float one on the calibration inputs.
  ASSERT_EQ(Q.Inputs.size(), 1u);
  EXPECT_EQ(Q.value(Q.Inputs[0]).Name, "x");
  EXPECT_EQ(Q.value(Q.Outputs[0]).Name, G.value(G.Outputs[0]).Name);
  auto [MaxErr, Range] = maxError(G, Q, Sets);
  EXPECT_LT(MaxErr, 0.05 * Range) << "max abs error " << MaxErr << " for outputs up to " << Range;
}

TEST(QuantizePass, FusedOperatorsFromTheFloatPipeline) {
  if (!passes::findPass("fuse"))
    GTEST_SKIP() << "no fuse pass in this build";
  Graph G = smallCnn();
  passes::PassOptions Opts;
  Opts.CalibDirs = writeSets(tempDir("fused"), randomSets(4, 200));
  Graph Q = G;
  ASSERT_TRUE(runPasses(Q, {"fuse", "quantize"}, Opts).isOk());
  EXPECT_EQ(countOps(Q, "npu.QConv"), 2);
  EXPECT_EQ(countOps(Q, "npu.QMatMul"), 1);
  EXPECT_EQ(countOps(Q, "npu.FusedConv") + countOps(Q, "npu.FusedGemm") + countOps(Q, "Relu"), 0);
}

TEST(QuantizePass, OperatorsWithoutInt8FormStayFloat) {
  Graph G = smallCnn("Sin");
  passes::PassOptions Opts;
  Opts.CalibDirs = writeSets(tempDir("sin"), randomSets(3, 300));
  ASSERT_TRUE(runPasses(G, {"quantize"}, Opts).isOk());
  const Node *Sin = nullptr;
  for (const Node &N : G.nodes())
    if (N.OpType == "Sin")
      Sin = &N;
  ASSERT_TRUE(Sin);
  EXPECT_EQ(G.type(Sin->Inputs[0]).Elem, ElemType::Float32);
  EXPECT_EQ(countOps(G, "DequantizeLinear"), 2); // before the Sin and at the output
  EXPECT_EQ(countOps(G, "QuantizeLinear"), 2);   // at the input and after the Sin
}

/// Sigmoid and HardSwish become npu.QLut: entry q + 128 is the activation of q * s_x, written here with
/// std::exp and the ONNX formula (not the interpreter's kernels), on the output grid s_y.
TEST(QuantizePass, ActivationsBecomeLookupTables) {
  const std::map<std::string, double (*)(double)> Fns = {
      {"Sigmoid", [](double X) { return 1 / (1 + std::exp(-X)); }},
      {"HardSwish", [](double X) { return X * std::clamp(X / 6 + 0.5, 0.0, 1.0); }}};
  for (const auto &[Op, F] : Fns) {
    SCOPED_TRACE(Op);
    Graph G = quantized(smallCnn(Op), randomSets(3, 300), "lut_" + Op);
    const Node *L = nullptr;
    for (const Node &N : G.nodes())
      if (N.OpType == "npu.QLut")
        L = &N;
    ASSERT_TRUE(L);
    EXPECT_EQ(L->getString("function", ""), Op);
    EXPECT_EQ(countOps(G, Op), 0);
    const auto &Xq = G.type(L->Inputs[0]).Quant, &Yq = G.type(L->Outputs[0]).Quant;
    ASSERT_TRUE(Xq && Yq);
    const std::vector<int64_t> T = L->getInts("table");
    ASSERT_EQ(T.size(), 256u);
    int Off = 0;
    for (int Q = -128; Q < 128; ++Q) {
      const double X = float(double(Q - Xq->ZeroPoints[0]) * Xq->Scales[0]);
      const double Want = std::clamp(std::nearbyint(F(X) / Yq->Scales[0]) + double(Yq->ZeroPoints[0]), -128.0, 127.0);
      // float32 kernels against this double formula: a tie may round the other way, never further.
      EXPECT_NEAR(double(T[size_t(Q + 128)]), Want, 1.0) << "q=" << Q;
      Off += T[size_t(Q + 128)] != int64_t(Want);
    }
    EXPECT_LE(Off, 2) << "entries off by one";
  }
}

TEST(QuantizePass, ReportGivesErrorAndTop1) {
  Graph G = smallCnn();
  std::ostringstream OS;
  passes::PassOptions Opts;
  Opts.CalibDirs = {tempDir("report")};
  writeSets(Opts.CalibDirs[0], randomSets(3, 400)); // a folder of set folders works too
  Opts.CalibMethod = "percentile";
  Opts.Report = &OS;
  ASSERT_TRUE(runPasses(G, {"quantize"}, Opts).isOk());
  EXPECT_NE(OS.str().find("calibration percentile over 3 input sets"), std::string::npos) << OS.str();
  EXPECT_NE(OS.str().find("max abs error"), std::string::npos) << OS.str();
  EXPECT_NE(OS.str().find("top-1 agreement"), std::string::npos) << OS.str();
}

TEST(QuantizePass, UserErrors) {
  Graph G = smallCnn();
  passes::PassOptions Opts;
  Status S = runPasses(G, {"quantize"}, Opts);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("quantize: no calibration data (--calib DIR)"), std::string::npos)
      << S.message();
  Opts.CalibDirs = {"/nonexistent/calib"};
  S = runPasses(G, {"quantize"}, Opts);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("/nonexistent/calib"), std::string::npos) << S.message();
  // An input of the wrong shape names the file.
  std::string Dir = tempDir("badshape");
  Opts.CalibDirs = writeSets(Dir, {{randomFloats({1, 3, 4, 4}, 1)}});
  S = runPasses(G, {"quantize"}, Opts);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("input_0.pb"), std::string::npos) << S.message();
  Opts.CalibDirs = writeSets(tempDir("method"), randomSets(1, 1));
  Opts.CalibMethod = "median";
  EXPECT_FALSE(runPasses(G, {"quantize"}, Opts).isOk());
  Opts.CalibMethod = "minmax";
  HardwareConfig C = loadConfig("default");
  C.AccType = DType::Int16;
  Opts.Config = &C;
  S = runPasses(G, {"quantize"}, Opts);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("unsupported"), std::string::npos) << S.message();
}

TEST(QuantizePass, ConcatWithConstantZerosKeepsTheScale) {
  // BlazeFace pads channels with Concat(x, zeros): the zeros are exact at any scale with zero point 0, so the
  // Concat runs on int8 with x's scale (no npu.Requantize, no Dequantize/Quantize around it).
  Graph G;
  G.Name = "zero_concat";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 3, 8, 8}));
  ValueId W1 = G.addConstant("w1", randomFloats({24, 3, 3, 3}, 11));
  ValueId W2 = G.addConstant("w2", randomFloats({4, 32, 1, 1}, 12));
  ValueId Z = G.addConstant("zeros", Tensor(ElemType::Float32, {1, 8, 8, 8}));
  ValueId R = addOp(G, "Relu", {addOp(G, "Conv", {X, W1}, {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})})});
  ValueId Cat = addOp(G, "Concat", {R, Z}, {i64("axis", 1)});
  G.Outputs = {addOp(G, "Conv", {Cat, W2})};
  ASSERT_TRUE(verifyGraph(G).isOk());
  auto Sets = randomSets(4, 1100);
  Graph Q = quantized(G, Sets, "zero_concat");
  EXPECT_EQ(countInt8(Q, "Concat"), 1);
  EXPECT_EQ(countOps(Q, "npu.Requantize"), 0);
  EXPECT_EQ(countOps(Q, "QuantizeLinear"), 1);   // the graph input
  EXPECT_EQ(countOps(Q, "DequantizeLinear"), 1); // the graph output
  for (const Node &N : Q.nodes()) {
    if (N.OpType != "Concat")
      continue;
    const auto &In = Q.type(N.Inputs[0]).Quant, &Out = Q.type(N.Outputs[0]).Quant;
    ASSERT_TRUE(In && Out);
    EXPECT_EQ(In->Scales, Out->Scales);
    EXPECT_EQ(Out->ZeroPoints, std::vector<int64_t>{0});
    const Value &K = Q.value(N.Inputs[1]);
    ASSERT_EQ(K.Kind, ValueKind::Constant);
    EXPECT_EQ(K.Data->elemType(), ElemType::Int8);
    EXPECT_EQ(K.Data->byteVector(), std::vector<uint8_t>(8 * 8 * 8, 0));
  }
  // The int8 graph stays close to the float one.
  auto [MaxErr, Range] = maxError(G, Q, Sets);
  EXPECT_LT(MaxErr, 0.05 * Range) << "max abs error " << MaxErr << " for outputs up to " << Range;
}
