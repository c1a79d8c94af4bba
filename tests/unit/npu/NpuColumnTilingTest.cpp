// Column tiling of blocked convolutions: layers whose single output row band does not fit the on-chip buffers
// (wide images, with kernel sizes, strides, dilations, asymmetric padding, input-channel split and clip) run
// on the NPU in tiles of output rows x columns, race-free and bit-exact against the reference interpreter on
// default, edge, large and on configs with shrunken buffers; what still does not fit is refused with a
// reason.
#include "NpuTestUtil.h"

#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"

#include <random>
#include <set>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;

ir::Tensor randomTensor(ElemType T, Shape Dims, std::mt19937 &Rng, int64_t Lo, int64_t Hi) {
  ir::Tensor R(T, Dims);
  std::uniform_int_distribution<int64_t> D(Lo, Hi);
  for (int64_t I = 0; I < R.numElements(); ++I)
    R.setDouble(I, double(D(Rng)));
  return R;
}

struct ConvCase {
  int64_t InBlocks, OutBlocks, H, W; ///< H = 0: a 1-D convolution over W
  int64_t KH, KW, SH, SW, DH, DW;
  int64_t PT, PL, PB, PR;
  bool Clip = false;
};

std::string describe(const ConvCase &K) {
  auto S = [](int64_t V) { return std::to_string(V); };
  return "conv " + S(K.InBlocks) + "->" + S(K.OutBlocks) + " blocks " + (K.H ? S(K.H) + "x" : "1-D ") +
         S(K.W) + " k" + S(K.KH) + "x" + S(K.KW) + " s" + S(K.SH) + "x" + S(K.SW) + " d" + S(K.DH) + "x" +
         S(K.DW) + " p" + S(K.PT) + "," + S(K.PL) + "," + S(K.PB) + "," + S(K.PR) + (K.Clip ? " clip" : "");
}

/// One blocked npu.QConv with random int8 weights, int32 bias and per-channel multipliers.
ir::Graph convGraph(const HardwareConfig &C, const ConvCase &K, std::mt19937 &Rng) {
  const int64_t Bi = int64_t(C.BlockIn), Bo = int64_t(C.BlockOut);
  const bool TwoD = K.H > 0;
  ir::Graph G;
  G.Name = "column_tiling";
  const Shape XDims = TwoD ? Shape{1, K.InBlocks, K.H, K.W, 1, Bi} : Shape{1, K.InBlocks, K.W, 1, Bi};
  const Shape WDims = TwoD ? Shape{K.OutBlocks, K.InBlocks, K.KH, K.KW, Bo, Bi}
                           : Shape{K.OutBlocks, K.InBlocks, K.KW, Bo, Bi};
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Int8, XDims));
  ir::ValueId W = G.addConstant("w", randomTensor(ElemType::Int8, WDims, Rng, -128, 127));
  ir::ValueId B = G.addConstant("b", randomTensor(ElemType::Int32, {K.OutBlocks * Bo}, Rng, -20000, 20000));
  ir::ValueId Y = G.addValue("y", std::nullopt);
  ir::Node &N = G.addNode("npu.QConv", {X, W, B}, {Y}, "conv");
  N.setAttr("kernel_shape", TwoD ? Shape{K.KH, K.KW} : Shape{K.KW});
  N.setAttr("strides", TwoD ? Shape{K.SH, K.SW} : Shape{K.SW});
  N.setAttr("pads", TwoD ? Shape{K.PT, K.PL, K.PB, K.PR} : Shape{K.PL, K.PR});
  N.setAttr("dilations", TwoD ? Shape{K.DH, K.DW} : Shape{K.DW});
  N.setAttr("group", int64_t(1));
  N.setAttr("layout", std::string("blocked"));
  std::uniform_int_distribution<int64_t> M(int64_t(1) << 29, (int64_t(1) << 31) - 1);
  std::vector<int64_t> Ms;
  for (int64_t I = 0; I < K.OutBlocks * Bo; ++I)
    Ms.push_back(M(Rng));
  // |acc| grows like sqrt(taps x channels): a larger shift for longer reductions keeps outputs off the
  // clamps.
  int64_t Shift = 37;
  for (int64_t R = K.InBlocks * Bi * K.KH * K.KW; R > 16; R /= 4)
    ++Shift;
  N.setAttr("multiplier", Ms);
  N.setAttr("shift", Shift);
  N.setAttr("x_zero_point", int64_t(0));
  N.setAttr("y_zero_point", int64_t(Rng() % 7) - 3);
  N.setAttr("act_min", int64_t(K.Clip ? -40 : -128));
  N.setAttr("act_max", int64_t(K.Clip ? 100 : 127));
  G.Outputs = {Y};
  passes::PassOptions Opts;
  passes::PipelineOptions Pipe;
  EXPECT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk());
  EXPECT_TRUE(ir::verifyGraph(G).isOk());
  return G;
}

/// Input rows one output row of one input block needs (the whole padded width): more than the input
/// buffer means the layer cannot run without column tiles.
int64_t oneRowBand(const ConvCase &K) {
  const int64_t OW = (K.W + K.PL + K.PR - ((K.KW - 1) * K.DW + 1)) / K.SW + 1;
  return ((K.H ? K.KH - 1 : 0) * K.DH + 1) * ((OW - 1) * K.SW + (K.KW - 1) * K.DW + 1);
}

/// compileAndRun with options O, keeping the compile result in R; G's single output.
Expected<ir::Tensor> runWith(const ir::Graph &G, const HardwareConfig &C, const ir::Tensor &X,
                             const backend::CompileOptions &O, backend::CompileResult &R) {
  auto Out = compileAndRun(G, C, {X}, &R, O);
  if (!Out)
    return Out.error();
  return std::move((*Out)[0]);
}

/// G's nodes of OpType run on the NPU, race-free, and G's output equals the interpreter's bit for bit.
void checkGraph(const HardwareConfig &C, const ir::Graph &G, const std::string &OpType,
                const std::string &What, std::mt19937 &Rng, const backend::CompileOptions &O = {}) {
  ir::Tensor X = randomTensor(ElemType::Int8, G.type(G.Inputs[0]).Dims, Rng, -128, 127);
  auto Expected = ref::interpret(G, {X});
  ASSERT_TRUE(Expected.isOk()) << What << ": " << Expected.message();
  backend::CompileResult R;
  auto Got = runWith(G, C, X, O, R);
  ASSERT_TRUE(Got.isOk()) << What << ": " << Got.message();
  for (const backend::NodePlacement &P : R.Placements)
    if (P.OpType == OpType) {
      EXPECT_TRUE(P.Npu) << What << ": stayed on the host: " << P.Reason;
    }
  for (const backend::ArtifactSegment &S : R.Artifact.Segments)
    if (S.K == backend::ArtifactSegment::Npu) {
      auto T = backend::checkProgramTokens(S.Program);
      EXPECT_TRUE(T.isOk()) << What << ": " << (T ? "" : T.message());
    }
  EXPECT_EQ(Got->byteVector(), (*Expected)[0].byteVector()) << What;
  const std::vector<uint8_t> Bytes = Got->byteVector();
  EXPECT_GT(std::set<uint8_t>(Bytes.begin(), Bytes.end()).size(), size_t(16)) << What << ": outputs clamped";
}

/// The convolution runs on the NPU, race-free, and equals the interpreter bit for bit.
void checkConv(const HardwareConfig &C, const ConvCase &K, unsigned Seed, bool NeedsColumns = true,
               const backend::CompileOptions &O = {}) {
  const std::string What =
      describe(K) + " on " + C.Name + (O.Tune ? " tuned" : "") + (O.Serial ? " serial" : "");
  if (NeedsColumns) {
    ASSERT_GT(oneRowBand(K), int64_t(C.D.InputDepth)) << What << ": the case does not need column tiles";
  }
  std::mt19937 Rng(Seed);
  ir::Graph G = convGraph(C, K, Rng);
  checkGraph(C, G, "npu.QConv", What, Rng, O);
}

/// A blocked max or average pool (k x k, stride S, padding P) over Blocks x H x W.
void checkPool(const HardwareConfig &C, bool Max, int64_t Blocks, int64_t H, int64_t W, int64_t K, int64_t S,
               int64_t P, unsigned Seed) {
  const std::string What = std::string(Max ? "max" : "avg") + " pool " + std::to_string(H) + "x" +
                           std::to_string(W) + " k" + std::to_string(K) + " s" + std::to_string(S) + " p" +
                           std::to_string(P) + " on " + C.Name;
  // One output row's window (widened into the accumulators beside the output row) exceeds the buffers.
  const int64_t OW = (W + 2 * P - K) / S + 1, TIW = (OW - 1) * S + K;
  ASSERT_GT(K * TIW + OW, int64_t(C.D.AccDepth)) << What << ": the case does not need column tiles";
  std::mt19937 Rng(Seed);
  ir::Graph G;
  ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Int8, {1, Blocks, H, W, 1, int64_t(C.BlockOut)}));
  ir::ValueId Y = G.addValue("y", std::nullopt);
  ir::Node &N = G.addNode(Max ? "npu.MaxPool" : "npu.QAvgPool", {X}, {Y}, "pool");
  N.setAttr("kernel_shape", Shape{K, K});
  N.setAttr("strides", Shape{S, S});
  N.setAttr("pads", Shape{P, P, P, P});
  N.setAttr("layout", std::string("blocked"));
  if (!Max) {
    N.setAttr("multiplier", int64_t(1) << 28);
    N.setAttr("shift", int64_t(31));
    N.setAttr("x_zero_point", int64_t(5));
    N.setAttr("y_zero_point", int64_t(-2));
    N.setAttr("act_min", int64_t(-100));
    N.setAttr("act_max", int64_t(127));
  }
  G.Outputs = {Y};
  passes::PassOptions Opts;
  passes::PipelineOptions Pipe;
  ASSERT_TRUE(passes::runPipeline(G, {"shape-inference"}, Opts, Pipe).isOk()) << What;
  checkGraph(C, G, N.OpType, What, Rng);
}

/// Config Base with some buffer sizes replaced (bytes), named Name.
HardwareConfig withBuffers(const std::string &Base, const std::string &Name,
                           const std::vector<std::pair<std::string, std::string>> &Sizes) {
  std::string Yaml = loadConfig(Base).canonicalYaml();
  const size_t Buffers = Yaml.find("buffers:");
  EXPECT_NE(Buffers, std::string::npos);
  for (const auto &[Key, Value] : Sizes) {
    const size_t At = Yaml.find("  " + Key + ":", Buffers);
    EXPECT_NE(At, std::string::npos) << Key;
    const size_t End = Yaml.find('\n', At);
    Yaml.replace(At, End - At, "  " + Key + ": " + Value);
  }
  const size_t NameAt = Yaml.find("name: ");
  Yaml.replace(NameAt, Yaml.find('\n', NameAt) - NameAt, "name: \"" + Name + "\"");
  auto C = parseHardwareConfig(Yaml, Name);
  EXPECT_TRUE(C.isOk()) << (C ? "" : C.message());
  return C.takeValue();
}

/// Edge with a 4 KiB input buffer (512 rows), 64 weight rows, 256 accumulator and output rows: narrow images
/// already need column tiles, and 3x3 kernels over more than 7 input blocks an input-channel split.
HardwareConfig smallEdge() {
  return withBuffers("edge", "small-edge",
                     {{"input", "4096"}, {"weight", "4096"}, {"accumulator", "8192"}, {"output", "2048"}});
}

TEST(NpuColumnTiling, WideImagesOnShippedConfigs) {
  unsigned Seed = 1;
  for (const std::string &Name : {std::string("default"), std::string("edge")}) {
    const HardwareConfig C = loadConfig(Name);
    const int64_t Depth = int64_t(C.D.InputDepth);
    // 3x3 "same" over an image wider than a third of the input buffer, two input blocks, clip.
    checkConv(C, {2, 2, 4, Depth / 3 + 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true}, Seed++);
    // ResNet's stem: 7x7 stride 2, padding 3 (one 7-row band of the padded width exceeds the buffer).
    checkConv(C, {1, 2, 9, Depth / 7 + 40, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, false}, Seed++);
  }
  // large: a 1-D convolution over a row longer than its 32768-row input buffer.
  const HardwareConfig L = loadConfig("large");
  checkConv(L, {1, 1, 0, int64_t(L.D.InputDepth) + 100, 1, 5, 1, 3, 1, 1, 0, 2, 0, 1, true}, Seed++);
}

TEST(NpuColumnTiling, KernelStrideDilationPaddingOnSmallBuffers) {
  const HardwareConfig C = smallEdge();
  ASSERT_EQ(C.D.InputDepth, 512u);
  const std::vector<ConvCase> Cases = {
      {1, 1, 6, 300, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false}, // 3x3 same
      {2, 3, 7, 260, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true},  // stride 2, two input blocks, clip
      {1, 2, 9, 200, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, false}, // dilation 2
      {1, 1, 5, 180, 3, 5, 1, 3, 1, 2, 0, 4, 1, 2, true},  // wide dilated kernel, stride 3, asymmetric pads
      {1, 2, 8, 190, 7, 7, 2, 2, 1, 1, 3, 3, 2, 3, false}, // the stem's window, asymmetric pads
      {3, 1, 4, 300, 2, 4, 1, 2, 1, 1, 0, 0, 1, 3, false}, // even kernel, pads only after
      {1, 1, 3, 600, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, true},  // 1x1: one row of 600 positions
      {1, 1, 0, 700, 1, 7, 1, 2, 1, 1, 0, 3, 0, 3, false}, // 1-D
  };
  unsigned Seed = 100;
  for (const ConvCase &K : Cases)
    checkConv(C, K, Seed++, K.KH * K.KW > 1 || K.H == 0);
}

TEST(NpuColumnTiling, WithInputChannelSplit) {
  // 8 input blocks of a 3x3 kernel need 72 weight rows of the 64: chunks of input blocks, and column tiles.
  const HardwareConfig C = smallEdge();
  checkConv(C, {8, 2, 5, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true}, 200);
  checkConv(C, {10, 1, 4, 180, 3, 3, 2, 1, 1, 2, 1, 2, 1, 2, false}, 201);
  // On edge itself: 48 input blocks (432 weight rows of 384) over a row wider than the input buffer.
  checkConv(loadConfig("edge"), {48, 1, 3, 1540, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true}, 202, false);
}

TEST(NpuColumnTiling, TunedAndSerialSchedules) {
  backend::CompileOptions Tune, Serial;
  Tune.Tune = true;
  Serial.Serial = true;
  const ConvCase Stem = {1, 2, 8, 190, 7, 7, 2, 2, 1, 1, 3, 3, 2, 3, true};
  checkConv(smallEdge(), Stem, 500, true, Tune);
  checkConv(smallEdge(), Stem, 500, true, Serial);
  checkConv(smallEdge(), {8, 2, 5, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false}, 501, true, Tune);
}

TEST(NpuColumnTiling, WidePools) {
  unsigned Seed = 400;
  for (const std::string &Name : {std::string("default"), std::string("edge")}) {
    const HardwareConfig C = loadConfig(Name);
    const int64_t W = int64_t(C.D.AccDepth) / 3 + 20;
    checkPool(C, true, 2, 6, W, 3, 2, 1, Seed++);
    checkPool(C, false, 1, 5, W, 3, 1, 1, Seed++);
  }
  checkPool(smallEdge(), true, 1, 7, 150, 5, 1, 2, Seed++);
}

TEST(NpuColumnTiling, BlockInBelowBlockOut) {
  // configs/wide.yaml (16 -> 32 channels): pools read 2 input rows per position.
  const HardwareConfig C = loadConfig("wide");
  checkConv(C, {2, 1, 4, int64_t(C.D.InputDepth) / 3 + 10, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, true}, 600);
  checkPool(C, true, 1, 5, int64_t(C.D.AccDepth) / 3 + 20, 3, 2, 1, 601);
  checkPool(C, false, 2, 4, int64_t(C.D.AccDepth) / 3 + 20, 3, 1, 1, 602);
}

TEST(NpuColumnTiling, RefusedWithAReason) {
  // Padding wider than the LOAD pad fields (4 bits): refused whatever the tiling, with the reason.
  const HardwareConfig C = smallEdge();
  std::mt19937 Rng(300);
  ir::Graph G = convGraph(C, {1, 1, 4, 700, 3, 3, 1, 1, 1, 1, 1, 16, 1, 16, false}, Rng);
  auto R = backend::compileModel(G, C);
  ASSERT_TRUE(R.isOk()) << R.message();
  for (const backend::NodePlacement &P : R->Placements)
    if (P.OpType == "npu.QConv") {
      EXPECT_FALSE(P.Npu);
      EXPECT_NE(P.Reason.find("pad fields"), std::string::npos) << P.Reason;
    }
}

} // namespace
} // namespace npu::test
