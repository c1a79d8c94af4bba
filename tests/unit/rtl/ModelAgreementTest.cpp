// The RTL agrees with the functional simulator (final DRAM, operation counts) and the SystemC model (every
// instruction's dispatch, start and end cycle) on compiled models: every NPU segment of the demo CNN
// (npu-modelgen), mnist-8 and the operator tests of ../shared/testdata that have NPU segments, each run from
// the DRAM image the model runner gave it (its real inputs bound), on every config with a built model.
#include "../npu/NpuTestUtil.h"
#include "../npu/OnnxNodeUtil.h"
#include "DemoCnn.h"
#include "RtlTestUtil.h"

#include "npu/runtime/RecordingDevice.h"
#include "npu/runtime/TensorProto.h"

#include <filesystem>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace npu;
using rtltest::Agreement;
using rtltest::rtlConfigNames;
using Inputs = std::vector<std::optional<ir::NamedTensor>>;

/// How many NPU segments a model has and how many agreed on all three simulators; the RTL's cycles summed
/// over the segments.
struct ModelAgreement {
  size_t Segments = 0, Agreed = 0;
  uint64_t Cycles = 0;
};

/// The test's one-line summary of a model on a config (in the test log, for the agreement table).
void printSummary(const std::string &What, const ModelAgreement &M) {
  std::printf("[ segments ] %s: %zu of %zu NPU segments agree, %llu cycles\n", What.c_str(), M.Agreed,
              M.Segments, static_cast<unsigned long long>(M.Cycles));
}

/// The NPU segments of A, each with the program and the DRAM image it started from, by running A on the
/// functional simulator through the model runner (host segments on the reference interpreter).
Expected<std::vector<std::pair<std::string, runtime::RecordedRun>>>
recordSegments(const backend::ModelArtifact &A, const HardwareConfig &C, const Inputs &In) {
  runtime::FuncDevice Func(C);
  runtime::RecordingDevice Dev(Func);
  auto O = runtime::runModel(Dev, A, In);
  if (!O)
    return O.error();
  std::vector<runtime::RecordedRun> Runs = Dev.takeRuns();
  std::vector<std::pair<std::string, runtime::RecordedRun>> Named;
  // The runner runs the NPU segments in the artifact's order.
  for (const backend::ArtifactSegment &S : A.Segments)
    if (S.K == backend::ArtifactSegment::Npu && Named.size() < Runs.size())
      Named.emplace_back(S.Name, std::move(Runs[Named.size()]));
  if (Named.size() != Runs.size())
    return makeError("the device ran ", Runs.size(), " programs for ", Named.size(), " NPU segments");
  return Named;
}

/// Compiles G for C and checks every NPU segment with rtltest::agree (gtest failures prefixed by What and the
/// segment's name).
ModelAgreement agreeOnModel(const ir::Graph &G, const HardwareConfig &C, const Inputs &In,
                            const std::string &What) {
  ModelAgreement M;
  auto R = backend::compileModel(G, C);
  if (!R) {
    ADD_FAILURE() << What << ": not compiled: " << R.message();
    return M;
  }
  auto Segments = recordSegments(R->Artifact, C, In);
  if (!Segments) {
    ADD_FAILURE() << What << ": the model does not run on func: " << Segments.message();
    return M;
  }
  for (const auto &[Name, Run] : *Segments) {
    const Agreement A = rtltest::agree(*Run.P, Run.Dram, What + " segment " + Name);
    ++M.Segments;
    M.Agreed += A.agreed();
    M.Cycles += A.Rtl.TotalCycles;
  }
  return M;
}

/// Model input tensors from a test data set folder (input_K.pb).
Inputs readInputs(const std::string &Set) {
  auto In = runtime::readTensorDir(Set, "input");
  EXPECT_TRUE(In.isOk()) << Set << ": " << (In ? "" : In.message());
  return In ? In.takeValue() : Inputs{};
}

/// A fresh folder for generated files, removed when the test ends.
class ScratchDir {
public:
  explicit ScratchDir(const std::string &Name)
      : Path(fs::path(testing::TempDir()) / (Name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(Path);
    fs::create_directories(Path);
  }
  ~ScratchDir() { fs::remove_all(Path); }
  std::string str() const { return Path.string(); }

private:
  fs::path Path;
};

TEST(RtlModels, DemoCnnSegmentsAgree) {
  // What tools/demo.sh compiles: npu-modelgen's model, calibrated on all its input sets, run on set 0.
  ScratchDir Dir("npu_rtl_demo_cnn");
  npu::modelgen::DemoCnnOptions Opts;
  auto Summary = npu::modelgen::writeDemoCnn(Dir.str(), Opts);
  ASSERT_TRUE(Summary.isOk()) << Summary.message();
  std::vector<int> Calib;
  for (int K = 0; K < Opts.Sets; ++K)
    Calib.push_back(K);
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = npu::test::loadConfig(Name);
    auto G = npu::test::loadQuantizedModel(Dir.str(), C, Calib);
    ASSERT_TRUE(G.isOk()) << Name << ": " << G.message();
    const ModelAgreement M =
        agreeOnModel(*G, C, readInputs(Dir.str() + "/test_data_set_0"), Name + " demo CNN");
    EXPECT_GE(M.Segments, 1u) << Name;
    printSummary("demo CNN on " + Name, M);
  }
}

TEST(RtlModels, Mnist8SegmentsAgree) {
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/models/mnist-8";
  if (!fs::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = npu::test::loadConfig(Name);
    auto G = npu::test::loadQuantizedModel(Dir, C);
    ASSERT_TRUE(G.isOk()) << Name << ": " << G.message();
    const ModelAgreement M = agreeOnModel(*G, C, readInputs(Dir + "/test_data_set_0"), Name + " mnist-8");
    EXPECT_GE(M.Segments, 1u) << Name; // one NPU segment since its flatten is relabeled (two where blocks differ)
    printSummary("mnist-8 on " + Name, M);
  }
}

struct NodeCase {
  std::string Test, Config;
};

void PrintTo(const NodeCase &C, std::ostream *OS) { *OS << C.Test << " on " << C.Config; }

class RtlOnnxNode : public ::testing::TestWithParam<NodeCase> {};

TEST_P(RtlOnnxNode, SegmentsAgree) {
  const NodeCase &P = GetParam();
  const HardwareConfig C = npu::test::loadConfig(P.Config);
  auto M = npu::test::prepareOnnxNodeTest(P.Test, C, testing::TempDir());
  ASSERT_TRUE(M.isOk()) << M.message();
  if (!M->Skip.empty())
    GTEST_SKIP() << M->Skip;
  auto R = backend::compileModel(M->G, C);
  ASSERT_TRUE(R.isOk()) << R.message();
  size_t Npu = 0;
  for (const backend::ArtifactSegment &S : R->Artifact.Segments)
    Npu += S.K == backend::ArtifactSegment::Npu;
  if (Npu == 0)
    GTEST_SKIP() << "no NPU segment on " << P.Config;
  Inputs In;
  for (size_t K = 0; K < M->Inputs.size(); ++K) {
    In.push_back(ir::NamedTensor{M->G.value(M->G.Inputs[K]).Name, M->Inputs[K]});
  }
  const ModelAgreement A = agreeOnModel(M->G, C, In, P.Test + " on " + P.Config);
  EXPECT_EQ(A.Segments, Npu);
  printSummary(P.Test + " on " + P.Config, A);
}

// The floor under the parameterized suite above: a regression that turns its runs into skips (an import or
// placement change that leaves no NPU segment) fails here. 56 of the candidates (29 onnx-node, 27
// onnx-pytorch) had NPU segments on default and on edge when this was written.
TEST(RtlOnnxNodeFloor, EnoughTestsHaveNpuSegmentsOnEachConfig) {
  const std::vector<std::string> Candidates = npu::test::onnxNodeCandidates();
  if (Candidates.empty())
    GTEST_SKIP() << "no ONNX node tests under " << NPU_TESTDATA_DIR << " (external test data)";
  for (const std::string &Name : rtlConfigNames())
    EXPECT_GE(npu::test::onnxNodeTestsWithNpuSegments(npu::test::loadConfig(Name), testing::TempDir()), 50u)
        << "ONNX node tests with NPU segments on " << Name;
}

std::vector<NodeCase> nodeCases() {
  std::vector<NodeCase> R;
  for (const std::string &T : npu::test::onnxNodeCandidates())
    for (const std::string &C : rtlConfigNames())
      R.push_back({T, C});
  return R;
}

INSTANTIATE_TEST_SUITE_P(Onnx, RtlOnnxNode, ::testing::ValuesIn(nodeCases()),
                         [](const ::testing::TestParamInfo<NodeCase> &I) {
                           return npu::test::onnxNodeCaseName(I.param.Test) + "_" + I.param.Config;
                         });

} // namespace
