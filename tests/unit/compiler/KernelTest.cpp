// Reference kernels against naive loops written here: Conv/ConvTranspose (N-d, groups, dilations, pads),
// batched MatMul, Gemm, MaxPool, QuantizeLinear rounding, float16 arithmetic.
#include "TestUtil.h"
#include "npu/compiler/ref/Interpreter.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace npu;
using namespace npu::ir;

namespace {

Shape unflatten(int64_t I, const Shape &Dims) {
  Shape R(Dims.size());
  for (size_t D = Dims.size(); D-- > 0;) {
    R[D] = I % Dims[D];
    I /= Dims[D];
  }
  return R;
}

int64_t flatten(const Shape &Idx, const Shape &Dims) {
  int64_t R = 0;
  for (size_t D = 0; D < Dims.size(); ++D)
    R = R * Dims[D] + Idx[D];
  return R;
}

struct ConvCase {
  Shape X, W;
  int64_t Group;
  Shape Strides, Dilations, Pads;
};

/// Textbook convolution: every output element summed from its window.
std::vector<double> naiveConv(const Tensor &X, const Tensor &W, const ConvCase &P, const Shape &Out) {
  size_t R = X.shape().size() - 2;
  int64_t Cg = X.shape()[1] / P.Group, Mg = W.shape()[0] / P.Group;
  Shape KSp(W.shape().begin() + 2, W.shape().end());
  std::vector<double> Y(static_cast<size_t>(shapeNumElements(Out)));
  for (int64_t O = 0; O < shapeNumElements(Out); ++O) {
    Shape OI = unflatten(O, Out);
    int64_t G = OI[1] / Mg;
    double Acc = 0;
    for (int64_t C = 0; C < Cg; ++C)
      for (int64_t K = 0; K < shapeNumElements(KSp); ++K) {
        Shape KI = unflatten(K, KSp);
        Shape XI = {OI[0], G * Cg + C};
        bool In = true;
        for (size_t D = 0; D < R; ++D) {
          int64_t V = OI[D + 2] * P.Strides[D] + KI[D] * P.Dilations[D] - P.Pads[D];
          In &= V >= 0 && V < X.shape()[D + 2];
          XI.push_back(V);
        }
        if (!In)
          continue;
        Shape WI = {OI[1], C};
        WI.insert(WI.end(), KI.begin(), KI.end());
        Acc += X.getDouble(flatten(XI, X.shape())) * W.getDouble(flatten(WI, W.shape()));
      }
    Y[static_cast<size_t>(O)] = Acc;
  }
  return Y;
}

Node convNode(const ConvCase &P, const char *Op = "Conv") {
  Node N{"conv", Op, {0, 1}, {0}, {}};
  size_t R = P.X.size() - 2;
  N.setAttr("group", P.Group);
  N.setAttr("strides", P.Strides);
  N.setAttr("dilations", P.Dilations);
  Shape Pads = P.Pads;
  Pads.insert(Pads.end(), P.Pads.begin(), P.Pads.begin() + static_cast<long>(R));
  N.setAttr("pads", Pads);
  return N;
}

void expectClose(const Tensor &Got, const std::vector<double> &Want, double Tol = 1e-4) {
  ASSERT_EQ(Got.numElements(), static_cast<int64_t>(Want.size()));
  for (int64_t I = 0; I < Got.numElements(); ++I)
    ASSERT_NEAR(Got.getDouble(I), Want[static_cast<size_t>(I)],
                Tol * (1 + std::fabs(Want[static_cast<size_t>(I)])))
        << "element " << I;
}

} // namespace

TEST(Kernels, ConvMatchesNaiveLoops) {
  std::vector<ConvCase> Cases = {
      {{1, 3, 9}, {4, 3, 3}, 1, {2}, {1}, {1}},
      {{2, 4, 7, 6}, {6, 2, 3, 2}, 2, {1, 2}, {2, 1}, {1, 0}},
      {{1, 4, 5, 5}, {8, 1, 3, 3}, 4, {1, 1}, {1, 1}, {1, 1}}, // depthwise with multiplier 2
      {{1, 8, 6, 6}, {5, 8, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0}}, // pointwise fast path
      {{1, 2, 4, 5, 3}, {2, 2, 2, 3, 2}, 1, {1, 2, 1}, {1, 1, 2}, {1, 0, 1}},
  };
  uint32_t Seed = 1;
  for (const ConvCase &P : Cases) {
    Tensor X = test::randomFloats(P.X, Seed++), W = test::randomFloats(P.W, Seed++);
    Node N = convNode(P);
    auto R = ref::runNode(N, {&X, &W});
    ASSERT_TRUE(R.isOk()) << R.message();
    expectClose((*R)[0], naiveConv(X, W, P, (*R)[0].shape()));
  }
}

TEST(Kernels, ConvTransposeMatchesScatterLoops) {
  Tensor X = test::randomFloats({1, 4, 3, 4}, 11), W = test::randomFloats({4, 3, 3, 2}, 12);
  Node N{"ct", "ConvTranspose", {0, 1}, {0}, {}};
  N.setAttr("group", int64_t(2));
  N.setAttr("strides", Shape{2, 3});
  N.setAttr("dilations", Shape{1, 2});
  N.setAttr("pads", Shape{1, 0, 0, 1});
  auto R = ref::runNode(N, {&X, &W});
  ASSERT_TRUE(R.isOk()) << R.message();
  const Shape &O = (*R)[0].shape();
  ASSERT_EQ(O, (Shape{1, 6, (3 - 1) * 2 + 3 - 1, (4 - 1) * 3 + 3 - 1}));
  std::vector<double> Want(static_cast<size_t>(shapeNumElements(O)));
  for (int64_t C = 0; C < 4; ++C)
    for (int64_t H = 0; H < 3; ++H)
      for (int64_t Wd = 0; Wd < 4; ++Wd)
        for (int64_t M = 0; M < 3; ++M)
          for (int64_t KH = 0; KH < 3; ++KH)
            for (int64_t KW = 0; KW < 2; ++KW) {
              int64_t OH = H * 2 + KH - 1, OW = Wd * 3 + KW * 2 - 0;
              if (OH < 0 || OH >= O[2] || OW < 0 || OW >= O[3])
                continue;
              int64_t OC = (C / 2) * 3 + M;
              Want[static_cast<size_t>((OC * O[2] + OH) * O[3] + OW)] +=
                  X.getDouble((C * 3 + H) * 4 + Wd) * W.getDouble(((C * 3 + M) * 3 + KH) * 2 + KW);
            }
  expectClose((*R)[0], Want);
}

TEST(Kernels, BatchedMatMulBroadcastsLikeNumpy) {
  Tensor A = test::randomFloats({3, 1, 5, 4}, 21), B = test::randomFloats({2, 4, 6}, 22);
  Node N{"mm", "MatMul", {0, 1}, {0}, {}};
  auto R = ref::runNode(N, {&A, &B});
  ASSERT_TRUE(R.isOk()) << R.message();
  ASSERT_EQ((*R)[0].shape(), (Shape{3, 2, 5, 6}));
  std::vector<double> Want;
  for (int64_t I = 0; I < 3; ++I)
    for (int64_t J = 0; J < 2; ++J)
      for (int64_t M = 0; M < 5; ++M)
        for (int64_t Nn = 0; Nn < 6; ++Nn) {
          double S = 0;
          for (int64_t K = 0; K < 4; ++K)
            S += A.getDouble((I * 5 + M) * 4 + K) * B.getDouble((J * 4 + K) * 6 + Nn);
          Want.push_back(S);
        }
  expectClose((*R)[0], Want);
}

TEST(Kernels, GemmWithTransposesAlphaBeta) {
  Tensor A = test::randomFloats({7, 5}, 31), B = test::randomFloats({9, 7}, 32),
         C = test::randomFloats({9}, 33);
  Node N{"g", "Gemm", {0, 1, 2}, {0}, {}};
  N.setAttr("transA", int64_t(1));
  N.setAttr("transB", int64_t(1));
  N.setAttr("alpha", 0.5f);
  N.setAttr("beta", 2.0f);
  auto R = ref::runNode(N, {&A, &B, &C});
  ASSERT_TRUE(R.isOk()) << R.message();
  std::vector<double> Want;
  for (int64_t M = 0; M < 5; ++M)
    for (int64_t Nn = 0; Nn < 9; ++Nn) {
      double S = 0;
      for (int64_t K = 0; K < 7; ++K)
        S += A.getDouble(K * 5 + M) * B.getDouble(Nn * 7 + K);
      Want.push_back(0.5 * S + 2.0 * C.getDouble(Nn));
    }
  expectClose((*R)[0], Want);
}

TEST(Kernels, MaxPoolWithPadsDilationAndIndices) {
  Tensor X = test::randomFloats({1, 2, 6, 5}, 41);
  Node N{"mp", "MaxPool", {0}, {0, 1}, {}};
  N.setAttr("kernel_shape", Shape{2, 3});
  N.setAttr("pads", Shape{1, 1, 0, 1});
  N.setAttr("dilations", Shape{2, 1});
  N.setAttr("strides", Shape{1, 2});
  auto R = ref::runNode(N, {&X});
  ASSERT_TRUE(R.isOk()) << R.message();
  const Shape &O = (*R)[0].shape();
  ASSERT_EQ(O, (Shape{1, 2, (6 + 1 - 3) / 1 + 1, (5 + 2 - 3) / 2 + 1}));
  for (int64_t C = 0; C < 2; ++C)
    for (int64_t H = 0; H < O[2]; ++H)
      for (int64_t W = 0; W < O[3]; ++W) {
        double Best = -INFINITY;
        int64_t At = -1;
        for (int64_t KH = 0; KH < 2; ++KH)
          for (int64_t KW = 0; KW < 3; ++KW) {
            int64_t IH = H - 1 + KH * 2, IW = W * 2 - 1 + KW;
            if (IH < 0 || IH >= 6 || IW < 0 || IW >= 5)
              continue;
            int64_t Off = (C * 6 + IH) * 5 + IW;
            if (X.getDouble(Off) > Best) {
              Best = X.getDouble(Off);
              At = Off;
            }
          }
        int64_t OI = (C * O[2] + H) * O[3] + W;
        EXPECT_EQ((*R)[0].getDouble(OI), Best);
        EXPECT_EQ((*R)[1].getInt64(OI), At);
      }
}

TEST(Kernels, QuantizeLinearRoundsHalfToEvenAndSaturates) {
  Tensor X = test::floats({8}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.0f, -1000.0f, 0.49f});
  Tensor S = test::floats({}, {1.0f});
  Tensor Z = Tensor::fromValues<int>(ElemType::Int8, {}, {1});
  Node N{"q", "QuantizeLinear", {0, 1, 2}, {0}, {}};
  auto R = ref::runNode(N, {&X, &S, &Z});
  ASSERT_TRUE(R.isOk()) << R.message();
  std::vector<int64_t> Want = {1, 3, 3, 1, -1, 127, -128, 1};
  for (int64_t I = 0; I < 8; ++I)
    EXPECT_EQ((*R)[0].getInt64(I), Want[static_cast<size_t>(I)]) << I;
  Node D{"dq", "DequantizeLinear", {0, 1, 2}, {0}, {}};
  auto Back = ref::runNode(D, {&(*R)[0], &S, &Z});
  ASSERT_TRUE(Back.isOk()) << Back.message();
  EXPECT_EQ(Back->at(0).getDouble(5), 126.0);
}

TEST(Kernels, Float16ArithmeticRoundsPerOperation) {
  Tensor A(ElemType::Float16, {2}), B(ElemType::Float16, {2});
  A.data<uint16_t>()[0] = floatToHalfBits(1.0f);
  B.data<uint16_t>()[0] = floatToHalfBits(std::ldexp(1.0f, -11)); // half an ulp of 1.0: the sum ties to 1.0
  A.data<uint16_t>()[1] = floatToHalfBits(60000.0f);
  B.data<uint16_t>()[1] = floatToHalfBits(10000.0f); // overflows to inf
  Node N{"add", "Add", {0, 1}, {0}, {}};
  auto R = ref::runNode(N, {&A, &B});
  ASSERT_TRUE(R.isOk()) << R.message();
  EXPECT_EQ((*R)[0].data<uint16_t>()[0], floatToHalfBits(1.0f));
  EXPECT_TRUE(std::isinf((*R)[0].getDouble(1)));
}

TEST(Kernels, ResizeNearestModes) {
  Tensor X = test::floats({1, 4}, {10, 20, 30, 40});
  Tensor Sizes = Tensor::fromInt64s({1, 7});
  Node N{"r", "Resize", {0, NoValue, NoValue, 3}, {0}, {}};
  N.setAttr("coordinate_transformation_mode", std::string("half_pixel"));
  N.setAttr("nearest_mode", std::string("round_prefer_ceil"));
  auto R = ref::runNode(N, {&X, nullptr, nullptr, &Sizes});
  ASSERT_TRUE(R.isOk()) << R.message();
  // x_in = (x_out + 0.5) * 4/7 - 0.5, rounded half up, clamped.
  std::vector<double> Want;
  for (int O = 0; O < 7; ++O) {
    double S = (O + 0.5) * 4.0 / 7.0 - 0.5;
    int64_t I = static_cast<int64_t>(std::floor(S + 0.5));
    Want.push_back(10.0 * static_cast<double>(std::clamp<int64_t>(I, 0, 3) + 1));
  }
  expectClose((*R)[0], Want);
}
