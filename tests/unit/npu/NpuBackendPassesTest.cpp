// The backend pass pipeline: the registry matches its docs table, a compile stopped after any backend pass
// continues from its printed tile IR to the very program of an uninterrupted compile, and the verifier
// between passes refuses programs that break the invariants of their stage, naming the instruction or tensor.
#include "NpuTestUtil.h"

#include "npu/backend/BackendPass.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace npu::test {
namespace {

TEST(BackendPasses, RegistryMatchesTheDocsTable) {
  std::ifstream In(std::string(NPU_SOURCE_DIR) + "/docs/npu-backend.md");
  std::stringstream SS;
  SS << In.rdbuf();
  // The table: rows "| `NAME` | `File.cpp` | ..." between the header line naming "backend pass" and a blank.
  const std::string Doc = SS.str();
  const size_t Head = Doc.find("| backend pass |");
  ASSERT_NE(Head, std::string::npos) << "docs/npu-backend.md has no backend pass table";
  std::vector<std::string> Rows;
  std::istringstream Table(Doc.substr(Head));
  std::string Line;
  std::getline(Table, Line);
  std::getline(Table, Line); // |---|
  while (std::getline(Table, Line) && Line.rfind("| `", 0) == 0)
    Rows.push_back(Line.substr(3, Line.find('`', 3) - 3));
  std::vector<std::string> Names;
  for (const backend::BackendPassInfo &P : backend::allBackendPasses()) {
    Names.push_back(P.Name);
    EXPECT_STREQ(P.Create()->name(), P.Name);
    EXPECT_EQ(backend::findBackendPass(P.Name), &P);
  }
  EXPECT_EQ(Rows, Names) << "the table in docs/npu-backend.md lists the passes of BackendPasses.def in order";
  EXPECT_EQ(backend::findBackendPass("no-such-pass"), nullptr);
}

/// The program container bytes, which cover every field the runtime and the simulators read.
std::vector<uint8_t> bytesOf(const isa::Program &P) {
  auto B = isa::writeContainer(P);
  EXPECT_TRUE(B.isOk()) << B.message();
  return B ? *B : std::vector<uint8_t>{};
}

TEST(BackendPasses, StopAfterAnyPassContinuesToTheSameProgram) {
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/mnist-8";
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  for (const char *Config : {"default", "edge"}) {
    HardwareConfig C = loadConfig(Config);
    auto G = loadQuantizedModel(Dir, C);
    ASSERT_TRUE(G.isOk()) << G.message();
    auto Full = backend::compileModel(*G, C);
    ASSERT_TRUE(Full.isOk()) << Full.message();
    ASSERT_FALSE(Full->Stopped);
    const auto &Passes = backend::allBackendPasses();
    for (size_t Stop = 0; Stop + 1 < Passes.size(); ++Stop) {
      backend::BackendPipelineOptions Pipe;
      Pipe.StopAfter = Passes[Stop].Name;
      backend::CompileOptions O;
      O.Backend = &Pipe;
      auto R = backend::compileModel(*G, C, O);
      ASSERT_TRUE(R.isOk()) << R.message();
      ASSERT_TRUE(R->Stopped) << Pipe.StopAfter;
      // Each segment's text goes on from the pass after Stop.
      size_t Checked = 0;
      for (const backend::ArtifactSegment &S : Full->Artifact.Segments) {
        if (S.K != backend::ArtifactSegment::Npu)
          continue;
        const std::string Mark = "# segment " + S.Name + "\n";
        const size_t At = R->TileText.find(Mark);
        ASSERT_NE(At, std::string::npos) << S.Name;
        const size_t End = R->TileText.find("# segment ", At + Mark.size());
        const std::string Text = R->TileText.substr(At + Mark.size(), End - At - Mark.size());
        auto P = backend::parseTileProgram(Text, C);
        ASSERT_TRUE(P.isOk()) << Pipe.StopAfter << " " << S.Name << ": " << P.message();
        backend::BackendState B(C);
        B.Program = P.takeValue();
        B.Stage = Stop + 1;
        ASSERT_TRUE(backend::runBackendPipeline(B, {}).isOk()) << Pipe.StopAfter << " " << S.Name;
        B.Emitted.Meta.push_back({"segment", S.Name});
        EXPECT_EQ(bytesOf(B.Emitted), bytesOf(S.Program))
            << Config << ": stopped after " << Pipe.StopAfter << ", " << S.Name << " differs";
        ++Checked;
      }
      EXPECT_GT(Checked, 0u);
    }
  }
}

/// Runs the pipeline on Text read back after pass After ("" : as lowered) up to Stop; the error, or "".
std::string pipelineError(const HardwareConfig &C, const std::string &Text, const std::string &After,
                          const std::string &Stop = "") {
  auto P = backend::parseTileProgram(Text, C);
  if (!P)
    return "parse: " + P.message();
  backend::BackendState S(C);
  S.Program = P.takeValue();
  S.Stage = After.empty() ? 0 : size_t(backend::backendPassIndex(After) + 1);
  backend::BackendPipelineOptions Pipe;
  Pipe.StopAfter = Stop;
  Status St = backend::runBackendPipeline(S, Pipe);
  return St.isOk() ? "" : St.message();
}

TEST(BackendPasses, VerifierRefusesBrokenInvariants) {
  HardwareConfig C = loadConfig("default");
  const std::string Head = "tile_program config default hash " + C.shortHash() + " {\n";
  const std::string Tensors = "  input %x : 64 bytes at 0x0\n  temp %t : 64 bytes at 0x0\n"
                              "  temp %u : 64 bytes at 0x0\n";
  const std::string Uops = "  uops 1 {\n    (0,0,0)\n  }\n";
  auto Has = [](const std::string &Error, const std::string &Part) {
    return Error.find(Part) != std::string::npos;
  };
  // A micro-op load past the table's end, as lowered.
  std::string E = pipelineError(
      C, Head + Tensors + Uops + "  node \"n\"\n    load.uop y=1 x=2 stride=2 dram=@uops+0\n}\n", "");
  EXPECT_TRUE(Has(E, "the lowered tile program") && Has(E, "instruction 0 (node \"n\")") &&
              Has(E, "loads micro-ops 0..2 of a 1-entry table"))
      << E;
  // A GEMM whose micro-ops lie outside the buffer (the assembler refuses that in text: set after parsing).
  const std::string NoUops = "  uops 0 {\n  }\n";
  auto Gemm = backend::parseTileProgram(
      Head + Tensors + NoUops + "  node \"n\"\n    gemm uop_end=1 loop_out=1 loop_in=1\n}\n", C);
  ASSERT_TRUE(Gemm.isOk()) << Gemm.message();
  backend::BackendState Bad(C);
  Bad.Program = Gemm.takeValue();
  Bad.Program.Insns[0].I.Gemm.UopEnd = int64_t(C.D.UopDepth) + 1;
  E = backend::verifyBackendState(Bad).message();
  EXPECT_TRUE(Has(E, "instruction 0 (node \"n\")") && Has(E, "are not a range of the")) << E;
  // After insert-tokens: a pop with no push before it, a token nobody pops, and a program without finish.
  E = pipelineError(C,
                    Head + Tensors + NoUops +
                        "  node \"n\"\n    gemm pop_prev uop_end=1 loop_out=1 loop_in=1\n    finish\n}\n",
                    "insert-tokens");
  EXPECT_TRUE(Has(E, "read after pass insert-tokens") &&
              Has(E, "instruction 0 (node \"n\"): pops l2c with no token pushed before"))
      << E;
  E = pipelineError(C,
                    Head + Tensors + NoUops +
                        "  node \"n\"\n    load.inp push_next y=1 x=1 stride=1 dram=%x+0\n    finish\n}\n",
                    "insert-tokens");
  EXPECT_TRUE(Has(E, "1 token(s) pushed on l2c that no instruction pops")) << E;
  E = pipelineError(C,
                    Head + Tensors + Uops + "  node \"n\"\n    load.uop y=1 x=1 stride=1 dram=@uops+0\n}\n",
                    "insert-tokens");
  EXPECT_TRUE(Has(E, "does not end with finish")) << E;
  // After dedup-uops: a table entry no LOAD reads.
  E = pipelineError(C, Head + Tensors + Uops + "  node \"n\"\n    load.inp y=1 x=1 stride=1 dram=%x+0\n}\n",
                    "dedup-uops", "dedup-uops");
  EXPECT_TRUE(Has(E, "micro-op table entry 0 is loaded by no instruction")) << E;
  // After plan-dram: two temporaries live at once at one address, and a table over the input.
  const std::string Live =
      "  node \"n\"\n    load.inp y=1 x=1 stride=1 dram=%t+0\n    load.inp y=1 x=1 stride=1 dram=%u+0\n"
      "    load.inp y=1 x=1 stride=1 dram=%t+0\n    load.uop y=1 x=1 stride=1 dram=@uops+0\n    finish\n}\n";
  auto Planned = [&](const std::string &T, const std::string &U, const std::string &Table) {
    return Head + "  input %x : 64 bytes at 0x0\n  temp %t : 64 bytes at " + T +
           "\n  temp %u : 64 bytes at " + U + "\n  uops 1 at " + Table + " {\n    (0,0,0)\n  }\n" + Live;
  };
  EXPECT_EQ(pipelineError(C, Planned("0x80", "0xc0", "0x40"), "plan-dram"), "");
  E = pipelineError(C, Planned("0x80", "0xa0", "0x40"), "plan-dram");
  EXPECT_TRUE(Has(E, "DRAM regions of 't' and 'u' overlap at 0xa0")) << E;
  E = pipelineError(C, Planned("0x80", "0xc0", "0x20"), "plan-dram");
  EXPECT_TRUE(Has(E, "DRAM regions of 'x' and '@uops' overlap")) << E;
  // The same program, planned by the pass, verifies.
  EXPECT_EQ(pipelineError(C, Planned("0x0", "0x0", "0x0"), "insert-tokens", "plan-dram"), "");
}

} // namespace
} // namespace npu::test
