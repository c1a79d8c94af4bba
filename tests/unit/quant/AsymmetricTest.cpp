// Asymmetric int8 activations (--act-zero-point=asymmetric): a padded conv after a ReLU against an integer
// reference written here and against float math; the operators with zero points on the NPU bit-exact against
// the interpreter, and the padded conv refused there with the reason.
#include "../npu/NpuTestUtil.h"
#include "QuantTestUtil.h"

#include "npu/compiler/ref/Interpreter.h"

#include <cmath>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

constexpr int64_t C0 = 2, C1 = 3, C2 = 2, H = 6, W = 6;

/// x[1,2,6,6] -> Conv 3x3 pad 1 (+bias) -> Relu -> Conv 3x3 pad 1 (+bias) -> y: the second conv reads a
/// one-sided tensor through zero padding, and its result leaves the graph (int32 accumulators).
Graph reluConvGraph() {
  Graph G;
  G.Name = "relu_conv";
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, C0, H, W}));
  ValueId W1 = G.addConstant("w1", randomFloats({C1, C0, 3, 3}, 1));
  ValueId B1 = G.addConstant("b1", randomFloats({C1}, 2, -0.3f, 0.3f));
  ValueId W2 = G.addConstant("w2", randomFloats({C2, C1, 3, 3}, 3));
  ValueId B2 = G.addConstant("b2", randomFloats({C2}, 4, -0.3f, 0.3f));
  const std::vector<Attribute> Pad = {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})};
  ValueId R = addOp(G, "Relu", {addOp(G, "Conv", {X, W1, B1}, Pad)});
  G.Outputs = {addOp(G, "Conv", {R, W2, B2}, Pad)};
  return G;
}

Graph quantize(const Graph &G, const std::vector<std::vector<Tensor>> &Sets, bool Asymmetric, const std::string &Dir,
               const HardwareConfig *C = nullptr) {
  passes::PassOptions Opts;
  Opts.Config = C;
  Opts.CalibDirs = writeSets(tempDir(Dir), Sets);
  Opts.AsymmetricActivations = Asymmetric;
  Graph Q = G;
  Status S = runPasses(Q, {"quantize"}, Opts);
  EXPECT_TRUE(S.isOk()) << S.message();
  return Q;
}

const Node *convReading(const Graph &Q, const std::string &Input) {
  for (const Node &N : Q.nodes())
    if (N.OpType == "npu.QConv" && Q.value(N.Inputs[0]).Name == Input)
      return &N;
  return nullptr;
}

std::vector<int64_t> constantOf(const Graph &Q, ValueId V) { return Q.value(V).Data->toInt64s(); }

/// acc[o, y, x] = B[o] + sum over the taps inside the image of (X[c, ...] - Zp) * W[o, c, ky, kx]: a 3x3 conv
/// with padding 1, stride 1, on [Ci, H, W] integers.
std::vector<int64_t> integerConv(const std::vector<int64_t> &X, int64_t Zp, const std::vector<int64_t> &Wt,
                                 const std::vector<int64_t> &B, int64_t Ci, int64_t Co) {
  std::vector<int64_t> Acc(size_t(Co * H * W));
  for (int64_t O = 0; O < Co; ++O)
    for (int64_t Y = 0; Y < H; ++Y)
      for (int64_t Xp = 0; Xp < W; ++Xp) {
        int64_t A = B[size_t(O)];
        for (int64_t C = 0; C < Ci; ++C)
          for (int64_t Ky = 0; Ky < 3; ++Ky)
            for (int64_t Kx = 0; Kx < 3; ++Kx) {
              const int64_t Iy = Y + Ky - 1, Ix = Xp + Kx - 1;
              if (Iy >= 0 && Iy < H && Ix >= 0 && Ix < W)
                A += (X[size_t((C * H + Iy) * W + Ix)] - Zp) * Wt[size_t(((O * Ci + C) * 3 + Ky) * 3 + Kx)];
            }
        Acc[size_t((O * H + Y) * W + Xp)] = A;
      }
  return Acc;
}

} // namespace

TEST(AsymmetricActivations, PaddedConvAfterReluMatchesIntegerReferenceAndFloat) {
  Graph G = reluConvGraph();
  auto Sets = randomInputSets(4, 300, {1, C0, H, W}, -1, 1);
  Graph Q = quantize(G, Sets, true, "asym_relu_conv");
  const Node *Conv1 = convReading(Q, "x_q");
  ASSERT_NE(Conv1, nullptr) << printGraph(Q);
  const ValueId Relu = Conv1->Outputs[0];
  const Node *Conv2 = convReading(Q, Q.value(Relu).Name);
  ASSERT_NE(Conv2, nullptr) << printGraph(Q);

  // The one-sided ReLU output gets zero point -128 (real 0 at the bottom of int8) and twice the symmetric
  // resolution; the two-sided input keeps zero point 0.
  const QuantParams &RQ = *Q.type(Relu).Quant;
  EXPECT_EQ(RQ.ZeroPoints[0], -128);
  EXPECT_EQ(Conv1->getInt("y_zero_point", 999), -128);
  EXPECT_EQ(Conv1->getInt("act_min", 999), -128); // the Relu: real 0
  EXPECT_EQ(Conv1->getInt("x_zero_point", 999), 0);
  EXPECT_EQ(Conv2->getInt("x_zero_point", 999), -128); // padded: the zero point stays (padding is real 0)
  Graph S = quantize(G, Sets, false, "sym_relu_conv");
  const Node *SConv1 = convReading(S, "x_q");
  ASSERT_NE(SConv1, nullptr);
  const double SymScale = S.type(SConv1->Outputs[0]).Quant->Scales[0];
  EXPECT_NEAR(RQ.Scales[0] / SymScale, 127.0 / 255.0, 1e-6);

  // A fresh input on the input's grid (x = k * s, so quantizing it gives k exactly).
  const double S0 = Q.type(Conv1->Inputs[0]).Quant->Scales[0];
  std::vector<int64_t> Q0(size_t(C0 * H * W));
  Tensor X(ElemType::Float32, {1, C0, H, W});
  std::mt19937 Rng(7);
  for (size_t I = 0; I < Q0.size(); ++I) {
    Q0[I] = std::uniform_int_distribution<int64_t>(-120, 120)(Rng);
    X.data<float>()[I] = float(double(Q0[I]) * S0);
  }
  // The integer reference: conv1, requantized to the ReLU's grid, then conv2 reading q - zp with padded taps
  // left out (they stand for real 0), dequantized per channel.
  std::vector<int64_t> Acc1 =
      integerConv(Q0, 0, constantOf(Q, Conv1->Inputs[1]), constantOf(Q, Conv1->Inputs[2]), C0, C1);
  std::vector<int64_t> Q1(Acc1.size());
  const std::vector<int64_t> M1 = Conv1->getInts("multiplier");
  for (size_t I = 0; I < Acc1.size(); ++I)
    Q1[I] = expectRequant(Acc1[I], M1[I / size_t(H * W)], int(Conv1->getInt("shift", 999)), -128,
                          Conv1->getInt("act_min", 999), Conv1->getInt("act_max", 999), -128, 127);
  std::vector<int64_t> Acc2 =
      integerConv(Q1, -128, constantOf(Q, Conv2->Inputs[1]), constantOf(Q, Conv2->Inputs[2]), C1, C2);
  const Node *Deq = nullptr;
  for (const Node &N : Q.nodes())
    if (N.OpType == "DequantizeLinear" && N.Inputs[0] == Conv2->Outputs[0])
      Deq = &N;
  ASSERT_NE(Deq, nullptr) << "conv2's accumulators are dequantized per channel";
  const Tensor &DScale = *Q.value(Deq->Inputs[1]).Data;
  auto Got = ref::interpret(Q, {X});
  auto Float = ref::interpret(G, {X});
  ASSERT_TRUE(Got.isOk() && Float.isOk()) << (Got ? "" : Got.message());
  const Tensor &Y = (*Got)[0];
  for (size_t I = 0; I < Acc2.size(); ++I) {
    const double Want = double(float(Acc2[I]) * DScale.data<float>()[I / size_t(H * W)]);
    ASSERT_NEAR(Y.getDouble(int64_t(I)), Want, 1e-6 * std::fabs(Want) + 1e-9) << "output " << I;
  }

  // Float math: conv2 in doubles on the ReLU's dequantized values (padding real 0) with the float weights
  // differs from the int8 result only by the weight and bias rounding: at most sum |x| * s_w / 2 + s_x * s_w / 2.
  const Tensor &W2 = *G.value(G.nodes().back().Inputs[1]).Data, &B2 = *G.value(G.nodes().back().Inputs[2]).Data;
  const double S1 = RQ.Scales[0];
  double SignalSq = 0, NoiseSq = 0;
  for (int64_t O = 0; O < C2; ++O) {
    double WMax = 0;
    for (int64_t K = 0; K < C1 * 9; ++K)
      WMax = std::max(WMax, std::fabs(W2.getDouble(O * C1 * 9 + K)));
    const double Sw = WMax / 127;
    for (int64_t Yp = 0; Yp < H; ++Yp)
      for (int64_t Xp = 0; Xp < W; ++Xp) {
        double Sum = B2.getDouble(O), AbsX = 0;
        for (int64_t C = 0; C < C1; ++C)
          for (int64_t Ky = 0; Ky < 3; ++Ky)
            for (int64_t Kx = 0; Kx < 3; ++Kx) {
              const int64_t Iy = Yp + Ky - 1, Ix = Xp + Kx - 1;
              if (Iy < 0 || Iy >= H || Ix < 0 || Ix >= W)
                continue;
              const double R = double(Q1[size_t((C * H + Iy) * W + Ix)] + 128) * S1;
              Sum += R * W2.getDouble(((O * C1 + C) * 3 + Ky) * 3 + Kx);
              AbsX += R;
            }
        const int64_t I = (O * H + Yp) * W + Xp;
        EXPECT_LE(std::fabs(Y.getDouble(I) - Sum), (AbsX + S1) * Sw / 2 * 1.0001 + 1e-6)
            << "output channel " << O << " at (" << Yp << ", " << Xp << ")";
        SignalSq += Float->at(0).getDouble(I) * Float->at(0).getDouble(I);
        NoiseSq += std::pow(Float->at(0).getDouble(I) - Y.getDouble(I), 2);
      }
  }
  // And the whole int8 chain against the float graph.
  EXPECT_GT(10 * std::log10(SignalSq / NoiseSq), 25.0);
}

TEST(AsymmetricActivations, UnpaddedConvFoldsTheZeroPointIntoItsBias) {
  // x -> Relu -> Conv 1x1 (no padding): the conv reads q with x_zero_point 0, its bias holding -zp * sum(w).
  Graph G;
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 2, 4, 4}));
  ValueId Wt = G.addConstant("w", randomFloats({3, 2, 1, 1}, 11));
  ValueId R = addOp(G, "Relu", {X});
  G.Outputs = {addOp(G, "Relu", {addOp(G, "Conv", {R, Wt})})};
  auto Sets = randomInputSets(3, 400, {1, 2, 4, 4}, -1, 1);
  Graph Q = quantize(G, Sets, true, "asym_fold");
  const Node *Conv = nullptr;
  for (const Node &N : Q.nodes())
    if (N.OpType == "npu.QConv")
      Conv = &N;
  ASSERT_NE(Conv, nullptr) << printGraph(Q);
  EXPECT_EQ(Conv->getInt("x_zero_point", 999), 0);
  const int64_t Zp = Q.type(Conv->Inputs[0]).Quant->ZeroPoints[0];
  EXPECT_EQ(Zp, -128);
  const std::vector<int64_t> Wq = constantOf(Q, Conv->Inputs[1]), Bq = constantOf(Q, Conv->Inputs[2]);
  for (int64_t O = 0; O < 3; ++O)
    EXPECT_EQ(Bq[size_t(O)], -Zp * (Wq[size_t(2 * O)] + Wq[size_t(2 * O + 1)])) << "channel " << O; // no float bias
  // Exact: on an input on the ReLU's grid (x = (q + 128) * s) the output is the integer conv of q - zp,
  // requantized, dequantized.
  const double S = Q.type(Conv->Inputs[0]).Quant->Scales[0];
  std::mt19937 Rng(9);
  std::vector<int64_t> Qx(32);
  Tensor In(ElemType::Float32, {1, 2, 4, 4});
  for (size_t I = 0; I < Qx.size(); ++I) {
    Qx[I] = std::uniform_int_distribution<int64_t>(-128, 127)(Rng);
    In.data<float>()[I] = float(double(Qx[I] - Zp) * S);
  }
  auto Got = ref::interpret(Q, {In});
  ASSERT_TRUE(Got.isOk()) << Got.message();
  const QuantParams &YQ = *Q.type(Conv->Outputs[0]).Quant;
  const std::vector<int64_t> M = Conv->getInts("multiplier");
  for (int64_t O = 0; O < 3; ++O)
    for (int64_t P = 0; P < 16; ++P) {
      int64_t Acc = 0; // no float bias: B_q = 0 before the fold
      for (int64_t C = 0; C < 2; ++C)
        Acc += (Qx[size_t(C * 16 + P)] - Zp) * Wq[size_t(O * 2 + C)];
      const int64_t Y = expectRequant(Acc, M[size_t(O)], int(Conv->getInt("shift", 999)), YQ.ZeroPoints[0],
                                      Conv->getInt("act_min", 999), Conv->getInt("act_max", 999), -128, 127);
      EXPECT_NEAR((*Got)[0].getDouble(O * 16 + P), double(float(double(Y - YQ.ZeroPoints[0]) * YQ.Scales[0])), 1e-6)
          << "channel " << O << " position " << P;
    }
}

TEST(AsymmetricActivations, OnTheNpuBitExactPaddedConvsIncluded) {
  // x -> Conv 1x1 -> Relu -> {Conv 1x1 -> Clip(0, 6), Sigmoid} -> Add -> Mul(., Relu) -> AveragePool 2x2 ->
  // Concat with Relu(MaxPool 2x2 of the Relu) -> Conv 3x3 pad 1 -> Relu: every operator with zero points; the last
  // conv reads a one-sided tensor through padding (LOAD pads with its zero point). A second output: the Relu
  // through a padded depthwise 3x3 conv, a Relu and a Concat with zero channels (BlazeFace's channel padding,
  // at the zero point), then a 1x1 conv.
  HardwareConfig C = test::loadConfig("default");
  Graph G;
  G.Name = "asym_ops";
  const int64_t Ch = 16;
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, Ch, 8, 8}));
  auto Conv1x1 = [&](ValueId In, uint32_t Seed) {
    return addOp(G, "Conv",
                 {In, G.addConstant("w" + std::to_string(Seed), randomFloats({Ch, Ch, 1, 1}, Seed, -0.3f, 0.3f)),
                  G.addConstant("b" + std::to_string(Seed), randomFloats({Ch}, Seed + 1, -0.2f, 0.2f))});
  };
  ValueId R = addOp(G, "Relu", {Conv1x1(X, 20)});
  ValueId Six =
      addOp(G, "Clip",
            {Conv1x1(R, 22), G.addConstant("lo", Tensor::fromValues(ElemType::Float32, {}, std::vector<double>{0})),
             G.addConstant("hi", Tensor::fromValues(ElemType::Float32, {}, std::vector<double>{6}))});
  ValueId Sum = addOp(G, "Add", {Six, addOp(G, "Sigmoid", {R})});
  ValueId Prod = addOp(G, "Mul", {Sum, R});
  const std::vector<Attribute> Pool = {ints("kernel_shape", {2, 2}), ints("strides", {2, 2})};
  ValueId Cat =
      addOp(G, "Concat", {addOp(G, "AveragePool", {Prod}, Pool), addOp(G, "Relu", {addOp(G, "MaxPool", {R}, Pool)})},
            {i64("axis", 1)});
  ValueId Last = addOp(G, "Conv", {Cat, G.addConstant("w3", randomFloats({Ch, 2 * Ch, 3, 3}, 30, -0.2f, 0.2f))},
                       {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3})});
  ValueId Dw = addOp(G, "Conv", {R, G.addConstant("wdw", randomFloats({Ch, 1, 3, 3}, 40, -0.5f, 0.5f)),
                                  G.addConstant("bdw", randomFloats({Ch}, 41, -0.1f, 0.1f))},
                     {ints("pads", {1, 1, 1, 1}), ints("kernel_shape", {3, 3}), i64("group", Ch)});
  ValueId Padded =
      addOp(G, "Concat",
            {addOp(G, "Relu", {Dw}), G.addConstant("zeros", Tensor::fromValues(ElemType::Float32, {1, Ch, 8, 8},
                                                                                std::vector<double>(Ch * 64, 0.0)))},
            {i64("axis", 1)});
  ValueId Mix = addOp(G, "Conv", {Padded, G.addConstant("wmix", randomFloats({Ch, 2 * Ch, 1, 1}, 42, -0.3f, 0.3f))});
  G.Outputs = {addOp(G, "Relu", {Last}), Mix};
  auto Sets = randomInputSets(3, 500, {1, Ch, 8, 8}, -1, 1);
  Graph Q = quantize(G, Sets, true, "asym_npu", &C);
  int NonZeroZp = 0;
  for (const Node &N : Q.nodes())
    NonZeroZp += N.hasOutput(0) && Q.type(N.Outputs[0]).Quant && Q.type(N.Outputs[0]).Quant->ZeroPoints[0] != 0;
  EXPECT_GE(NonZeroZp, 8) << printGraph(Q);
  for (const auto &Set : Sets) {
    auto Want = ref::interpret(Q, Set);
    ASSERT_TRUE(Want.isOk()) << Want.message();
    Graph L = Q;
    passes::PassOptions Opts;
    Opts.Config = &C;
    ASSERT_TRUE(runPasses(L, {"layout"}, Opts).isOk());
    backend::CompileResult Res;
    auto Got = test::compileAndRun(L, C, Set, &Res);
    ASSERT_TRUE(Got.isOk()) << Got.message();
    ASSERT_EQ(Got->size(), 2u);
    for (size_t O = 0; O < 2; ++O)
      EXPECT_EQ((*Got)[O].byteVector(), (*Want)[O].byteVector()) << "output " << O;
    std::map<std::string, int> OnNpu;
    for (const backend::NodePlacement &P : Res.Placements) {
      OnNpu[P.OpType] += P.Npu;
      EXPECT_TRUE(P.Npu || P.OpType == "QuantizeLinear" || P.OpType == "DequantizeLinear" ||
                  P.OpType.rfind("npu.ToBlocked", 0) == 0 || P.OpType.rfind("npu.FromBlocked", 0) == 0)
          << P.OpType << " on the host: " << P.Reason;
    }
    EXPECT_EQ(OnNpu["npu.QConv"], 5) << printGraph(L); // the 1x1 convs, the padded 3x3 and depthwise ones
    for (const char *Op : {"npu.QAdd", "npu.QMul", "npu.QLut", "npu.QAvgPool", "npu.Requantize", "Concat"})
      EXPECT_GE(OnNpu[Op], 1) << Op;
  }
}
