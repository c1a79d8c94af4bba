// GPTQ weight rounding (--weight-rounding gptq): the input moments against the reference interpreter's own
// convolutions with one-hot weights, the rounding's output error against nearest rounding in plain loops, and the
// pass's int16 graph closer to the float one than with nearest rounding.
#include "QuantTestUtil.h"

#include "../../../compiler/quant/QuantRounding.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

/// A smooth random image: neighbouring pixels correlate, as in real inputs (rounding errors then interact).
Tensor smoothImage(Shape Dims, uint32_t Seed) {
  Tensor Noise = randomFloats(Dims, Seed);
  Tensor T(ElemType::Float32, Dims);
  const int64_t H = Dims[2], W = Dims[3], Planes = Dims[0] * Dims[1];
  for (int64_t P = 0; P < Planes; ++P)
    for (int64_t Y = 0; Y < H; ++Y)
      for (int64_t X = 0; X < W; ++X) {
        double S = 0;
        for (int64_t Dy = 0; Dy < 3; ++Dy)
          for (int64_t Dx = 0; Dx < 3; ++Dx)
            S += Noise.getDouble((P * H + std::min(H - 1, Y + Dy)) * W + std::min(W - 1, X + Dx));
        T.data<float>()[(P * H + Y) * W + X] = float(0.3 + S / 9);
      }
  return T;
}

/// Conv attributes of the tests: 3x3, pad 1, stride 2, dilation 1, group G.
std::vector<Attribute> convAttrs(int64_t Group) {
  return {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1}), ints("strides", {2, 2}), i64("group", Group)};
}

TEST(GptqRounding, ConvMomentsMatchOneHotConvolutionsOfTheInterpreter) {
  const int64_t C = 4, Group = 2, Cg = C / Group, K = Cg * 9;
  Graph G;
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, C, 7, 6}));
  G.Outputs = {addOp(G, "Conv", {X, G.addConstant("w", randomFloats({4, Cg, 3, 3}, 1))}, convAttrs(Group))};
  std::vector<passes::CalibSet> Sets = {{"a", {smoothImage({1, C, 7, 6}, 2)}}, {"b", {randomFloats({1, C, 7, 6}, 3)}}};
  auto M = passes::collectInputMoments(G, Sets);
  ASSERT_TRUE(M.isOk()) << M.message();
  ASSERT_EQ(M->count(0), 1u);
  const passes::InputMoments &Mo = M->at(0);
  ASSERT_EQ(Mo.Groups, Group);
  ASSERT_EQ(Mo.K, K);
  // Patch element i of group g at every output position = that group's output channel of a conv whose only
  // nonzero weight is element i (the interpreter pads, strides and groups the input itself).
  for (int64_t Gr = 0; Gr < Group; ++Gr) {
    std::vector<std::vector<double>> Taps;
    for (int64_t I = 0; I < K; ++I) {
      Graph O;
      ValueId Xo = O.addInput("x", TensorType(ElemType::Float32, {1, C, 7, 6}));
      Tensor W(ElemType::Float32, {Group, Cg, 3, 3});
      W.data<float>()[Gr * K + I] = 1;
      O.Outputs = {addOp(O, "Conv", {Xo, O.addConstant("w", W)}, convAttrs(Group))};
      std::vector<double> All;
      for (const auto &S : Sets) {
        auto Y = ref::interpret(O, S.Inputs);
        ASSERT_TRUE(Y.isOk()) << Y.message();
        const int64_t Plane = (*Y)[0].numElements() / Group;
        for (int64_t P = 0; P < Plane; ++P)
          All.push_back((*Y)[0].getDouble(Gr * Plane + P));
      }
      Taps.push_back(All);
    }
    for (int64_t I = 0; I < K; ++I)
      for (int64_t J = 0; J < K; ++J) {
        double Want = 0;
        for (size_t P = 0; P < Taps[size_t(I)].size(); ++P)
          Want += Taps[size_t(I)][P] * Taps[size_t(J)][P];
        EXPECT_NEAR(Mo.H[size_t((Gr * K + I) * K + J)], Want, 1e-6 * (1 + std::fabs(Want)))
            << "group " << Gr << " element " << I << "," << J;
      }
  }
}

/// sum over rows x of sum_o ((W - s Q) x)_o^2 for MatMul weights W [K, N] (channel o = column o).
double outputError(const Tensor &W, const passes::QuantizedWeights &Q, const Tensor &X) {
  const int64_t K = W.shape()[0], N = W.shape()[1], Rows = X.numElements() / K;
  double E = 0;
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t O = 0; O < N; ++O) {
      double D = 0;
      for (int64_t I = 0; I < K; ++I)
        D += (W.getDouble(I * N + O) - Q.Scales[size_t(O)] * Q.Data.getDouble(I * N + O)) * X.getDouble(R * K + I);
      E += D * D;
    }
  return E;
}

TEST(GptqRounding, LowersTheOutputErrorOfAMatMulAt8And4Bits) {
  const int64_t K = 24, N = 10, Rows = 200;
  Graph G;
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {Rows, K}));
  Tensor W = randomFloats({K, N}, 7);
  G.Outputs = {addOp(G, "MatMul", {X, G.addConstant("w", W)})};
  // Correlated features: each row is a smooth ramp plus noise, so rounding errors add up unless they cancel.
  Tensor In = randomFloats({Rows, K}, 8, -0.2f, 0.2f);
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t I = 0; I < K; ++I)
      In.data<float>()[R * K + I] += float(std::sin(0.1 * double(R) + 0.05 * double(I)));
  auto M = passes::collectInputMoments(G, {{"set", {In}}});
  ASSERT_TRUE(M.isOk()) << M.message();
  ASSERT_EQ(M->count(0), 1u);
  for (int Bits : {8, 4}) {
    const passes::QuantizedWeights Near = passes::quantizeWeights(W, N, true, Bits);
    passes::QuantizedWeights Gptq = Near;
    passes::roundWithMoments(W, N, true, Bits, M->at(0), Gptq);
    EXPECT_EQ(Gptq.Scales, Near.Scales);
    const int64_t Max = (int64_t(1) << (Bits - 1)) - 1;
    int Changed = 0;
    for (int64_t I = 0; I < W.numElements(); ++I) {
      EXPECT_LE(std::abs(Gptq.Data.getInt64(I)), Max);
      Changed += Gptq.Data.getInt64(I) != Near.Data.getInt64(I);
    }
    EXPECT_GT(Changed, 0) << Bits << " bits";
    const double EN = outputError(W, Near, In), EG = outputError(W, Gptq, In);
    EXPECT_LT(EG, 0.5 * EN) << Bits << " bits: nearest " << EN << ", gptq " << EG;
  }
}

TEST(GptqRounding, Int16GraphCloserToFloatThanNearestRounding) {
  // x -> Conv 3x3 (8 -> 16) -> Relu -> depthwise 3x3 -> Conv 1x1 (16 -> 8): int16 activations, so the int8
  // weights decide the error; measured on the calibration images against the float graph.
  HardwareConfig C = loadConfig("edge16");
  Graph G;
  ValueId X = G.addInput("x", TensorType(ElemType::Float32, {1, 8, 12, 12}));
  const std::vector<Attribute> Same = {ints("kernel_shape", {3, 3}), ints("pads", {1, 1, 1, 1})};
  ValueId A = addOp(G, "Relu", {addOp(G, "Conv", {X, G.addConstant("w1", randomFloats({16, 8, 3, 3}, 11))}, Same)});
  std::vector<Attribute> Dw = Same;
  Dw.push_back(i64("group", 16));
  ValueId D = addOp(G, "Conv", {A, G.addConstant("w2", randomFloats({16, 1, 3, 3}, 12))}, Dw);
  G.Outputs = {addOp(G, "Conv", {D, G.addConstant("w3", randomFloats({8, 16, 1, 1}, 13))})};
  std::vector<std::vector<Tensor>> Sets = {{smoothImage({1, 8, 12, 12}, 14)}, {smoothImage({1, 8, 12, 12}, 15)}};
  const std::vector<std::string> Dirs = writeSets(tempDir("gptq_int16"), Sets);
  double Sqnr[2] = {0, 0};
  for (int K = 0; K < 2; ++K) {
    passes::PassOptions Opts;
    Opts.Config = &C;
    Opts.CalibDirs = Dirs;
    Opts.WeightRounding = K ? "gptq" : "nearest";
    Graph Q = G;
    ASSERT_TRUE(runPasses(Q, {"shape-inference", "quantize"}, Opts).isOk());
    for (const auto &Set : Sets) {
      auto Want = ref::interpret(G, Set);
      auto Got = ref::interpret(Q, Set);
      ASSERT_TRUE(Want.isOk() && Got.isOk());
      Sqnr[K] += sqnrOf((*Want)[0], (*Got)[0]) / 2;
    }
  }
  EXPECT_GT(Sqnr[1], Sqnr[0] + 1.0) << "nearest " << Sqnr[0] << " dB, gptq " << Sqnr[1] << " dB";
  passes::PassOptions Bad;
  Bad.Config = &C;
  Bad.CalibDirs = Dirs;
  Bad.WeightRounding = "stochastic";
  Graph Q = G;
  Status S = runPasses(Q, {"shape-inference", "quantize"}, Bad);
  ASSERT_FALSE(S.isOk());
  EXPECT_NE(S.message().find("weight rounding must be nearest or gptq"), std::string::npos) << S.message();
}

} // namespace
