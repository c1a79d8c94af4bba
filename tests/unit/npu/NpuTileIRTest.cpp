// The tile IR text round trip: every NPU segment of compiled mnist-8 and of a random graph (grouped conv,
// Concat by addressing, constant add, a value name that needs quoting) prints, parses back and prints to the
// same text, with and without constant data, and the parsed program goes through DRAM planning to the very
// isa::Program the compiler put in the artifact. Damaged text is refused with the line.
#include "NpuTestUtil.h"

#include "npu/backend/TileIR.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/passes/PassManager.h"

#include <filesystem>
#include <random>

namespace npu::test {
namespace {

using ir::ElemType;
using ir::Shape;

/// The tile text of each NPU segment (compileModel's TileText, split at its "# segment NAME" lines).
std::vector<std::pair<std::string, std::string>> splitSegments(const std::string &Text) {
  std::vector<std::pair<std::string, std::string>> R;
  size_t P = 0;
  while ((P = Text.find("# segment ", P)) != std::string::npos) {
    size_t NameEnd = Text.find('\n', P);
    size_t Next = Text.find("# segment ", NameEnd);
    R.push_back({Text.substr(P + 10, NameEnd - P - 10),
                 Text.substr(NameEnd + 1, (Next == std::string::npos ? Text.size() : Next) - NameEnd - 1)});
    P = NameEnd;
  }
  return R;
}

/// Round trips of every NPU segment of R against the program in its artifact.
void checkRoundTrip(const backend::CompileResult &R, const HardwareConfig &C, const std::string &What) {
  auto Segs = splitSegments(R.TileText);
  size_t Npu = 0;
  for (const backend::ArtifactSegment &S : R.Artifact.Segments)
    Npu += S.K == backend::ArtifactSegment::Npu;
  ASSERT_EQ(Segs.size(), Npu) << What;
  ASSERT_GT(Npu, 0u) << What;
  for (const auto &[Name, Text] : Segs) {
    const isa::Program *Want = nullptr;
    for (const backend::ArtifactSegment &S : R.Artifact.Segments)
      if (S.Name == Name)
        Want = &S.Program;
    ASSERT_NE(Want, nullptr) << What << ": " << Name;
    // Without data: parses only when elided constants are allowed.
    EXPECT_FALSE(backend::parseTileProgram(Text, C).isOk()) << What;
    auto P = backend::parseTileProgram(Text, C, true);
    ASSERT_TRUE(P.isOk()) << What << ": " << P.message();
    EXPECT_EQ(backend::printTileProgram(*P, C), Text) << What << ": " << Name;
    // With the data from the artifact: lossless.
    for (backend::TileTensor &T : P->Tensors)
      for (const isa::Segment &S : Want->Segments)
        if (T.K == backend::TileTensor::Const && S.Name == T.Name)
          T.Data = S.Data;
    const std::string Full = backend::printTileProgram(*P, C, true);
    auto Q = backend::parseTileProgram(Full, C);
    ASSERT_TRUE(Q.isOk()) << What << ": " << Q.message();
    EXPECT_EQ(backend::printTileProgram(*Q, C, true), Full) << What << ": " << Name;
    auto Prog = backend::emitProgram(*Q, C);
    ASSERT_TRUE(Prog.isOk()) << What << ": " << Prog.message();
    EXPECT_TRUE(Prog->Insns == Want->Insns) << What << ": " << Name << ": instructions differ";
    EXPECT_TRUE(Prog->Uops == Want->Uops) << What << ": " << Name;
    EXPECT_TRUE(Prog->Segments == Want->Segments) << What << ": " << Name;
    EXPECT_TRUE(Prog->IO == Want->IO) << What << ": " << Name;
    EXPECT_EQ(Prog->DramBytes, Want->DramBytes) << What << ": " << Name;
    EXPECT_EQ(Prog->UopBase, Want->UopBase) << What << ": " << Name;
  }
}

TEST(NpuTileIR, MnistRoundTripOnEveryConfig) {
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/mnist-8";
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    auto G = loadQuantizedModel(Dir, C);
    ASSERT_TRUE(G.isOk()) << G.message();
    auto R = backend::compileModel(*G, C);
    ASSERT_TRUE(R.isOk()) << R.message();
    checkRoundTrip(*R, C, "mnist-8 on " + Name);
  }
}

TEST(NpuTileIR, RandomGraphRoundTrip) {
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    std::mt19937 Rng(42);
    ir::Graph G;
    G.Name = "random";
    ir::ValueId X = G.addInput("x", ir::TensorType(ElemType::Int8, {1, 24, 6, 6}));
    auto Conv = [&](ir::ValueId In, int64_t Cin, int64_t O, int64_t Group, const std::string &Out) {
      ir::ValueId W =
          G.addConstant(Out + ".w", randomTensor(ElemType::Int8, {O, Cin / Group, 3, 3}, Rng, -9, 9));
      ir::ValueId Y = G.addValue(Out, std::nullopt);
      ir::Node &N = G.addNode("npu.QConv", {In, W}, {Y}, "conv " + Out);
      N.setAttr("kernel_shape", Shape{3, 3});
      N.setAttr("pads", Shape{1, 1, 1, 1});
      N.setAttr("group", Group);
      N.setAttr("multiplier", std::vector<int64_t>{int64_t(1) << 20});
      N.setAttr("shift", int64_t(24));
      return Y;
    };
    ir::ValueId D = Conv(X, 24, 24, 24, "depthwise \"odd\" name");
    ir::ValueId A = Conv(D, 24, 32, 1, "a");
    ir::ValueId B = Conv(X, 24, 16, 2, "b");
    ir::ValueId Cat = G.addValue("cat", std::nullopt);
    G.addNode("Concat", {A, B}, {Cat}, "concat").setAttr("axis", int64_t(1));
    ir::ValueId K = G.addConstant("k", randomTensor(ElemType::Int8, {48, 1, 1}, Rng, -50, 50));
    ir::ValueId S = G.addValue("s", std::nullopt);
    ir::Node &Add = G.addNode("npu.QAdd", {Cat, K}, {S}, "add");
    Add.setAttr("a_multiplier", int64_t(3000));
    Add.setAttr("b_multiplier", int64_t(2000));
    Add.setAttr("shift", int64_t(12));
    G.Outputs = {S};
    passes::PassOptions Opts;
    Opts.Config = &C;
    passes::PipelineOptions Pipe;
    ASSERT_TRUE(passes::runPipeline(G, {"shape-inference", "layout"}, Opts, Pipe).isOk());
    auto R = backend::compileModel(G, C);
    ASSERT_TRUE(R.isOk()) << R.message();
    EXPECT_NE(R->TileText.find("%\"depthwise \\\"odd\\\" name_blk\""), std::string::npos);
    checkRoundTrip(*R, C, "random graph on " + Name);
    // Cut anywhere, the text is refused with an error, never a crash.
    const std::string Text = splitSegments(R->TileText).at(0).second;
    for (size_t Cut = 0; Cut + 1 < Text.size(); Cut += 37)
      EXPECT_FALSE(backend::parseTileProgram(Text.substr(0, Cut), C, true).isOk()) << Cut;
  }
}

TEST(NpuTileIR, DamagedTextIsRefused) {
  HardwareConfig C = loadConfig("default");
  const std::string Head = "tile_program config default hash " + C.shortHash() + " {\n";
  struct Case {
    std::string Text, Message;
  };
  const std::vector<Case> Cases = {
      {"tile_program config edge hash 0 {\n}\n", "not 'default'"},
      {Head + "  temp %t : 64 bytes at 0x0\n  uops 1 {\n  }\n}\n", "1 declared"},
      {Head +
           "  temp %t : 64 bytes at 0x0\n  uops 0 {\n  }\n  node \"n\"\n    load.inp y=1 x=1 dram=%u+0\n}\n",
       "unknown tensor 'u'"},
      {Head + "  uops 0 {\n  }\n  node \"n\"\n    lod.inp y=1\n}\n", "line 5: unknown mnemonic 'lod.inp'"},
      {Head + "  const %k : 2 bytes at 0x0 = 0x01\n  uops 0 {\n  }\n}\n", "1 bytes of data, 2 declared"},
      {Head + "  temp %t : 64 bytes in %v+0 at 0x0\n  uops 0 {\n  }\n}\n", "unknown tensor 'v'"},
      {Head + "  uops 0 {\n  }\n", "missing '}'"},
      {Head + "  uops 0 {\n  }\n  node \"n\"\n    .meta k \"v\"\n}\n", "expected one instruction"}};
  for (const Case &K : Cases) {
    auto P = backend::parseTileProgram(K.Text, C);
    ASSERT_FALSE(P.isOk()) << K.Text;
    EXPECT_NE(P.message().find(K.Message), std::string::npos) << P.message();
  }
}

} // namespace
} // namespace npu::test
