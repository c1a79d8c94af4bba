// The npu.* reference kernels against naive integer loops written here (no floats, no code under test), on
// int8 activations and on int16 ones (int8 weights, int32 accumulators: configs/edge16.yaml).
#include "QuantTestUtil.h"

#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/ref/Interpreter.h"

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

Node makeNode(const std::string &Op, size_t Inputs) {
  Node N;
  N.OpType = Op;
  for (size_t I = 0; I < Inputs; ++I)
    N.Inputs.push_back(ValueId(I));
  N.Outputs = {0};
  return N;
}

void setRequant(Node &N, std::vector<int64_t> M, int64_t S, int64_t XZp, int64_t YZp, int64_t Lo,
                int64_t Hi) {
  if (M.size() == 1 && N.OpType != "npu.QConv" && N.OpType != "npu.QMatMul")
    N.setAttr("multiplier", M[0]);
  else
    N.setAttr("multiplier", M);
  N.setAttr("shift", S);
  N.setAttr("x_zero_point", XZp);
  N.setAttr("y_zero_point", YZp);
  N.setAttr("act_min", Lo);
  N.setAttr("act_max", Hi);
}

/// Sets integer attributes.
void setInts(Node &N, std::initializer_list<std::pair<const char *, int64_t>> Attrs) {
  for (const auto &[Name, V] : Attrs)
    N.setAttr(Name, V);
}

Tensor run(const Node &N, const std::vector<const Tensor *> &In) {
  auto R = ref::runNode(N, In);
  EXPECT_TRUE(R.isOk()) << (R ? "" : R.message());
  return R ? (*R)[0] : Tensor();
}

struct ConvCase {
  int64_t N, C, H, W, O, KH, KW, SH, SW, DH, DW, G;
  std::vector<int64_t> Pads; // top, left, bottom, right
  int64_t XZp;
};

/// acc[n][o][y][x] = B[o] + sum over in-image taps of (X - XZp) * W, for a 2-D grouped conv.
std::vector<int64_t> naiveConv(const ConvCase &P, const Tensor &X, const Tensor &W, const Tensor &B,
                               int64_t OH, int64_t OW) {
  std::vector<int64_t> Acc;
  const int64_t Cg = P.C / P.G, Og = P.O / P.G;
  for (int64_t N = 0; N < P.N; ++N)
    for (int64_t O = 0; O < P.O; ++O)
      for (int64_t Y = 0; Y < OH; ++Y)
        for (int64_t Xo = 0; Xo < OW; ++Xo) {
          int64_t A = B.data<int32_t>()[O];
          for (int64_t C = 0; C < Cg; ++C)
            for (int64_t Ky = 0; Ky < P.KH; ++Ky)
              for (int64_t Kx = 0; Kx < P.KW; ++Kx) {
                int64_t IY = Y * P.SH - P.Pads[0] + Ky * P.DH, IX = Xo * P.SW - P.Pads[1] + Kx * P.DW;
                if (IY < 0 || IY >= P.H || IX < 0 || IX >= P.W)
                  continue;
                int64_t Ci = O / Og * Cg + C;
                int64_t XV = X.data<int8_t>()[((N * P.C + Ci) * P.H + IY) * P.W + IX];
                int64_t WV = W.data<int8_t>()[((O * Cg + C) * P.KH + Ky) * P.KW + Kx];
                A += (XV - P.XZp) * WV;
              }
          Acc.push_back(A);
        }
  return Acc;
}

} // namespace

TEST(NpuKernels, QConvMatchesNaiveLoops) {
  const ConvCase Cases[] = {
      {1, 3, 8, 8, 5, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1}, 0},
      {2, 4, 7, 6, 6, 3, 2, 2, 1, 1, 2, 2, {1, 0, 1, 1}, 3},
      {1, 6, 5, 5, 6, 3, 3, 1, 1, 1, 1, 6, {1, 1, 1, 1}, -5}, // depthwise
      {1, 2, 4, 9, 3, 1, 4, 1, 3, 1, 1, 1, {0, 2, 0, 1}, 0},
  };
  uint32_t Seed = 1;
  for (const ConvCase &P : Cases) {
    Tensor X = randomInt8({P.N, P.C, P.H, P.W}, Seed++);
    Tensor W = randomInt8({P.O, P.C / P.G, P.KH, P.KW}, Seed++, -127, 127);
    Tensor B = randomInt32({P.O}, Seed++, -5000, 5000);
    Node N = makeNode("npu.QConv", 3);
    N.setAttr("kernel_shape", Shape{P.KH, P.KW});
    N.setAttr("strides", Shape{P.SH, P.SW});
    N.setAttr("dilations", Shape{P.DH, P.DW});
    N.setAttr("pads", P.Pads);
    N.setAttr("group", P.G);
    std::vector<int64_t> M;
    for (int64_t O = 0; O < P.O; ++O)
      M.push_back(300000000 + 77777777 * O);
    setRequant(N, M, 37, P.XZp, 4, -100, 120);
    Tensor Y = run(N, {&X, &W, &B});
    int64_t OH = (P.H + P.Pads[0] + P.Pads[2] - (P.DH * (P.KH - 1) + 1)) / P.SH + 1;
    int64_t OW = (P.W + P.Pads[1] + P.Pads[3] - (P.DW * (P.KW - 1) + 1)) / P.SW + 1;
    ASSERT_EQ(Y.shape(), (Shape{P.N, P.O, OH, OW}));
    std::vector<int64_t> Acc = naiveConv(P, X, W, B, OH, OW);
    for (int64_t I = 0; I < Y.numElements(); ++I) {
      int64_t O = (I / (OH * OW)) % P.O;
      ASSERT_EQ(Y.data<int8_t>()[I], expectRequant(Acc[size_t(I)], M[size_t(O)], 37, 4, -128, 127, -100, 120))
          << "case " << Seed << " element " << I;
    }
    // Without multiplier the result is the int32 accumulator itself.
    Node Raw = makeNode("npu.QConv", 3);
    Raw.Attrs = N.Attrs;
    for (const char *A : {"multiplier", "shift", "y_zero_point", "act_min", "act_max"})
      Raw.removeAttr(A);
    Tensor R = run(Raw, {&X, &W, &B});
    ASSERT_EQ(R.elemType(), ElemType::Int32);
    for (int64_t I = 0; I < R.numElements(); ++I)
      ASSERT_EQ(R.data<int32_t>()[I], Acc[size_t(I)]);
  }
}

TEST(NpuKernels, QMatMulMatchesNaiveLoops) {
  Tensor X = randomInt8({2, 3, 5}, 1), W = randomInt8({5, 4}, 2), B = randomInt32({4}, 3, -1000, 1000);
  Node N = makeNode("npu.QMatMul", 3);
  std::vector<int64_t> M = {1 << 30, 123456789, 2000000000, 7};
  setRequant(N, M, 33, -2, -3, -128, 127);
  Tensor Y = run(N, {&X, &W, &B});
  ASSERT_EQ(Y.shape(), (Shape{2, 3, 4}));
  for (int64_t R = 0; R < 6; ++R)
    for (int64_t C = 0; C < 4; ++C) {
      int64_t A = B.data<int32_t>()[C];
      for (int64_t K = 0; K < 5; ++K)
        A += (int64_t(X.data<int8_t>()[R * 5 + K]) + 2) * W.data<int8_t>()[K * 4 + C];
      EXPECT_EQ(Y.data<int8_t>()[R * 4 + C], expectRequant(A, M[size_t(C)], 33, -3, -128, 127, -128, 127));
    }
}

TEST(NpuKernels, QAddBroadcastsAndRequantizesOnce) {
  Tensor A = randomInt8({2, 3, 4}, 5), B = randomInt8({1, 3, 1}, 6);
  Node N = makeNode("npu.QAdd", 2);
  N.setAttr("a_multiplier", int64_t(3000000));
  N.setAttr("b_multiplier", int64_t(4194303));
  N.setAttr("shift", int64_t(22));
  N.setAttr("a_zero_point", int64_t(5));
  N.setAttr("b_zero_point", int64_t(-7));
  N.setAttr("y_zero_point", int64_t(2));
  N.setAttr("act_min", int64_t(0));
  N.setAttr("act_max", int64_t(127));
  Tensor Y = run(N, {&A, &B});
  for (int64_t I = 0; I < 24; ++I) {
    int64_t C = (I / 4) % 3;
    int64_t T = (int64_t(A.data<int8_t>()[I]) - 5) * 3000000 + (int64_t(B.data<int8_t>()[C]) + 7) * 4194303;
    EXPECT_EQ(Y.data<int8_t>()[I], expectRequant(T, 1, 22, 2, -128, 127, 0, 127)) << I;
  }
}

TEST(NpuKernels, QAvgPoolSumsInImageTaps) {
  Tensor X = randomInt8({1, 2, 5, 5}, 9);
  Node N = makeNode("npu.QAvgPool", 1);
  N.setAttr("kernel_shape", Shape{3, 3});
  N.setAttr("strides", Shape{2, 2});
  N.setAttr("pads", Shape{1, 1, 1, 1});
  setRequant(N, {477218588}, 32, 3, -1, -128, 127); // ~ 1/9
  Tensor Y = run(N, {&X});
  ASSERT_EQ(Y.shape(), (Shape{1, 2, 3, 3}));
  for (int64_t C = 0; C < 2; ++C)
    for (int64_t Oy = 0; Oy < 3; ++Oy)
      for (int64_t Ox = 0; Ox < 3; ++Ox) {
        int64_t Acc = 0;
        for (int64_t Ky = 0; Ky < 3; ++Ky)
          for (int64_t Kx = 0; Kx < 3; ++Kx) {
            int64_t Iy = Oy * 2 - 1 + Ky, Ix = Ox * 2 - 1 + Kx;
            if (Iy >= 0 && Iy < 5 && Ix >= 0 && Ix < 5)
              Acc += int64_t(X.data<int8_t>()[(C * 5 + Iy) * 5 + Ix]) - 3;
          }
        EXPECT_EQ(Y.data<int8_t>()[(C * 3 + Oy) * 3 + Ox],
                  expectRequant(Acc, 477218588, 32, -1, -128, 127, -128, 127));
      }
  Node GN = makeNode("npu.QGlobalAvgPool", 1);
  setRequant(GN, {171798692}, 32, 0, 0, -128, 127); // ~ 1/25
  Tensor GY = run(GN, {&X});
  ASSERT_EQ(GY.shape(), (Shape{1, 2, 1, 1}));
  for (int64_t C = 0; C < 2; ++C) {
    int64_t Acc = 0;
    for (int64_t I = 0; I < 25; ++I)
      Acc += X.data<int8_t>()[C * 25 + I];
    EXPECT_EQ(GY.data<int8_t>()[C], expectRequant(Acc, 171798692, 32, 0, -128, 127, -128, 127));
  }
}

TEST(NpuKernels, RequantizeFromEachInputType) {
  Tensor U(ElemType::UInt8, {6});
  for (int I = 0; I < 6; ++I)
    U.data<uint8_t>()[I] = uint8_t(I * 50);
  Node N = makeNode("npu.Requantize", 1);
  setRequant(N, {2}, 1, 128, 0, -128, 127); // identity on x - 128
  Tensor Y = run(N, {&U});
  ASSERT_EQ(Y.elemType(), ElemType::Int8);
  for (int I = 0; I < 6; ++I)
    EXPECT_EQ(Y.data<int8_t>()[I], I * 50 - 128);
  N.setAttr("to", std::string("u8"));
  setRequant(N, {2}, 1, 0, 128, 0, 255);
  Tensor Back = run(N, {&Y});
  ASSERT_EQ(Back.elemType(), ElemType::UInt8);
  EXPECT_EQ(Back, U);
  Tensor Acc = randomInt32({10}, 4, -2000000, 2000000);
  Node A = makeNode("npu.Requantize", 1);
  setRequant(A, {1717986918}, 40, 0, -6, -50, 50);
  Tensor AY = run(A, {&Acc});
  for (int I = 0; I < 10; ++I)
    EXPECT_EQ(AY.data<int8_t>()[I],
              expectRequant(Acc.data<int32_t>()[I], 1717986918, 40, -6, -128, 127, -50, 50));
}

TEST(NpuKernels, BlockedConversionsMoveElementsAndPad) {
  Tensor X = randomInt8({4, 5, 2, 3}, 12);
  Node To = makeNode("npu.ToBlocked", 1);
  To.setAttr("block_n", int64_t(2));
  To.setAttr("block_c", int64_t(4));
  To.setAttr("pad_value", int64_t(-9));
  Tensor B = run(To, {&X});
  ASSERT_EQ(B.shape(), (Shape{2, 2, 2, 3, 2, 4}));
  for (int64_t N = 0; N < 4; ++N)
    for (int64_t C = 0; C < 8; ++C)
      for (int64_t S = 0; S < 6; ++S) {
        int64_t Off = ((((N / 2) * 2 + C / 4) * 6 + S) * 2 + N % 2) * 4 + C % 4;
        EXPECT_EQ(B.data<int8_t>()[Off], C < 5 ? X.data<int8_t>()[(N * 5 + C) * 6 + S] : -9);
      }
  Node From = makeNode("npu.FromBlocked", 1);
  From.setAttr("shape", Shape{4, 5, 2, 3});
  EXPECT_EQ(run(From, {&B}), X);
  Node Re = makeNode("npu.Reblock", 1);
  Re.setAttr("block_c", int64_t(3));
  Re.setAttr("channels", int64_t(5));
  Re.setAttr("pad_value", int64_t(-9));
  Tensor R = run(Re, {&B});
  ASSERT_EQ(R.shape(), (Shape{2, 2, 2, 3, 2, 3}));
  EXPECT_EQ(run(From, {&R}), X);
}

TEST(NpuKernels, BlockedMaxPoolEqualsPlainMaxPool) {
  Tensor X = randomInt8({2, 3, 6, 5}, 21);
  Node Pool = makeNode("MaxPool", 1);
  Pool.setAttr("kernel_shape", Shape{3, 2});
  Pool.setAttr("strides", Shape{2, 2});
  Pool.setAttr("pads", Shape{1, 0, 1, 1});
  Tensor Want = run(Pool, {&X});
  Node To = makeNode("npu.ToBlocked", 1);
  To.setAttr("block_n", int64_t(2));
  To.setAttr("block_c", int64_t(2));
  Tensor XB = run(To, {&X});
  Node BP = makeNode("npu.MaxPool", 1);
  BP.Attrs = Pool.Attrs;
  BP.setAttr("layout", std::string("blocked"));
  Tensor YB = run(BP, {&XB});
  Node From = makeNode("npu.FromBlocked", 1);
  From.setAttr("shape", Want.shape());
  EXPECT_EQ(run(From, {&YB}), Want);
}

TEST(NpuKernels, SchemaErrors) {
  Tensor X = randomInt8({1, 2, 3, 3}, 1), W = randomInt8({2, 2, 1, 1}, 2);
  Node N = makeNode("npu.QConv", 2);
  setRequant(N, {1, 2, 3}, 10, 0, 0, -128, 127); // 3 multipliers for 2 channels
  EXPECT_FALSE(ref::runNode(N, {&X, &W}).isOk());
  setRequant(N, {1}, 0, 0, 0, -128, 127); // shift 0
  EXPECT_FALSE(ref::runNode(N, {&X, &W}).isOk());
  setRequant(N, {int64_t(1) << 31}, 5, 0, 0, -128, 127); // multiplier too large
  EXPECT_FALSE(ref::runNode(N, {&X, &W}).isOk());
  setRequant(N, {1}, 5, 0, 0, 10, 5); // act_min > act_max
  EXPECT_FALSE(ref::runNode(N, {&X, &W}).isOk());
  Node A = makeNode("npu.QAdd", 2);
  A.setAttr("a_multiplier", int64_t(1) << 22);
  A.setAttr("b_multiplier", int64_t(1));
  A.setAttr("shift", int64_t(3));
  EXPECT_FALSE(ref::runNode(A, {&X, &X}).isOk()); // above the QAdd multiplier bound
}

// --- int16 activations.

namespace {

constexpr int64_t Min16 = -32768, Max16 = 32767;

int64_t at16(const Tensor &T, int64_t I) { return T.data<int16_t>()[I]; }

} // namespace

TEST(NpuKernelsInt16, QConvMatchesNaiveLoops) {
  // 2-D conv, stride 2, padding, 2 groups; int16 inputs over the whole range.
  const int64_t C = 4, H = 7, W = 6, O = 6, K = 3, G = 2, Cg = C / G, Og = O / G;
  Tensor X = randomInt16({1, C, H, W}, 1), Wt = randomInt8({O, Cg, K, K}, 2, -127, 127);
  Tensor B = randomInt32({O}, 3, -3000000, 3000000);
  Node N = makeNode("npu.QConv", 3);
  N.setAttr("kernel_shape", Shape{K, K});
  N.setAttr("strides", Shape{2, 2});
  N.setAttr("pads", Shape{1, 1, 1, 0});
  N.setAttr("dilations", Shape{1, 1});
  N.setAttr("group", G);
  std::vector<int64_t> M;
  for (int64_t Ch = 0; Ch < O; ++Ch)
    M.push_back(900000000 + 123456789 * Ch);
  setRequant(N, M, 38, 0, 0, -30000, 32000);
  Tensor Y = run(N, {&X, &Wt, &B});
  const int64_t OH = (H + 2 - K) / 2 + 1, OW = (W + 1 - K) / 2 + 1;
  ASSERT_EQ(Y.elemType(), ElemType::Int16);
  ASSERT_EQ(Y.shape(), (Shape{1, O, OH, OW}));
  int Saturated = 0;
  for (int64_t Oc = 0; Oc < O; ++Oc)
    for (int64_t Oy = 0; Oy < OH; ++Oy)
      for (int64_t Ox = 0; Ox < OW; ++Ox) {
        int64_t Acc = B.data<int32_t>()[Oc];
        for (int64_t Ci = 0; Ci < Cg; ++Ci)
          for (int64_t Ky = 0; Ky < K; ++Ky)
            for (int64_t Kx = 0; Kx < K; ++Kx) {
              const int64_t Iy = Oy * 2 - 1 + Ky, Ix = Ox * 2 - 1 + Kx;
              if (Iy < 0 || Iy >= H || Ix < 0 || Ix >= W)
                continue;
              Acc += at16(X, ((Oc / Og * Cg + Ci) * H + Iy) * W + Ix) *
                     int64_t(Wt.data<int8_t>()[((Oc * Cg + Ci) * K + Ky) * K + Kx]);
            }
        const int64_t Want = expectRequant(Acc, M[size_t(Oc)], 38, 0, Min16, Max16, -30000, 32000);
        Saturated += Want == -30000 || Want == 32000;
        ASSERT_EQ(at16(Y, (Oc * OH + Oy) * OW + Ox), Want) << Oc << " " << Oy << " " << Ox;
      }
  // The results use the int16 range, beyond int8's, and the bounds bite somewhere.
  int64_t Big = 0;
  for (int64_t I = 0; I < Y.numElements(); ++I)
    Big = std::max(Big, std::abs(at16(Y, I)));
  EXPECT_GT(Big, 127);
  EXPECT_GT(Saturated, 0);
}

TEST(NpuKernelsInt16, QMatMulMatchesNaiveLoops) {
  Tensor X = randomInt16({3, 9}, 4), W = randomInt8({9, 5}, 5, -127, 127), B = randomInt32({5}, 6, -100000, 100000);
  Node N = makeNode("npu.QMatMul", 3);
  std::vector<int64_t> M = {1 << 30, 123456789, 2000000000, 7, 1500000000};
  setRequant(N, M, 36, 0, 0, Min16, Max16);
  Tensor Y = run(N, {&X, &W, &B});
  ASSERT_EQ(Y.elemType(), ElemType::Int16);
  for (int64_t R = 0; R < 3; ++R)
    for (int64_t C = 0; C < 5; ++C) {
      int64_t A = B.data<int32_t>()[C];
      for (int64_t K = 0; K < 9; ++K)
        A += at16(X, R * 9 + K) * W.data<int8_t>()[K * 5 + C];
      EXPECT_EQ(at16(Y, R * 5 + C), expectRequant(A, M[size_t(C)], 36, 0, Min16, Max16, Min16, Max16));
    }
  // Without a multiplier: the int32 accumulators.
  Node Raw = makeNode("npu.QMatMul", 3);
  Tensor R = run(Raw, {&X, &W, &B});
  ASSERT_EQ(R.elemType(), ElemType::Int32);
  int64_t A = B.data<int32_t>()[0];
  for (int64_t K = 0; K < 9; ++K)
    A += at16(X, K) * W.data<int8_t>()[K * 5];
  EXPECT_EQ(R.data<int32_t>()[0], A);
}

TEST(NpuKernelsInt16, QAddQMulQLeakyRelu) {
  Tensor A = randomInt16({2, 3, 4}, 7), B = randomInt16({2, 3, 4}, 8);
  // QAdd: the int16 multiplier bound is 2^14 - 1; t = a * Ma + b * Mb stays inside int32.
  Node Add = makeNode("npu.QAdd", 2);
  setInts(Add, {{"a_multiplier", 16383}, {"b_multiplier", 9000}, {"shift", 14}, {"a_zero_point", 0},
                {"b_zero_point", 0}, {"y_zero_point", 0}, {"act_min", -20000}, {"act_max", Max16}});
  Tensor Y = run(Add, {&A, &B});
  ASSERT_EQ(Y.elemType(), ElemType::Int16);
  for (int64_t I = 0; I < 24; ++I) {
    const int64_t T = at16(A, I) * 16383 + at16(B, I) * 9000;
    ASSERT_LT(std::abs(T), int64_t(1) << 31);
    EXPECT_EQ(at16(Y, I), expectRequant(T, 1, 14, 0, Min16, Max16, -20000, Max16)) << I;
  }
  // QMul: t = a * b (|t| <= 2^30), one multiplier.
  Node Mul = makeNode("npu.QMul", 2);
  setInts(Mul, {{"multiplier", 1234567890}, {"shift", 45}, {"a_zero_point", 0}, {"b_zero_point", 0},
                {"y_zero_point", 0}, {"act_min", Min16}, {"act_max", Max16}});
  Tensor P = run(Mul, {&A, &B});
  for (int64_t I = 0; I < 24; ++I)
    EXPECT_EQ(at16(P, I), expectRequant(at16(A, I) * at16(B, I), 1234567890, 45, 0, Min16, Max16, Min16, Max16));
  // QLeakyRelu: max(x, 0) * Mp + min(x, 0) * Mn, requant by 1.
  Node L = makeNode("npu.QLeakyRelu", 1);
  setInts(L, {{"pos_multiplier", 16000}, {"neg_multiplier", -1600}, {"shift", 14}, {"x_zero_point", 0},
              {"y_zero_point", 0}, {"act_min", Min16}, {"act_max", Max16}});
  Tensor LY = run(L, {&A});
  for (int64_t I = 0; I < 24; ++I) {
    const int64_t X = at16(A, I), T = X > 0 ? X * 16000 : X * -1600;
    EXPECT_EQ(at16(LY, I), expectRequant(T, 1, 14, 0, Min16, Max16, Min16, Max16)) << I;
  }
}

TEST(NpuKernelsInt16, PoolsAndRequantize) {
  Tensor X = randomInt16({1, 2, 5, 5}, 9);
  Node N = makeNode("npu.QAvgPool", 1);
  N.setAttr("kernel_shape", Shape{3, 3});
  N.setAttr("strides", Shape{2, 2});
  N.setAttr("pads", Shape{0, 0, 0, 0});
  setRequant(N, {477218588}, 32, 0, 0, Min16, Max16); // ~ 1/9
  Tensor Y = run(N, {&X});
  ASSERT_EQ(Y.elemType(), ElemType::Int16);
  ASSERT_EQ(Y.shape(), (Shape{1, 2, 2, 2}));
  for (int64_t C = 0; C < 2; ++C)
    for (int64_t Oy = 0; Oy < 2; ++Oy)
      for (int64_t Ox = 0; Ox < 2; ++Ox) {
        int64_t Acc = 0;
        for (int64_t Ky = 0; Ky < 3; ++Ky)
          for (int64_t Kx = 0; Kx < 3; ++Kx)
            Acc += at16(X, (C * 5 + Oy * 2 + Ky) * 5 + Ox * 2 + Kx);
        EXPECT_EQ(at16(Y, (C * 2 + Oy) * 2 + Ox), expectRequant(Acc, 477218588, 32, 0, Min16, Max16, Min16, Max16));
      }
  Node GN = makeNode("npu.QGlobalAvgPool", 1);
  setRequant(GN, {171798692}, 32, 0, 0, Min16, Max16); // ~ 1/25
  Tensor GY = run(GN, {&X});
  for (int64_t C = 0; C < 2; ++C) {
    int64_t Acc = 0;
    for (int64_t I = 0; I < 25; ++I)
      Acc += at16(X, C * 25 + I);
    EXPECT_EQ(at16(GY, C), expectRequant(Acc, 171798692, 32, 0, Min16, Max16, Min16, Max16));
  }
  // MaxPool: only in-image taps; all inputs very negative so an int8 identity (-128) would win.
  Tensor Neg = randomInt16({1, 1, 4, 4}, 10, -32768, -20000);
  Node MP = makeNode("npu.MaxPool", 1);
  MP.setAttr("kernel_shape", Shape{2, 2});
  MP.setAttr("strides", Shape{2, 2});
  MP.setAttr("pads", Shape{1, 1, 1, 1});
  Tensor MY = run(MP, {&Neg});
  ASSERT_EQ(MY.shape(), (Shape{1, 1, 3, 3}));
  for (int64_t Oy = 0; Oy < 3; ++Oy)
    for (int64_t Ox = 0; Ox < 3; ++Ox) {
      int64_t Best = INT64_MIN;
      for (int64_t Ky = 0; Ky < 2; ++Ky)
        for (int64_t Kx = 0; Kx < 2; ++Kx) {
          const int64_t Iy = Oy * 2 - 1 + Ky, Ix = Ox * 2 - 1 + Kx;
          if (Iy >= 0 && Iy < 4 && Ix >= 0 && Ix < 4)
            Best = std::max(Best, at16(Neg, Iy * 4 + Ix));
        }
      EXPECT_EQ(at16(MY, Oy * 3 + Ox), Best);
    }
  // Requantize int16 -> int16 (to = "i16"), int32 -> int16 and int16 -> int8.
  Node R = makeNode("npu.Requantize", 1);
  R.setAttr("to", std::string("i16"));
  setRequant(R, {1518500250}, 31, 0, 0, -1000, 30000); // ~ 0.707
  Tensor RY = run(R, {&X});
  ASSERT_EQ(RY.elemType(), ElemType::Int16);
  for (int64_t I = 0; I < X.numElements(); ++I)
    EXPECT_EQ(at16(RY, I), expectRequant(at16(X, I), 1518500250, 31, 0, Min16, Max16, -1000, 30000));
  Tensor Acc = randomInt32({10}, 11, -2000000000, 2000000000);
  R.removeAttr("act_min");
  R.removeAttr("act_max");
  Tensor AY = run(R, {&Acc}); // the activation bounds default to the int16 range
  for (int64_t I = 0; I < 10; ++I)
    EXPECT_EQ(at16(AY, I), expectRequant(Acc.data<int32_t>()[I], 1518500250, 31, 0, Min16, Max16, Min16, Max16));
  R.setAttr("to", std::string("i8"));
  Tensor Y8 = run(R, {&X});
  ASSERT_EQ(Y8.elemType(), ElemType::Int8);
  for (int64_t I = 0; I < X.numElements(); ++I)
    EXPECT_EQ(Y8.data<int8_t>()[I], expectRequant(at16(X, I), 1518500250, 31, 0, -128, 127, -128, 127));
}

TEST(NpuKernelsInt16, TypeRules) {
  Tensor X16 = randomInt16({1, 2, 3, 3}, 1), X8 = randomInt8({1, 2, 3, 3}, 1), W = randomInt8({2, 2, 1, 1}, 2);
  // int16 bounds are accepted for int16 results only.
  Node N = makeNode("npu.QConv", 2);
  setRequant(N, {1}, 5, 0, 0, -30000, 30000);
  EXPECT_TRUE(ref::runNode(N, {&X16, &W}).isOk());
  EXPECT_FALSE(ref::runNode(N, {&X8, &W}).isOk());
  // int16 weights are not an NPU type.
  Tensor W16 = randomInt16({2, 2, 1, 1}, 3, -100, 100);
  setRequant(N, {1}, 5, 0, 0, Min16, Max16);
  EXPECT_FALSE(ref::runNode(N, {&X16, &W16}).isOk());
  // QAdd: one operand type for both, and the multiplier bound derived from the width (2^14 - 1 for int16).
  Node A = makeNode("npu.QAdd", 2);
  setInts(A, {{"a_multiplier", 16384}, {"b_multiplier", 1}, {"shift", 3}});
  EXPECT_FALSE(ref::runNode(A, {&X16, &X16}).isOk());
  EXPECT_TRUE(ref::runNode(A, {&X8, &X8}).isOk());
  A.setAttr("a_multiplier", int64_t(16383));
  EXPECT_TRUE(ref::runNode(A, {&X16, &X16}).isOk());
  EXPECT_FALSE(ref::runNode(A, {&X16, &X8}).isOk());
  EXPECT_EQ(quant::maxAddMultiplier(8), quant::MaxAddMultiplier);
  // The bound keeps both products' sum inside int32 for the widest operands.
  for (int Bits : {8, 16}) {
    EXPECT_LT(2 * (int64_t(1) << Bits) * quant::maxAddMultiplier(Bits), int64_t(1) << 31) << Bits;
  }
}
