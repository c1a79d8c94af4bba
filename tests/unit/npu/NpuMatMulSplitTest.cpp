// npu.QMatMul with K (reduction) splitting: dense layers whose K blocks exceed the weight / input buffers (on
// default, edge, large and on small configs with shrunken buffers), batches of M rows, with and without bias,
// clip and relu, --tune and the serial schedule: placed on the NPU, race-free, and bit-exact against the
// reference interpreter.
#include "NpuTestUtil.h"

#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"

#include <random>
#include <set>

namespace npu::test {
namespace {

using ir::ElemType;

struct Dense {
  int64_t Mb, Kb, Nb;
  bool Bias = true;
  int64_t ActMin = -128, ActMax = 127; ///< relu: 0..127; clip: narrower
};

std::string describe(const Dense &D) {
  return "matmul " + std::to_string(D.Mb) + "x" + std::to_string(D.Kb) + "x" + std::to_string(D.Nb) +
         (D.Bias ? " bias" : "") + " act [" + std::to_string(D.ActMin) + "," + std::to_string(D.ActMax) + "]";
}

/// X [Mb, Kb, 1, bi] -> one blocked npu.QMatMul -> Y [Mb, Nb, 1, bo], random int8 weights, int32 bias and
/// per-channel multipliers; the shift keeps the outputs spread over the int8 range.
ir::Graph denseGraph(const HardwareConfig &C, const Dense &D, std::mt19937 &Rng) {
  ir::Graph G;
  const int64_t Bi = int64_t(C.BlockIn), Bo = int64_t(C.BlockOut);
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Int8, {D.Mb, D.Kb, 1, Bi}));
  ir::ValueId W = G.addConstant("w", randomTensor(ElemType::Int8, {D.Nb, D.Kb, Bo, Bi}, Rng, -128, 127));
  std::vector<ir::ValueId> In = {X, W};
  if (D.Bias)
    In.push_back(G.addConstant("b", randomTensor(ElemType::Int32, {D.Nb * Bo}, Rng, -200000, 200000)));
  ir::ValueId Y = G.addValue("y", std::nullopt);
  ir::Node &N = G.addNode("npu.QMatMul", In, {Y}, "dense");
  N.setAttr("layout", std::string("blocked"));
  std::uniform_int_distribution<int64_t> M(int64_t(1) << 29, (int64_t(1) << 31) - 1);
  std::vector<int64_t> Ms;
  for (int64_t K = 0; K < D.Nb * Bo; ++K)
    Ms.push_back(M(Rng));
  // |acc| grows like sqrt(K): a larger shift for longer reductions keeps the results off the clamps.
  int64_t Shift = 38;
  for (int64_t K = D.Kb * Bi; K > 64; K /= 4)
    ++Shift;
  N.setAttr("multiplier", Ms);
  N.setAttr("shift", Shift);
  N.setAttr("x_zero_point", int64_t(0));
  N.setAttr("y_zero_point", int64_t(Rng() % 7) - 3);
  N.setAttr("act_min", D.ActMin);
  N.setAttr("act_max", D.ActMax);
  G.Outputs = {Y};
  passes::PassOptions Opts;
  passes::PipelineOptions Pipe;
  EXPECT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk());
  EXPECT_TRUE(ir::verifyGraph(G).isOk());
  return G;
}

/// compileAndRun with options O, keeping the compile result in R.
Expected<std::vector<ir::Tensor>> runWith(const ir::Graph &G, const HardwareConfig &C, const ir::Tensor &X,
                                          const backend::CompileOptions &O, backend::CompileResult &R) {
  return compileAndRun(G, C, {X}, &R, O);
}

/// The dense layer runs on the NPU, race-free, and equals the interpreter bit for bit.
void checkDense(const HardwareConfig &C, const Dense &D, unsigned Seed, backend::CompileOptions O = {}) {
  const std::string What =
      describe(D) + " on " + C.Name + (O.Tune ? " tuned" : "") + (O.Serial ? " serial" : "");
  std::mt19937 Rng(Seed);
  ir::Graph G = denseGraph(C, D, Rng);
  ir::Tensor X = randomTensor(ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -128, 127);
  auto Expected = ref::interpret(G, {X});
  ASSERT_TRUE(Expected.isOk()) << What << ": " << Expected.message();
  backend::CompileResult R;
  auto Got = runWith(G, C, X, O, R);
  ASSERT_TRUE(Got.isOk()) << What << ": " << Got.message();
  for (const backend::NodePlacement &P : R.Placements) {
    if (P.OpType == "npu.QMatMul") {
      EXPECT_TRUE(P.Npu) << What << ": stayed on the host: " << P.Reason;
    }
  }
  for (const backend::ArtifactSegment &S : R.Artifact.Segments)
    if (S.K == backend::ArtifactSegment::Npu) {
      auto T = backend::checkProgramTokens(S.Program);
      EXPECT_TRUE(T.isOk()) << What << ": " << (T ? "" : T.message());
    }
  EXPECT_EQ((*Got)[0].byteVector(), (*Expected)[0].byteVector()) << What;
  // Not all outputs clamped: the comparison means something.
  const std::vector<uint8_t> Bytes = (*Got)[0].byteVector();
  EXPECT_GT(std::set<uint8_t>(Bytes.begin(), Bytes.end()).size(), std::min<size_t>(8, Bytes.size() / 6))
      << What;
}

/// Edge with buffers shrunk to a few rows (input 64, weight 16, accumulator 48, output 32 rows; 64
/// micro-ops), so that small layers need K splitting, several output groups and several M tiles.
HardwareConfig tinyBuffers() {
  std::string Yaml = loadConfig("edge").canonicalYaml();
  const size_t Buffers = Yaml.find("buffers:");
  EXPECT_NE(Buffers, std::string::npos);
  auto Set = [&](const std::string &Key, const std::string &Value) {
    const size_t At = Yaml.find("  " + Key + ":", Buffers);
    EXPECT_NE(At, std::string::npos) << Key;
    const size_t End = Yaml.find('\n', At);
    Yaml.replace(At, End - At, "  " + Key + ": " + Value);
  };
  Set("uop", "512");
  Set("input", "512");
  Set("weight", "1024");
  Set("accumulator", "1536");
  Set("output", "256");
  Yaml.replace(Yaml.find("name: \"edge\""), 12, "name: \"tiny-buffers\"");
  auto C = parseHardwareConfig(Yaml, "tiny-buffers");
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

TEST(NpuMatMulSplit, KExceedsTheBuffersOnEveryConfig) {
  unsigned Seed = 1;
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    // One output block's weights of all K do not fit the weight buffer: K must be split.
    const int64_t Kb = int64_t(C.D.WeightDepth) + 37;
    ASSERT_GT(Kb, int64_t(C.D.WeightDepth));
    checkDense(C, {1, Kb, 3, true, 0, 127}, Seed++);
    // X does not fit the input buffer either (M rows of K), with a clip.
    const int64_t Kx = std::max(Kb, int64_t(C.D.InputDepth) / 2 + 5);
    checkDense(C, {3, Kx, 2, true, -100, 90}, Seed++);
  }
}

TEST(NpuMatMulSplit, ShrunkenBuffers) {
  const HardwareConfig C = tinyBuffers();
  ASSERT_EQ(C.D.WeightDepth, 16u);
  const std::vector<Dense> Cases = {
      {1, 37, 5, true, -128, 127}, // K split, all outputs in one group
      {1, 16, 1, false, 0, 127},   // exactly the weight buffer, no bias, relu
      {3, 20, 7, true, -128, 127}, // several rows of M, several output groups
      {13, 25, 9, true, -60, 70},  // several M tiles and output groups, clip
      {6, 9, 3, false, -128, 127}, // small: no split needed
      {2, 50, 2, true, 0, 127},    // long K
      {40, 3, 4, true, -128, 127}, // many rows, short K
      {30, 8, 6, true, -128, 127}, // X streamed in chunks, a group's weights kept for all M tiles
      {24, 12, 5, true, 0, 127},
  };
  unsigned Seed = 100;
  for (const Dense &D : Cases)
    checkDense(C, D, Seed++);
}

TEST(NpuMatMulSplit, TunedAndSerialSchedules) {
  const HardwareConfig C = tinyBuffers();
  backend::CompileOptions Tune, Serial;
  Tune.Tune = true;
  Serial.Serial = true;
  checkDense(C, {13, 25, 9, true, -60, 70}, 200, Tune);
  checkDense(C, {13, 25, 9, true, -60, 70}, 200, Serial);
  checkDense(C, {1, 37, 5, true, -128, 127}, 201, Tune);
  checkDense(loadConfig("edge"), {2, 400, 3, true, 0, 127}, 202, Tune);
}

TEST(NpuMatMulSplit, ManyRowsOnDefault) {
  // A batch of M rows with a long K: weights of an output block reused over M tiles, or X over groups.
  checkDense(loadConfig("default"), {48, 200, 12, true, -128, 127}, 300);
}

} // namespace
} // namespace npu::test
