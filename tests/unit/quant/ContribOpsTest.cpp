// onnxruntime's com.microsoft quantized operators (QLinearAdd, QLinearMul, QLinearConcat, QLinearGlobalAveragePool,
// QLinearAveragePool, QLinearLeakyRelu, QLinearSigmoid, QGemm): tiny ONNX models imported and run on the reference
// interpreter (and the host JIT) against plain loops written from onnxruntime's operator documentation; which of
// them the quantize pass turns into npu.* operators; QLinearAdd, QLinearMul, QLinearLeakyRelu and
// QLinearGlobalAveragePool on the func simulator bit-exact against the interpreter; import errors.
#include "../compiler/OnnxBuilder.h"
#include "../npu/NpuTestUtil.h"
#include "QuantTestUtil.h"

#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ref/Interpreter.h"
#ifdef NPU_TEST_HOST
#include "npu/compiler/check/Conformance.h"
#include "npu/host/HostModel.h"
#endif

#include <cfenv>
#include <cmath>
#include <functional>

using namespace npu;
using namespace npu::ir;
using npu::test::OnnxBuilder;

namespace {

// ---- The operators' definition, written from the contrib-op documentation (not from the project's code). ----

/// (q - zp) * scale with the scale as the model stores it (float32).
double deq(int64_t Q, float Scale, int64_t Zp) { return double(Q - Zp) * double(Scale); }

/// saturate(round_half_even(V / scale) + zp) in the range of E.
int64_t quant(double V, float Scale, int64_t Zp, ElemType E) {
  const double Lo = E == ElemType::UInt8 ? 0 : -128, Hi = E == ElemType::UInt8 ? 255 : 127;
  double R = std::nearbyint(V / double(Scale)) + double(Zp); // FE_TONEAREST: half to even
  return int64_t(std::clamp(R, Lo, Hi));
}

/// Checks Got against quant(V): exact, except within 1e-3 of a tie (where the interpreter's float32 arithmetic
/// may round the other way than this double computation), where either neighbour passes. Returns 1 on a tie.
int expectQuant(int64_t Got, double V, float Scale, int64_t Zp, ElemType E, const std::string &Where) {
  const double T = V / double(Scale);
  const bool NearTie = std::fabs(T - std::floor(T) - 0.5) < 1e-3;
  const int64_t Want = quant(V, Scale, Zp, E);
  if (NearTie) {
    const int64_t Down = quant(std::floor(T) * double(Scale), Scale, Zp, E);
    const int64_t Up = quant(std::ceil(T) * double(Scale), Scale, Zp, E);
    EXPECT_TRUE(Got == Down || Got == Up) << Where << ": got " << Got << ", want " << Down << " or " << Up;
    return 1;
  }
  EXPECT_EQ(Got, Want) << Where << " (real " << V << ")";
  return 0;
}

// ---- Model building. ----

constexpr int32_t onnxType(ElemType E) { return E == ElemType::UInt8 ? 2 : E == ElemType::Int8 ? 3 : 6; }

/// A model of default opset 13 that imports com.microsoft version 1.
OnnxBuilder contribModel() {
  OnnxBuilder B(13);
  auto *O = B.M.add_opset_import();
  O->set_domain("com.microsoft");
  O->set_version(1);
  return B;
}

void init(OnnxBuilder &B, const std::string &Name, const Tensor &T) {
  auto *P = B.M.mutable_graph()->add_initializer();
  P->set_name(Name);
  P->set_data_type(frontend::elemTypeToOnnx(T.elemType()));
  for (int64_t D : T.shape())
    P->add_dims(D);
  P->set_raw_data(std::string(T.byteVector().begin(), T.byteVector().end()));
}

Tensor scalarF(float V) { return Tensor::fromValues(ElemType::Float32, {}, std::vector<float>{V}); }
Tensor scalarQ(ElemType E, int64_t V) { return Tensor::fromValues(E, {}, std::vector<int64_t>{V}); }

/// Adds per-tensor quantization parameters NAME_s / NAME_z as initializers.
void params(OnnxBuilder &B, const std::string &Name, float S, ElemType E, int64_t Z) {
  init(B, Name + "_s", scalarF(S));
  init(B, Name + "_z", scalarQ(E, Z));
}

/// Random quantized values of type E.
Tensor randomQ(ElemType E, Shape Dims, uint32_t Seed) {
  std::mt19937 Rng(Seed);
  std::uniform_int_distribution<int> D(E == ElemType::UInt8 ? 0 : -128, E == ElemType::UInt8 ? 255 : 127);
  Tensor T(E, std::move(Dims));
  for (int64_t I = 0; I < T.numElements(); ++I)
    T.setDouble(I, D(Rng));
  return T;
}

/// Imports B, runs it on the reference interpreter (and the host JIT when built, which must agree exactly) and
/// returns the output.
Tensor importAndRun(const OnnxBuilder &B, const std::vector<Tensor> &In, const std::string &What) {
  auto G = B.import();
  EXPECT_TRUE(G.isOk()) << What << ": " << (G ? "" : G.message());
  if (!G)
    return Tensor();
  auto Out = ref::interpret(*G, In);
  EXPECT_TRUE(Out.isOk()) << What << ": " << (Out ? "" : Out.message());
  if (!Out)
    return Tensor();
#ifdef NPU_TEST_HOST
  host::HostOptions O;
  O.UseDiskCache = false;
  O.AllowFallback = false;
  O.Threads = 1;
  auto M = host::compileHostModel(*G, O);
  EXPECT_TRUE(M.isOk()) << What << " on the host: " << (M ? "" : M.message());
  if (M) {
    auto H = (*M)->run(In);
    EXPECT_TRUE(H.isOk()) << What << " on the host: " << (H ? "" : H.message());
    if (H) { // integers exact, floats within the conformance tolerance (the host sums in another order)
      EXPECT_EQ(check::compareTensors((*H)[0], (*Out)[0], check::CheckOptions{}), "") << What << " on the host";
    }
  }
#endif
  return (*Out)[0];
}

struct QP {
  float S;
  int64_t Z;
};

// ---- QLinearAdd / QLinearMul. ----

/// A (E, ADims) op B (E, BDims), zero points given or omitted.
OnnxBuilder binaryModel(const std::string &Op, ElemType E, const Shape &ADims, const Shape &BDims, QP A, QP Bp,
                        QP C, bool Zps) {
  OnnxBuilder M = contribModel();
  M.input("a", onnxType(E), ADims);
  M.input("b", onnxType(E), BDims);
  params(M, "a", A.S, E, A.Z);
  params(M, "b", Bp.S, E, Bp.Z);
  params(M, "c", C.S, E, C.Z);
  if (Zps)
    M.node(Op, {"a", "a_s", "a_z", "b", "b_s", "b_z", "c_s", "c_z"}, {"y"}, "op").set_domain("com.microsoft");
  else
    M.node(Op, {"a", "a_s", "", "b", "b_s", "", "c_s"}, {"y"}, "op").set_domain("com.microsoft");
  M.output("y");
  return M;
}

void checkBinary(const std::string &Op, ElemType E, const Shape &BDims, bool Zps) {
  const bool U8 = E == ElemType::UInt8;
  QP A{0.05f, U8 ? 128 : 3}, Bp{0.03f, U8 ? 120 : -5}, C{Op == "QLinearAdd" ? 0.07f : 0.2f, U8 ? 131 : 2};
  if (!Zps)
    A.Z = Bp.Z = C.Z = 0;
  const std::string What = Op + " " + std::string(elemTypeName(E)) + " b" + formatShape(BDims) +
                           (Zps ? "" : " without zero points");
  Tensor TA = randomQ(E, {1, 3, 4, 4}, 1), TB = randomQ(E, BDims, 2);
  Tensor Got = importAndRun(binaryModel(Op, E, {1, 3, 4, 4}, BDims, A, Bp, C, Zps), {TA, TB}, What);
  ASSERT_EQ(Got.shape(), (Shape{1, 3, 4, 4})) << What;
  ASSERT_EQ(Got.elemType(), E) << What;
  int Ties = 0;
  for (int64_t I = 0; I < 48; ++I) {
    const int64_t J = BDims[2] == 1 ? I / 16 : I; // B broadcast over H, W
    const double X = deq(TA.getInt64(I), A.S, A.Z), Y = deq(TB.getInt64(J), Bp.S, Bp.Z);
    Ties += expectQuant(Got.getInt64(I), Op == "QLinearAdd" ? X + Y : X * Y, C.S, C.Z, E,
                        What + " element " + std::to_string(I));
  }
  std::cout << What << ": 48 outputs, " << Ties << " near ties\n";
}

TEST(QdqContribOps, QLinearAddAndMul) {
  for (const char *Op : {"QLinearAdd", "QLinearMul"})
    for (ElemType E : {ElemType::UInt8, ElemType::Int8}) {
      checkBinary(Op, E, {1, 3, 4, 4}, true);
      checkBinary(Op, E, {1, 3, 1, 1}, true);
    }
  checkBinary("QLinearAdd", ElemType::Int8, {1, 3, 4, 4}, false);
  checkBinary("QLinearMul", ElemType::UInt8, {1, 3, 4, 4}, false);
}

// ---- QLinearConcat. ----

TEST(QdqContribOps, QLinearConcat) {
  for (ElemType E : {ElemType::UInt8, ElemType::Int8}) {
    const bool U8 = E == ElemType::UInt8;
    const QP Y{0.04f, U8 ? 127 : -1}, X0{0.02f, U8 ? 100 : 4}, X1{0.06f, U8 ? 140 : -7};
    OnnxBuilder M = contribModel();
    M.input("x0", onnxType(E), {1, 2, 3, 3});
    M.input("x1", onnxType(E), {1, 3, 3, 3});
    params(M, "y", Y.S, E, Y.Z);
    params(M, "x0", X0.S, E, X0.Z);
    params(M, "x1", X1.S, E, X1.Z);
    auto &N = M.node("QLinearConcat", {"y_s", "y_z", "x0", "x0_s", "x0_z", "x1", "x1_s", "x1_z"}, {"y"}, "cat");
    N.set_domain("com.microsoft");
    OnnxBuilder::attr(N, "axis", int64_t(1));
    M.output("y");
    Tensor T0 = randomQ(E, {1, 2, 3, 3}, 3), T1 = randomQ(E, {1, 3, 3, 3}, 4);
    const std::string What = "QLinearConcat " + std::string(elemTypeName(E));
    Tensor Got = importAndRun(M, {T0, T1}, What);
    ASSERT_EQ(Got.shape(), (Shape{1, 5, 3, 3})) << What;
    for (int64_t I = 0; I < 45; ++I) {
      const double V = I < 18 ? deq(T0.getInt64(I), X0.S, X0.Z) : deq(T1.getInt64(I - 18), X1.S, X1.Z);
      expectQuant(Got.getInt64(I), V, Y.S, Y.Z, E, What + " element " + std::to_string(I));
    }
  }
}

// ---- QLinearGlobalAveragePool / QLinearAveragePool. ----

/// A model of one unary contrib op (X, X_scale, X_zp, Y_scale, Y_zp) on input x of XDims.
OnnxBuilder unaryModel(const std::string &Op, ElemType E, const Shape &XDims, QP X, QP Y,
                       const std::function<void(onnx::NodeProto &)> &Attrs = {}) {
  OnnxBuilder M = contribModel();
  M.input("x", onnxType(E), XDims);
  params(M, "x", X.S, E, X.Z);
  params(M, "y", Y.S, E, Y.Z);
  auto &N = M.node(Op, {"x", "x_s", "x_z", "y_s", "y_z"}, {"y"}, "op");
  N.set_domain("com.microsoft");
  if (Attrs)
    Attrs(N);
  M.output("y");
  return M;
}

/// Average pooling of the dequantized X ([N, C, H, W] or channels last [N, H, W, C]): a window of K x K taps,
/// stride St, padding Pad on every side, padded taps not counted; quantized with Y.
void checkPool(ElemType E, bool Global, bool Last, int64_t K, int64_t St, int64_t Pad) {
  const bool U8 = E == ElemType::UInt8;
  const QP X{0.05f, U8 ? 128 : 3}, Y{0.03f, U8 ? 125 : -2};
  const int64_t C = 3, H = Global ? 4 : 6, W = Global ? 5 : 6;
  const Shape XD = Last ? Shape{1, H, W, C} : Shape{1, C, H, W};
  const std::string Op = Global ? "QLinearGlobalAveragePool" : "QLinearAveragePool";
  OnnxBuilder M = unaryModel(Op, E, XD, X, Y, [&](onnx::NodeProto &N) {
    OnnxBuilder::attr(N, "channels_last", int64_t(Last));
    if (Global)
      return;
    OnnxBuilder::attr(N, "kernel_shape", std::vector<int64_t>{K, K});
    OnnxBuilder::attr(N, "strides", std::vector<int64_t>{St, St});
    OnnxBuilder::attr(N, "pads", std::vector<int64_t>{Pad, Pad, Pad, Pad});
  });
  const std::string What = Op + " " + std::string(elemTypeName(E)) + (Last ? " channels_last" : "") +
                           (Global ? "" : " k" + std::to_string(K) + " s" + std::to_string(St) + " p" +
                                              std::to_string(Pad));
  Tensor TX = randomQ(E, XD, 5);
  Tensor Got = importAndRun(M, {TX}, What);
  if (Global)
    K = H, St = 1, Pad = 0;
  const int64_t OH = (H + 2 * Pad - K) / St + 1, OW = (W + 2 * Pad - (Global ? W : K)) / St + 1;
  const int64_t KW = Global ? W : K;
  const Shape Want = Last ? Shape{1, OH, OW, C} : Shape{1, C, OH, OW};
  ASSERT_EQ(Got.shape(), Want) << What;
  auto At = [&](const Tensor &T, int64_t Ch, int64_t R, int64_t Col, int64_t Rows, int64_t Cols) {
    return T.getInt64(Last ? (R * Cols + Col) * C + Ch : (Ch * Rows + R) * Cols + Col);
  };
  for (int64_t Ch = 0; Ch < C; ++Ch)
    for (int64_t R = 0; R < OH; ++R)
      for (int64_t Col = 0; Col < OW; ++Col) {
        double Sum = 0;
        int Count = 0;
        for (int64_t I = R * St - Pad; I < R * St - Pad + K; ++I)
          for (int64_t J = Col * St - Pad; J < Col * St - Pad + KW; ++J)
            if (I >= 0 && I < H && J >= 0 && J < W) {
              Sum += deq(At(TX, Ch, I, J, H, W), X.S, X.Z);
              ++Count;
            }
        expectQuant(At(Got, Ch, R, Col, OH, OW), Sum / Count, Y.S, Y.Z, E,
                    What + " at " + std::to_string(Ch) + "," + std::to_string(R) + "," + std::to_string(Col));
      }
}

TEST(QdqContribOps, QLinearGlobalAveragePool) {
  for (ElemType E : {ElemType::UInt8, ElemType::Int8})
    for (bool Last : {false, true})
      checkPool(E, true, Last, 0, 0, 0);
}

TEST(QdqContribOps, QLinearAveragePool) {
  for (ElemType E : {ElemType::UInt8, ElemType::Int8})
    for (bool Last : {false, true}) {
      checkPool(E, false, Last, 2, 2, 0);
      checkPool(E, false, Last, 3, 2, 1);
    }
}

// ---- QLinearLeakyRelu / QLinearSigmoid. ----

void checkElementwise(const std::string &Op, ElemType E) {
  const bool U8 = E == ElemType::UInt8;
  const bool Sigmoid = Op == "QLinearSigmoid";
  const QP X{0.04f, U8 ? 128 : 0}, Y{Sigmoid ? 1.0f / 256 : 0.03f, Sigmoid ? (U8 ? 0 : -128) : (U8 ? 100 : 5)};
  const float Alpha = 0.1f;
  OnnxBuilder M = unaryModel(Op, E, {2, 3, 4}, X, Y, [&](onnx::NodeProto &N) {
    if (!Sigmoid)
      OnnxBuilder::attr(N, "alpha", Alpha);
  });
  const std::string What = Op + " " + std::string(elemTypeName(E));
  Tensor TX = randomQ(E, {2, 3, 4}, 6);
  Tensor Got = importAndRun(M, {TX}, What);
  ASSERT_EQ(Got.shape(), (Shape{2, 3, 4})) << What;
  for (int64_t I = 0; I < 24; ++I) {
    const double V = deq(TX.getInt64(I), X.S, X.Z);
    const double R = Sigmoid ? 1 / (1 + std::exp(-V)) : (V < 0 ? double(Alpha) * V : V);
    expectQuant(Got.getInt64(I), R, Y.S, Y.Z, E, What + " element " + std::to_string(I));
  }
}

TEST(QdqContribOps, QLinearLeakyReluAndSigmoid) {
  for (const char *Op : {"QLinearLeakyRelu", "QLinearSigmoid"})
    for (ElemType E : {ElemType::UInt8, ElemType::Int8})
      checkElementwise(Op, E);
}

// ---- QGemm. ----

/// QGemm of A (E, [3, 5]) by constant int8 B ([5, 4], or [4, 5] with TransB) with a per-column b_scale, an
/// int32 bias at a_scale * b_scale[n], and y_scale / y_zero_point when Quantized (else a float output).
struct GemmCase {
  ElemType E;
  bool TransB, Quantized, Bias;
};

OnnxBuilder gemmModel(const GemmCase &K, const QP &A, const Tensor &B, const std::vector<float> &BS,
                      const Tensor &Bias, const QP &Y) {
  OnnxBuilder M = contribModel();
  M.input("a", onnxType(K.E), {3, 5});
  params(M, "a", A.S, K.E, A.Z);
  init(M, "b", B);
  init(M, "b_s", Tensor::fromValues(ElemType::Float32, {4}, BS));
  init(M, "b_z", Tensor(ElemType::Int8, {4}));
  init(M, "c", Bias);
  params(M, "y", Y.S, K.E, Y.Z);
  std::vector<std::string> Ins = {"a", "a_s", "a_z", "b", "b_s", "b_z", K.Bias ? "c" : ""};
  if (K.Quantized)
    Ins.insert(Ins.end(), {"y_s", "y_z"});
  while (Ins.back().empty())
    Ins.pop_back();
  auto &N = M.node("QGemm", Ins, {"y"}, "gemm");
  N.set_domain("com.microsoft");
  OnnxBuilder::attr(N, "transB", int64_t(K.TransB));
  M.output("y");
  return M;
}

void checkGemm(const GemmCase &K) {
  const bool U8 = K.E == ElemType::UInt8;
  const QP A{0.02f, U8 ? 130 : -3}, Y{0.05f, U8 ? 120 : 4};
  const std::vector<float> BS = {0.01f, 0.02f, 0.005f, 0.015f};
  Tensor B = qtest::randomInt8(K.TransB ? Shape{4, 5} : Shape{5, 4}, 7, -127, 127);
  Tensor Bias(ElemType::Int32, {4});
  for (int64_t N = 0; N < 4; ++N)
    Bias.setDouble(N, double(N * 700 - 1000));
  const std::string What = std::string("QGemm ") + std::string(elemTypeName(K.E)) + (K.TransB ? " transB" : "") +
                           (K.Quantized ? "" : " float output") + (K.Bias ? "" : " no bias");
  Tensor TA = randomQ(K.E, {3, 5}, 8);
  Tensor Got = importAndRun(gemmModel(K, A, B, BS, Bias, Y), {TA}, What);
  ASSERT_EQ(Got.shape(), (Shape{3, 4})) << What;
  ASSERT_EQ(Got.elemType(), K.Quantized ? K.E : ElemType::Float32) << What;
  for (int64_t M = 0; M < 3; ++M)
    for (int64_t N = 0; N < 4; ++N) {
      int64_t Acc = K.Bias ? Bias.getInt64(N) : 0; // C is quantized at a_scale * b_scale[n], zero point 0
      for (int64_t I = 0; I < 5; ++I)
        Acc += (TA.getInt64(M * 5 + I) - A.Z) * B.getInt64(K.TransB ? N * 5 + I : I * 4 + N);
      const double V = double(Acc) * double(A.S) * double(BS[size_t(N)]);
      const std::string Where = What + " at " + std::to_string(M) + "," + std::to_string(N);
      if (K.Quantized)
        expectQuant(Got.getInt64(M * 4 + N), V, Y.S, Y.Z, K.E, Where);
      else
        EXPECT_NEAR(Got.getDouble(M * 4 + N), V, 1e-5 * std::max(1.0, std::fabs(V))) << Where;
    }
}

TEST(QdqContribOps, QGemm) {
  for (ElemType E : {ElemType::UInt8, ElemType::Int8})
    for (bool TransB : {false, true})
      for (bool Quantized : {true, false})
        checkGemm({E, TransB, Quantized, true});
  checkGemm({ElemType::Int8, false, true, false});
}

// ---- What the quantize pass makes of them. ----

/// Runs the quantize pass on M's imported graph: NpuOp must appear Count times, and the int8 graph must compute
/// the contrib operator's results (M's graph on the interpreter, checked above) up to one step (ties, float sums).
void checkQuantized(const OnnxBuilder &M, const std::vector<Tensor> &In, const std::string &NpuOp, int Count,
                    const std::string &What) {
  auto G = M.import();
  ASSERT_TRUE(G.isOk()) << What << ": " << G.message();
  Graph Q = *G;
  Status S = qtest::runPasses(Q, {"quantize"}, passes::PassOptions{});
  ASSERT_TRUE(S.isOk()) << What << ": " << S.message();
  EXPECT_EQ(qtest::countOps(Q, NpuOp), Count) << What << "\n" << printGraph(Q);
  auto Want = ref::interpret(*G, In), Got = ref::interpret(Q, In);
  ASSERT_TRUE(Want.isOk() && Got.isOk()) << What << ": " << (Got ? "" : Got.message());
  ASSERT_EQ((*Got)[0].shape(), (*Want)[0].shape()) << What;
  ASSERT_EQ((*Got)[0].elemType(), (*Want)[0].elemType()) << What;
  int Off = 0;
  for (int64_t I = 0; I < (*Want)[0].numElements(); ++I) {
    const int64_t D = std::abs((*Got)[0].getInt64(I) - (*Want)[0].getInt64(I));
    EXPECT_LE(D, 1) << What << " element " << I;
    Off += D != 0;
  }
  std::cout << What << ": " << NpuOp << " x" << qtest::countOps(Q, NpuOp) << ", " << Off << " of "
            << (*Want)[0].numElements() << " outputs one step from the float definition\n";
}

OnnxBuilder poolModel(ElemType E, const Shape &XD, QP X, QP Y) {
  return unaryModel("QLinearAveragePool", E, XD, X, Y, [](onnx::NodeProto &N) {
    OnnxBuilder::attr(N, "kernel_shape", std::vector<int64_t>{2, 2});
    OnnxBuilder::attr(N, "strides", std::vector<int64_t>{2, 2});
  });
}

TEST(QdqContribOps, QuantizePassPutsTheSupportedOnesOnTheNpu) {
  for (ElemType E : {ElemType::Int8, ElemType::UInt8}) {
    const bool U8 = E == ElemType::UInt8;
    const std::string T(elemTypeName(E));
    const QP A{0.05f, U8 ? 128 : 3}, B{0.04f, U8 ? 120 : -5}, C{0.06f, U8 ? 130 : 2};
    const Shape D = {1, 3, 4, 4};
    const std::vector<Tensor> Two = {randomQ(E, D, 21), randomQ(E, D, 22)}, One = {randomQ(E, D, 23)};
    checkQuantized(binaryModel("QLinearAdd", E, D, D, A, B, C, true), Two, "npu.QAdd", 1, "QLinearAdd " + T);
    checkQuantized(binaryModel("QLinearMul", E, D, D, A, B, {0.2f, C.Z}, true), Two, "npu.QMul", 1,
                   "QLinearMul " + T);
    checkQuantized(unaryModel("QLinearLeakyRelu", E, D, A, C,
                              [](onnx::NodeProto &N) { OnnxBuilder::attr(N, "alpha", 0.1f); }),
                   One, "npu.QLeakyRelu", 1, "QLinearLeakyRelu " + T);
    checkQuantized(unaryModel("QLinearGlobalAveragePool", E, D, A, C), One, "npu.QGlobalAvgPool", 1,
                   "QLinearGlobalAveragePool " + T);
    checkQuantized(poolModel(E, D, A, C), One, "npu.QAvgPool", 1, "QLinearAveragePool " + T);
    // channels_last: int8 Transposes around the same pattern.
    checkQuantized(unaryModel("QLinearGlobalAveragePool", E, {1, 4, 4, 3}, A, C,
                              [](onnx::NodeProto &N) { OnnxBuilder::attr(N, "channels_last", int64_t(1)); }),
                   {randomQ(E, {1, 4, 4, 3}, 25)}, "npu.QGlobalAvgPool", 1,
                   "QLinearGlobalAveragePool channels_last " + T);
    Tensor W = qtest::randomInt8({5, 4}, 7, -127, 127), Bias(ElemType::Int32, {4});
    checkQuantized(gemmModel({E, false, true, true}, A, W, {0.01f, 0.02f, 0.005f, 0.015f}, Bias, C),
                   {randomQ(E, {3, 5}, 24)}, "npu.QMatMul", 1, "QGemm " + T);
    // Sigmoid between DequantizeLinear and QuantizeLinear becomes a lookup table with the model's own scales
    // (the NPU's alu.lut), within one step of the contrib operator's results.
    checkQuantized(unaryModel("QLinearSigmoid", E, D, A, {1.0f / 256, U8 ? 0 : -128}), One, "npu.QLut", 1,
                   "QLinearSigmoid " + T);
  }
}

// ---- On the NPU: func simulator == reference interpreter on the same int8 graph. ----

/// Imports M, quantizes it, blocks and compiles it for configs/default.yaml, runs it on the func simulator and
/// compares with the interpreter's run of the quantized graph bit for bit; NpuOp must run on the NPU.
void checkOnNpu(const OnnxBuilder &M, const std::vector<Tensor> &In, const std::string &NpuOp) {
  auto G = M.import();
  ASSERT_TRUE(G.isOk()) << G.message();
  HardwareConfig C = test::loadConfig("default");
  passes::PassOptions Opts;
  Opts.Config = &C;
  ASSERT_TRUE(qtest::runPasses(*G, {"quantize"}, Opts).isOk());
  ASSERT_EQ(qtest::countOps(*G, NpuOp), 1) << printGraph(*G);
  auto Want = ref::interpret(*G, In);
  ASSERT_TRUE(Want.isOk()) << Want.message();
  Graph L = *G;
  ASSERT_TRUE(qtest::runPasses(L, {"layout"}, Opts).isOk());
  backend::CompileResult R;
  auto Got = test::compileAndRun(L, C, In, &R);
  ASSERT_TRUE(Got.isOk()) << NpuOp << ": " << Got.message();
  int OnNpu = 0;
  for (const backend::NodePlacement &P : R.Placements)
    if (P.OpType == NpuOp) {
      EXPECT_TRUE(P.Npu) << P.Node << " stayed on the host: " << P.Reason;
      OnNpu += P.Npu;
    }
  EXPECT_EQ(OnNpu, 1) << NpuOp;
  ASSERT_EQ(Got->size(), 1u);
  EXPECT_EQ((*Got)[0].byteVector(), (*Want)[0].byteVector()) << NpuOp;
}

TEST(QdqContribOps, OnTheNpuBitExact) {
  const Shape D = {1, 16, 6, 6};
  const QP A{0.05f, 3}, B{0.03f, -5}, C{0.07f, 2};
  const std::vector<Tensor> Two = {randomQ(ElemType::Int8, D, 11), randomQ(ElemType::Int8, D, 12)};
  checkOnNpu(binaryModel("QLinearAdd", ElemType::Int8, D, D, A, B, C, true), Two, "npu.QAdd");
  checkOnNpu(binaryModel("QLinearMul", ElemType::Int8, D, D, A, B, {0.2f, 2}, true), Two, "npu.QMul");
  checkOnNpu(unaryModel("QLinearLeakyRelu", ElemType::Int8, D, A, C,
                        [](onnx::NodeProto &N) { OnnxBuilder::attr(N, "alpha", 0.1f); }),
             {Two[0]}, "npu.QLeakyRelu");
  checkOnNpu(unaryModel("QLinearGlobalAveragePool", ElemType::Int8, D, A, C), {Two[0]}, "npu.QGlobalAvgPool");
}

// ---- Errors. ----

TEST(QdqContribOps, ErrorsNameTheNode) {
  OnnxBuilder M = contribModel();
  M.input("x", test::OnnxFloat, {1, 4});
  M.node("FusedGemm", {"x"}, {"y"}, "fused").set_domain("com.microsoft");
  M.output("y");
  auto G = M.import();
  ASSERT_FALSE(G.isOk());
  EXPECT_NE(G.message().find("node 'fused'"), std::string::npos) << G.message();
  EXPECT_NE(G.message().find("unsupported operator 'com.microsoft.FusedGemm'"), std::string::npos) << G.message();

  OnnxBuilder A = contribModel();
  A.input("a", onnxType(ElemType::Int8), {2, 2});
  params(A, "a", 0.1f, ElemType::Int8, 0);
  A.node("QLinearAdd", {"a", "a_s", "a_z", "a", "a_s", "a_z"}, {"y"}, "my_add").set_domain("com.microsoft");
  A.output("y");
  auto GA = A.import();
  ASSERT_FALSE(GA.isOk());
  EXPECT_NE(GA.message().find("node 'my_add'"), std::string::npos) << GA.message();
  EXPECT_NE(GA.message().find("QLinearAdd needs 7 to 8 inputs, got 6"), std::string::npos) << GA.message();

  // A required input named "" (B omitted) and a bad channels_last.
  const QP One{0.1f, 0};
  OnnxBuilder B = binaryModel("QLinearMul", ElemType::Int8, {1, 3, 4, 4}, {1, 3, 4, 4}, One, One, One, true);
  B.M.mutable_graph()->mutable_node(0)->set_input(3, "");
  auto GB = B.import();
  ASSERT_FALSE(GB.isOk());
  EXPECT_NE(GB.message().find("node 'op'"), std::string::npos) << GB.message();
  EXPECT_NE(GB.message().find("needs input 3 (B)"), std::string::npos) << GB.message();
  OnnxBuilder P = unaryModel("QLinearGlobalAveragePool", ElemType::Int8, {1, 3, 4, 4}, {0.1f, 0}, {0.1f, 0},
                             [](onnx::NodeProto &N) { OnnxBuilder::attr(N, "channels_last", int64_t(2)); });
  auto GP = P.import();
  ASSERT_FALSE(GP.isOk());
  EXPECT_NE(GP.message().find("unsupported channels_last=2"), std::string::npos) << GP.message();
}

} // namespace
