// npu.QMul end to end: float graphs with Mul (activation x activation, x a scalar constant, x a per-channel
// constant) are quantized, blocked and compiled on every config, and the func-sim run must equal the
// reference interpreter's run of the quantized graph bit for bit with npu.QMul on the NPU; int8 graphs with
// nonzero zero points do the same; the reference kernel is checked against integer arithmetic written here.
#include "NpuTestUtil.h"

#include "npu/backend/Schedule.h"

#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"

#include <filesystem>
#include <random>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;

ir::Tensor randomTensor(ElemType T, const Shape &Dims, std::mt19937 &Rng, double Lo, double Hi) {
  ir::Tensor R(T, Dims);
  std::uniform_real_distribution<double> D(Lo, Hi);
  for (int64_t I = 0; I < R.numElements(); ++I)
    R.setDouble(I, T == ElemType::Float32 ? D(Rng) : double(int64_t(std::floor(D(Rng)))));
  return R;
}

/// round_half_up(Acc * M / 2^S) + Zp, saturated to int8, then clamped: docs/quantization.md, written with
/// a floor division on 128-bit integers.
int64_t plainRequant(int64_t Acc, int64_t M, int S, int64_t Zp, int64_t Lo, int64_t Hi) {
  const __int128 P = __int128(Acc) * M, Den = __int128(1) << S;
  const __int128 Num = P + Den / 2;
  __int128 Q = Num / Den;
  if (Num % Den != 0 && Num < 0)
    --Q;
  return std::clamp(std::clamp(int64_t(Q) + Zp, int64_t(-128), int64_t(127)), Lo, Hi);
}

ir::Node &qmul(ir::Graph &G, ir::ValueId A, ir::ValueId B, ir::ValueId Y, int64_t Za, int64_t Zb) {
  ir::Node &N = G.addNode("npu.QMul", {A, B}, {Y}, "mul");
  N.setAttr("multiplier", int64_t(1234567891));
  N.setAttr("shift", int64_t(38));
  N.setAttr("a_zero_point", Za);
  N.setAttr("b_zero_point", Zb);
  N.setAttr("y_zero_point", int64_t(-3));
  N.setAttr("act_min", int64_t(-100));
  N.setAttr("act_max", int64_t(120));
  return N;
}

TEST(NpuMul, ReferenceKernelMatchesPlainArithmetic) {
  // [2, 3, 4] x [3, 1] broadcast, nonzero zero points, a narrower activation range.
  std::mt19937 Rng(42);
  ir::Graph G;
  ir::ValueId A = G.addInput("a", ir::TensorType(ElemType::Int8, {2, 3, 4}));
  ir::ValueId B = G.addInput("b", ir::TensorType(ElemType::Int8, {3, 1}));
  ir::ValueId Y = G.addValue("y", std::nullopt);
  qmul(G, A, B, Y, 5, -7);
  G.Outputs = {Y};
  passes::PassOptions Opts;
  passes::PipelineOptions Pipe;
  ASSERT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk());
  ir::Tensor TA = randomTensor(ElemType::Int8, {2, 3, 4}, Rng, -128, 128);
  ir::Tensor TB = randomTensor(ElemType::Int8, {3, 1}, Rng, -128, 128);
  TA.data<int8_t>()[0] = -128, TB.data<int8_t>()[0] = -128; // the largest product
  auto Got = ref::interpret(G, {TA, TB});
  ASSERT_TRUE(Got.isOk()) << Got.message();
  ASSERT_EQ((*Got)[0].shape(), (Shape{2, 3, 4}));
  for (int64_t N = 0; N < 2; ++N)
    for (int64_t C = 0; C < 3; ++C)
      for (int64_t W = 0; W < 4; ++W) {
        const int64_t P =
            (int64_t(TA.data<int8_t>()[(N * 3 + C) * 4 + W]) - 5) * (int64_t(TB.data<int8_t>()[C]) + 7);
        EXPECT_EQ(int64_t((*Got)[0].data<int8_t>()[(N * 3 + C) * 4 + W]),
                  plainRequant(P, 1234567891, 38, -3, -100, 120))
            << N << "," << C << "," << W;
      }
}

/// Blocks and compiles G for every config, runs it on the func sim and compares with the interpreter's run of
/// G; npu.QMul must run on the NPU.
void checkOnNpu(const ir::Graph &G, const std::vector<ir::Tensor> &Inputs, const std::string &What) {
  auto Expected = ref::interpret(G, Inputs);
  ASSERT_TRUE(Expected.isOk()) << What << ": " << Expected.message();
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    ir::Graph L = G;
    passes::PassOptions Opts;
    Opts.Config = &C;
    passes::PipelineOptions Pipe;
    Status S = passes::runPipeline(L, {"layout"}, Opts, Pipe);
    ASSERT_TRUE(S.isOk()) << What << ": " << S.message();
    backend::CompileResult R;
    auto Got = compileAndRun(L, C, Inputs, &R);
    ASSERT_TRUE(Got.isOk()) << What << " on " << Name << ": " << Got.message();
    size_t Muls = 0;
    for (const backend::NodePlacement &P : R.Placements)
      if (P.OpType == "npu.QMul") {
        ++Muls;
        EXPECT_TRUE(P.Npu) << What << " on " << Name << ": " << P.Node << " stayed on the host: " << P.Reason;
      }
    EXPECT_GT(Muls, 0u) << What << " on " << Name;
    ASSERT_EQ(Got->size(), Expected->size());
    for (size_t K = 0; K < Got->size(); ++K)
      EXPECT_EQ((*Got)[K].byteVector(), (*Expected)[K].byteVector()) << What << " on " << Name;
    // The func sim runs in order; the token check shows the queues would not race on the timed model.
    for (const backend::ArtifactSegment &Seg : R.Artifact.Segments)
      if (Seg.K == backend::ArtifactSegment::Npu) {
        auto T = backend::checkProgramTokens(Seg.Program);
        EXPECT_TRUE(T.isOk()) << What << " on " << Name << ": " << T.message();
      }
  }
}

TEST(NpuMul, Int8WithZeroPoints) {
  std::mt19937 Rng(7);
  for (const Shape &D : std::vector<Shape>{{1, 20, 5, 5}, {2, 5, 3, 4}, {1, 64, 16, 16}}) {
    ir::Graph G;
    ir::ValueId A = G.addInput("a", ir::TensorType(ElemType::Int8, D));
    ir::ValueId B = G.addInput("b", ir::TensorType(ElemType::Int8, D));
    ir::ValueId Y = G.addValue("y", std::nullopt);
    qmul(G, A, B, Y, -4, 9);
    G.Outputs = {Y};
    passes::PassOptions Opts;
    passes::PipelineOptions Pipe;
    ASSERT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk());
    checkOnNpu(
        G, {randomTensor(ElemType::Int8, D, Rng, -128, 128), randomTensor(ElemType::Int8, D, Rng, -128, 128)},
        "int8 mul " + ir::formatShape(D));
  }
}

TEST(NpuMul, Int8TimesConstantWithZeroPoint) {
  // A scalar (one value after blocking when C fills the blocks: an ALU immediate) and a per-channel constant
  // (int32 rows of b - zb), both with a nonzero zero point, as the first or the second operand.
  std::mt19937 Rng(8);
  for (const Shape &K : std::vector<Shape>{{}, {32, 1, 1}, {1, 32, 1, 1}}) {
    for (bool ConstFirst : {false, true}) {
      const Shape D = {1, 32, 24, 24};
      ir::Graph G;
      ir::ValueId A = G.addInput("a", ir::TensorType(ElemType::Int8, D));
      ir::ValueId B = G.addConstant("k", randomTensor(ElemType::Int8, K, Rng, -128, 128));
      ir::ValueId Y = G.addValue("y", std::nullopt);
      if (ConstFirst)
        qmul(G, B, A, Y, 9, -4);
      else
        qmul(G, A, B, Y, -4, 9);
      G.Outputs = {Y};
      passes::PassOptions Opts;
      passes::PipelineOptions Pipe;
      ASSERT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk());
      checkOnNpu(G, {randomTensor(ElemType::Int8, D, Rng, -128, 128)},
                 "int8 mul by constant " + ir::formatShape(K) + (ConstFirst ? " (first)" : ""));
    }
  }
}

/// A float graph: Mul(x, Other) where Other is a second input (KDims empty) or a constant of KDims.
void checkFloat(const Shape &XDims, std::optional<Shape> KDims, unsigned Seed, const std::string &What) {
  std::mt19937 Rng(Seed);
  ir::Graph G;
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Float32, XDims));
  ir::ValueId O = KDims ? G.addConstant("k", randomTensor(ElemType::Float32, *KDims, Rng, -2, 2))
                        : G.addInput("x2", ir::TensorType(ElemType::Float32, XDims));
  ir::ValueId Y = G.addValue("y", std::nullopt);
  G.addNode("Mul", {X, O}, {Y}, "mul");
  G.Outputs = {Y};
  std::vector<ir::Tensor> In = {randomTensor(ElemType::Float32, XDims, Rng, -1, 1)};
  if (!KDims)
    In.push_back(randomTensor(ElemType::Float32, XDims, Rng, -3, 3));
  // Calibration on the test inputs themselves.
  const auto Dir = std::filesystem::path(::testing::TempDir()) / ("npu_mul_" + std::to_string(Seed));
  std::filesystem::create_directories(Dir);
  for (size_t K = 0; K < In.size(); ++K)
    ASSERT_TRUE(frontend::writeTensorProtoFile((Dir / ("input_" + std::to_string(K) + ".pb")).string(),
                                               G.value(G.Inputs[K]).Name, In[K])
                    .isOk());
  HardwareConfig Default = loadConfig("default");
  passes::PassOptions Opts;
  Opts.Config = &Default;
  Opts.CalibDirs = {Dir.string()};
  passes::PipelineOptions Pipe;
  Pipe.StopAfter = "quantize";
  Status S = passes::runPipeline(G, passes::defaultPipeline("npu"), Opts, Pipe);
  ASSERT_TRUE(S.isOk()) << What << ": " << S.message();
  ASSERT_TRUE(ir::verifyGraph(G).isOk()) << What;
  size_t QMuls = 0;
  for (const ir::Node &N : G.nodes())
    QMuls += N.OpType == "npu.QMul";
  ASSERT_EQ(QMuls, 1u) << What << ": the Mul was not quantized";
  checkOnNpu(G, In, What);
}

TEST(NpuMul, QuantizedActivationTimesActivation) {
  checkFloat({1, 20, 5, 5}, std::nullopt, 11, "x * x2");
  checkFloat({2, 5, 3, 4}, std::nullopt, 12, "x * x2 batch 2");
}

TEST(NpuMul, QuantizedTimesScalarConstant) {
  checkFloat({1, 20, 5, 5}, Shape{}, 21, "x * scalar");
  checkFloat({1, 20, 5, 5}, Shape{1}, 22, "x * [1]");
}

TEST(NpuMul, QuantizedTimesPerChannelConstant) {
  checkFloat({1, 20, 5, 5}, Shape{20, 1, 1}, 31, "x * [C, 1, 1]");
  checkFloat({2, 5, 3, 4}, Shape{1, 5, 1, 1}, 32, "x * [1, C, 1, 1]");
}

} // namespace
} // namespace npu::test
