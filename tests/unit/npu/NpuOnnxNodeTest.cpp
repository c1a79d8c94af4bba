// ONNX operator tests through the NPU path on every config: each test of ../shared/testdata/onnx-node (and of
// onnx-pytorch/pytorch-converted, for grouped and depthwise convs) that quantizes to something the NPU takes
// is calibrated with its own input, compiled, written to and read back from an artifact and run on the
// functional simulator; every value an NPU segment produces (and every model
// output) must equal the reference interpreter's run of the same quantized graph bit for bit.
#include "NpuTestUtil.h"
#include "OnnxNodeUtil.h"

#include <set>

namespace npu::test {
namespace {

struct Case {
  std::string Test, Config;
};

void PrintTo(const Case &C, std::ostream *OS) { *OS << C.Test << " on " << C.Config; }

class NpuOnnxNode : public ::testing::TestWithParam<Case> {};

TEST_P(NpuOnnxNode, NpuSegmentsBitExact) {
  const Case &P = GetParam();
  HardwareConfig C = loadConfig(P.Config);
  auto M = prepareOnnxNodeTest(P.Test, C, testing::TempDir());
  ASSERT_TRUE(M.isOk()) << M.message();
  if (!M->Skip.empty())
    GTEST_SKIP() << M->Skip;
  ir::Graph &G = M->G;
  const std::vector<ir::Tensor> &Inputs = M->Inputs;

  auto First = backend::compileModel(G, C);
  ASSERT_TRUE(First.isOk()) << First.message();
  std::string HostReasons;
  size_t NpuNodes = 0;
  for (const backend::NodePlacement &Pl : First->Placements) {
    NpuNodes += Pl.Npu;
    if (!Pl.Npu)
      HostReasons += "\n  " + Pl.Node + " (" + Pl.OpType + "): " + Pl.Reason;
  }
  if (NpuNodes == 0)
    GTEST_SKIP() << "no node runs on the NPU:" << HostReasons;
  // Every value an NPU segment hands on becomes a model output too, so it is compared directly.
  std::set<std::string> Have;
  for (ir::ValueId V : G.Outputs)
    Have.insert(G.value(V).Name);
  for (const backend::ArtifactSegment &Seg : First->Artifact.Segments)
    if (Seg.K == backend::ArtifactSegment::Npu)
      for (const backend::ArtifactValue &V : Seg.Outputs)
        if (Have.insert(V.Name).second)
          G.Outputs.push_back(G.findValue(V.Name));
  auto Expected = ref::interpret(G, Inputs);
  ASSERT_TRUE(Expected.isOk()) << Expected.message();
  auto Got = compileAndRun(G, C, Inputs);
  ASSERT_TRUE(Got.isOk()) << P.Config << ": " << Got.message();
  ASSERT_EQ(Got->size(), Expected->size());
  for (size_t K = 0; K < Got->size(); ++K)
    EXPECT_EQ((*Got)[K].byteVector(), (*Expected)[K].byteVector())
        << P.Test << " on " << P.Config << ": output '" << G.value(G.Outputs[K]).Name << "' differs";
}

// The floor under the suite: a regression that turns its runs into skips (an import, quantization or
// placement change that leaves no NPU segment) fails here. 56 candidates (29 onnx-node, 27 onnx-pytorch)
// had NPU segments on every config when this was written.
TEST(NpuOnnxNodeFloor, EnoughTestsHaveNpuSegmentsOnEachConfig) {
  if (onnxNodeCandidates().empty())
    GTEST_SKIP() << "no ONNX node tests under " << NPU_TESTDATA_DIR << " (external test data)";
  for (const std::string &Name : configNames())
    EXPECT_GE(onnxNodeTestsWithNpuSegments(loadConfig(Name), testing::TempDir()), 56u)
        << "ONNX node tests with NPU segments on " << Name;
}

std::vector<Case> allCases() {
  std::vector<Case> R;
  for (const std::string &T : onnxNodeCandidates())
    for (const std::string &C : configNames())
      R.push_back({T, C});
  return R;
}

INSTANTIATE_TEST_SUITE_P(Onnx, NpuOnnxNode, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<Case> &I) {
                           return onnxNodeCaseName(I.param.Test) + "_" + I.param.Config;
                         });

} // namespace
} // namespace npu::test
