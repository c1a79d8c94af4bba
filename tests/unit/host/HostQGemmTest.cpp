// The host path's int8 GEMM (npu.QConv / npu.QMatMul on vpdpbusd or its portable form) against the reference
// interpreter's kernels, bit for bit: padding with a nonzero input zero point, strides, dilations, groups,
// channel counts that fill no vector, per-channel multipliers, activation bounds, int32 results; and a QLinearConv
// model through the host pipeline (import-quantized) on them, against ONNX's float-defined QLinearConv.
#include "HostTestUtil.h"

#include "npu/compiler/passes/PassManager.h"

using namespace npu;
using namespace npu::test;
using ir::ElemType;

namespace {

/// The CPUs the int8 kernels are generated for: this machine (vpdpbusd where it has VNNI), AVX-512 without
/// VNNI and AVX2 (the portable widening multiply-add at 16 and 8 lanes). Only the ones this machine runs.
std::vector<host::HostOptions> cpuVariants() {
  std::vector<host::HostOptions> Out = {testOptions()};
  host::HostOptions Avx512 = testOptions();
  Avx512.Cpu = "skylake-avx512";
  Avx512.Features = "+avx512f,+avx512bw,+avx512vl,+avx512dq,+avx512cd,+avx2,+avx,+fma,+f16c,+bmi,+bmi2";
  host::HostOptions Avx2 = testOptions();
  Avx2.Cpu = "haswell";
  Avx2.Features = "+avx2,+avx,+fma,+f16c,+bmi,+bmi2";
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    Out.push_back(Avx512);
  if (__builtin_cpu_supports("avx2"))
    Out.push_back(Avx2);
  return Out;
}

/// Compiles G (no fallback allowed: every node in generated code) for each CPU variant and compares with the
/// reference interpreter.
void checkAllCpus(const ir::Graph &G, const std::vector<ir::Tensor> &Feeds) {
  for (const host::HostOptions &O : cpuVariants()) {
    SCOPED_TRACE("cpu " + (O.Cpu.empty() ? std::string("host") : O.Cpu));
    expectMatchesReference(G, Feeds, O);
  }
}

std::vector<int64_t> randomInts(size_t N, int64_t Lo, int64_t Hi, uint32_t Seed) {
  std::mt19937 Rng(Seed);
  std::uniform_int_distribution<int64_t> D(Lo, Hi);
  std::vector<int64_t> V(N);
  for (int64_t &X : V)
    X = D(Rng);
  return V;
}

ir::Tensor int32Tensor(const std::vector<int64_t> &V) {
  ir::Tensor T(ElemType::Int32, {int64_t(V.size())});
  for (size_t I = 0; I < V.size(); ++I)
    T.data<int32_t>()[I] = int32_t(V[I]);
  return T;
}

struct ConvCase {
  ir::Shape X, W;
  std::vector<int64_t> Strides, Pads, Dilations;
  int64_t Group, XZp;
  bool Requant; ///< false: the int32 accumulator (ConvInteger's form)
};

void checkQConv(const ConvCase &Cc, uint32_t Seed) {
  SCOPED_TRACE("x " + ir::formatShape(Cc.X) + " w " + ir::formatShape(Cc.W));
  const int64_t O = Cc.W[0];
  std::vector<ir::Attribute> A = {attr("kernel_shape", std::vector<int64_t>{Cc.W[2], Cc.W[3]}),
                                  attr("strides", Cc.Strides), attr("pads", Cc.Pads),
                                  attr("dilations", Cc.Dilations), attr("group", Cc.Group),
                                  attr("x_zero_point", Cc.XZp)};
  if (Cc.Requant) {
    A.push_back(attr("multiplier", randomInts(size_t(O), 2000, 9000, Seed + 1)));
    A.push_back(attr("shift", int64_t(24)));
    A.push_back(attr("y_zero_point", int64_t(5)));
    A.push_back(attr("act_min", int64_t(-100)));
    A.push_back(attr("act_max", int64_t(120)));
  }
  std::vector<ir::Tensor> Feeds;
  ir::Graph G = oneNode("npu.QConv",
                        {in(randomTensor(ElemType::Int8, Cc.X, Seed, -128, 127)),
                         cst(randomTensor(ElemType::Int8, Cc.W, Seed + 2, -128, 127)),
                         cst(int32Tensor(randomInts(size_t(O), -60000, 60000, Seed + 3)))},
                        A, 1, Feeds);
  checkAllCpus(G, Feeds);
}

TEST(HostQGemm, QConvMatchesReference) {
  // 3x3 same padding with x_zp != 0 (the border holds the zero point), channels that fill no vector.
  checkQConv({{1, 19, 9, 9}, {37, 19, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, -3, true}, 10);
  // 1x1 stride 2 (ResNet's downsampling) to int32.
  checkQConv({{1, 32, 14, 14}, {64, 32, 1, 1}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, 0, false}, 20);
  // Groups, a 3x2 kernel with dilation 2, uneven pads and strides, two images.
  checkQConv({{2, 16, 7, 11}, {24, 8, 3, 2}, {1, 2}, {1, 0, 2, 1}, {2, 2}, 2, 7, true}, 30);
  // Few output rows: each row split into column chunks; the last block of a chunk overlaps the one before.
  checkQConv({{1, 64, 3, 40}, {48, 64, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, 0, true}, 40);
  // A plain 1x1 convolution (run as one long row of positions).
  checkQConv({{1, 24, 6, 9}, {40, 24, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, 5, true}, 45);
  // Output rows narrower than a register block; 7x7 stride 2 stem.
  checkQConv({{1, 4, 15, 15}, {16, 4, 7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}, 1, -128, true}, 50);
}

void checkQMatMul(ir::Shape X, int64_t K, int64_t N, int64_t XZp, bool Requant, uint32_t Seed) {
  SCOPED_TRACE("x " + ir::formatShape(X) + " w [" + std::to_string(K) + ", " + std::to_string(N) + "]");
  std::vector<ir::Attribute> A = {attr("x_zero_point", XZp)};
  if (Requant) {
    A.push_back(attr("multiplier", randomInts(size_t(N), 4000, 20000, Seed + 1)));
    A.push_back(attr("shift", int64_t(24)));
    A.push_back(attr("y_zero_point", int64_t(-2)));
  }
  std::vector<ir::Tensor> Feeds;
  ir::Graph G = oneNode("npu.QMatMul",
                        {in(randomTensor(ElemType::Int8, X, Seed, -128, 127)),
                         cst(randomTensor(ElemType::Int8, {K, N}, Seed + 2, -128, 127)),
                         cst(int32Tensor(randomInts(size_t(N), -60000, 60000, Seed + 3)))},
                        A, 1, Feeds);
  checkAllCpus(G, Feeds);
}

TEST(HostQGemm, QMatMulMatchesReference) {
  checkQMatMul({3, 50, 70}, 70, 45, -9, true, 60);
  checkQMatMul({7, 20}, 20, 33, 0, false, 70);
  checkQMatMul({1, 256}, 256, 10, 4, true, 80); // one row (a classifier head)
  checkQMatMul({5, 64}, 64, 32, 3, true, 85);    // whole channel blocks: one vector store per row
}

template <typename T> ir::Tensor scalar(ElemType E, T V) {
  ir::Tensor S(E, {});
  S.data<T>()[0] = V;
  return S;
}

TEST(HostQGemm, QLinearConvModelRunsOnInt8KernelsThroughHostPipeline) {
  // QuantizeLinear -> QLinearConv (uint8 activations, int8 per-channel weights) -> DequantizeLinear.
  ir::Graph G;
  G.Name = "qlinearconv";
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Float32, {1, 8, 10, 10}));
  ir::ValueId S = G.addConstant("s", scalar<float>(ElemType::Float32, 0.02f));
  ir::ValueId Z = G.addConstant("z", scalar<uint8_t>(ElemType::UInt8, 128));
  ir::ValueId YS = G.addConstant("ys", scalar<float>(ElemType::Float32, 0.05f));
  ir::ValueId YZ = G.addConstant("yz", scalar<uint8_t>(ElemType::UInt8, 120));
  ir::ValueId W = G.addConstant("w", randomTensor(ElemType::Int8, {16, 8, 3, 3}, 90, -127, 127));
  ir::ValueId WS = G.addConstant("ws", randomTensor(ElemType::Float32, {16}, 91, 0.002, 0.004));
  ir::ValueId WZ = G.addConstant("wz", ir::Tensor(ElemType::Int8, {16}));
  ir::ValueId B = G.addConstant("b", int32Tensor(randomInts(16, -3000, 3000, 92)));
  ir::ValueId Q = G.addValue("q", ir::TensorType(ElemType::UInt8, {1, 8, 10, 10}));
  ir::ValueId Y = G.addValue("y", ir::TensorType(ElemType::UInt8, {1, 16, 10, 10}));
  ir::ValueId Out = G.addValue("out", ir::TensorType(ElemType::Float32, {1, 16, 10, 10}));
  G.addNode("QuantizeLinear", {X, S, Z}, {Q}, "quant");
  ir::Node &C = G.addNode("QLinearConv", {Q, S, Z, W, WS, WZ, YS, YZ, B}, {Y}, "conv");
  C.Attrs = {attr("kernel_shape", std::vector<int64_t>{3, 3}), attr("pads", std::vector<int64_t>{1, 1, 1, 1})};
  G.addNode("DequantizeLinear", {Y, YS, YZ}, {Out}, "dequant");
  G.Outputs = {Out};
  const std::vector<ir::Tensor> Feeds = {randomTensor(ElemType::Float32, {1, 8, 10, 10}, 93, -2.5, 2.5)};
  auto Onnx = ref::interpret(G, Feeds); // ONNX's definition: float requantization
  ASSERT_TRUE(Onnx.isOk()) << Onnx.message();

  ir::Graph H = G;
  ASSERT_TRUE(passes::runPipeline(H, passes::defaultPipeline("host"), {}, {}).isOk());
  int QConvs = 0, QLinear = 0;
  for (const ir::Node &N : H.nodes())
    QConvs += N.OpType == "npu.QConv", QLinear += N.OpType == "QLinearConv";
  EXPECT_EQ(QConvs, 1);
  EXPECT_EQ(QLinear, 0);
  host::HostOptions O = testOptions(); // no fallback: the converted graph runs in generated code only
  auto M = host::compileHostModel(H, O);
  ASSERT_TRUE(M.isOk()) << M.message();
  auto Got = (*M)->run(Feeds);
  ASSERT_TRUE(Got.isOk()) << Got.message();
  // Bit-exact with the reference interpreter on the converted graph, and within one output step (0.05) of
  // ONNX's float definition (docs/quantization.md: ties and float sums).
  expectMatchesReference(H, Feeds, O);
  const float *Gd = (*Got)[0].data<float>(), *Od = (*Onnx)[0].data<float>();
  int64_t Differ = 0;
  for (int64_t I = 0; I < (*Got)[0].numElements(); ++I) {
    ASSERT_LE(std::fabs(Gd[I] - Od[I]), 0.05f + 1e-6f) << "element " << I;
    Differ += Gd[I] != Od[I];
  }
  EXPECT_LT(Differ, (*Got)[0].numElements() / 20) << "more than 5% of the outputs one step off";
}

} // namespace
