// ONNX operator tests through the NPU path on every config: each test of ../shared/testdata/onnx-node (and of
// onnx-pytorch/pytorch-converted, for grouped and depthwise convs) that quantizes to something the NPU takes
// is calibrated with its own input, compiled, written to and read back from an artifact and run on the
// functional simulator; every value an NPU segment produces (and every model
// output) must equal the reference interpreter's run of the same quantized graph bit for bit.
#include "NpuTestUtil.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/passes/PassManager.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace npu::test {
namespace {

namespace fs = std::filesystem;

/// The folders of operator tests: onnx-node, and onnx-pytorch's converted ones (grouped, depthwise and
/// dilated convs, BatchNorm, LeakyReLU that onnx-node lacks).
const std::vector<std::string> &suiteDirs() {
  static const std::vector<std::string> Dirs = {"onnx-node", "onnx-pytorch/pytorch-converted"};
  return Dirs;
}

/// Operators whose tests can reach the NPU after quantization (the others have no int8 NPU form).
const std::set<std::string> &candidateOps() {
  static const std::set<std::string> Ops = {"Conv",
                                            "Gemm",
                                            "MatMul",
                                            "AveragePool",
                                            "GlobalAveragePool",
                                            "MaxPool",
                                            "Relu",
                                            "Add",
                                            "Sum",
                                            "Concat",
                                            "Clip",
                                            "LeakyRelu",
                                            "Flatten",
                                            "QLinearConv",
                                            "QLinearMatMul",
                                            "Mul",
                                            "BatchNormalization"};
  return Ops;
}

/// Test folders (relative to the test data) listed in the INDEX.tsv files whose operator is a candidate and
/// whose data is float.
std::vector<std::string> candidateTests() {
  std::vector<std::string> R;
  for (const std::string &Suite : suiteDirs()) {
    std::ifstream In(std::string(NPU_TESTDATA_DIR) + "/" + Suite + "/INDEX.tsv");
    std::string Line;
    std::getline(In, Line); // header
    while (std::getline(In, Line)) {
      std::vector<std::string> F;
      for (size_t P = 0;;) {
        size_t Q = Line.find('\t', P);
        F.push_back(Line.substr(P, Q == std::string::npos ? std::string::npos : Q - P));
        if (Q == std::string::npos)
          break;
        P = Q + 1;
      }
      if (F.size() < 4 || !candidateOps().count(F[1]) || F[3].find("FLOAT") == std::string::npos ||
          F[3].find("FLOAT16") != std::string::npos || F[3].find("INT64") != std::string::npos)
        continue;
      R.push_back(Suite + "/" + F[0]);
    }
  }
  if (R.empty())
    R.push_back("onnx-node/absent"); // one case that skips with the reason
  return R;
}

/// Operators whose inputs after the first are weights, bounds or quantization parameters: the test feeds them
/// as graph inputs, the NPU path needs them constant.
const std::set<std::string> &weightOps() {
  static const std::set<std::string> Ops = {"Conv", "Gemm", "MatMul", "Clip", "QLinearConv", "QLinearMatMul"};
  return Ops;
}

/// Turns graph inputs that only feed weight positions into constants holding the test's data; returns the
/// indices (in the original input list) of the inputs that stay.
std::vector<size_t> freezeWeights(ir::Graph &G, const std::vector<ir::Tensor> &Data) {
  std::vector<size_t> Keep;
  std::vector<ir::ValueId> Inputs;
  for (size_t K = 0; K < G.Inputs.size(); ++K) {
    ir::ValueId V = G.Inputs[K];
    bool WeightOnly = K > 0, Used = false;
    for (const ir::Node &N : G.nodes())
      for (size_t I = 0; I < N.Inputs.size(); ++I)
        if (N.Inputs[I] == V) {
          Used = true;
          WeightOnly = WeightOnly && I > 0 && weightOps().count(N.OpType);
        }
    if (WeightOnly && Used) {
      ir::Value &Val = G.value(V);
      Val.Kind = ir::ValueKind::Constant;
      Val.Data = std::make_shared<const ir::Tensor>(Data[K]);
      continue;
    }
    Keep.push_back(K);
    Inputs.push_back(V);
  }
  G.Inputs = Inputs;
  return Keep;
}

struct Case {
  std::string Test, Config;
};

void PrintTo(const Case &C, std::ostream *OS) { *OS << C.Test << " on " << C.Config; }

class NpuOnnxNode : public ::testing::TestWithParam<Case> {};

TEST_P(NpuOnnxNode, NpuSegmentsBitExact) {
  const Case &P = GetParam();
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/" + P.Test;
  if (!fs::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  HardwareConfig C = loadConfig(P.Config);
  auto G = frontend::loadModel(Dir + "/model.onnx");
  if (!G)
    GTEST_SKIP() << "not imported: " << G.message();
  const std::string Set = Dir + "/test_data_set_0";
  std::vector<ir::Tensor> All;
  for (size_t K = 0; fs::exists(Set + "/input_" + std::to_string(K) + ".pb"); ++K) {
    auto T = frontend::readTensorProtoFile(Set + "/input_" + std::to_string(K) + ".pb");
    ASSERT_TRUE(T.isOk()) << T.message();
    All.push_back(T->Data);
  }
  ASSERT_EQ(All.size(), G->Inputs.size());
  std::vector<size_t> Keep = freezeWeights(*G, All);
  // Calibration reads input_K.pb for the K-th remaining input: a private folder renumbered accordingly.
  const fs::path Calib = fs::path(testing::TempDir()) /
                         ("npu_onnx_node_" + fs::path(P.Test).filename().string() + "_" + P.Config);
  fs::create_directories(Calib);
  std::vector<ir::Tensor> Inputs;
  for (size_t K = 0; K < Keep.size(); ++K) {
    Inputs.push_back(All[Keep[K]]);
    fs::copy_file(Set + "/input_" + std::to_string(Keep[K]) + ".pb",
                  Calib / ("input_" + std::to_string(K) + ".pb"), fs::copy_options::overwrite_existing);
  }
  passes::PassOptions Opts;
  Opts.Config = &C;
  Opts.CalibDirs = {Calib.string()};
  passes::PipelineOptions Pipe;
  Status S = passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, Pipe);
  fs::remove_all(Calib);
  if (!S)
    GTEST_SKIP() << "not quantized: " << S.message();

  auto First = backend::compileModel(*G, C);
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
  for (ir::ValueId V : G->Outputs)
    Have.insert(G->value(V).Name);
  for (const backend::ArtifactSegment &Seg : First->Artifact.Segments)
    if (Seg.K == backend::ArtifactSegment::Npu)
      for (const backend::ArtifactValue &V : Seg.Outputs)
        if (Have.insert(V.Name).second)
          G->Outputs.push_back(G->findValue(V.Name));
  auto Expected = ref::interpret(*G, Inputs);
  ASSERT_TRUE(Expected.isOk()) << Expected.message();
  auto Got = compileAndRun(*G, C, Inputs);
  ASSERT_TRUE(Got.isOk()) << P.Config << ": " << Got.message();
  ASSERT_EQ(Got->size(), Expected->size());
  for (size_t K = 0; K < Got->size(); ++K)
    EXPECT_EQ((*Got)[K].byteVector(), (*Expected)[K].byteVector())
        << P.Test << " on " << P.Config << ": output '" << G->value(G->Outputs[K]).Name << "' differs";
}

std::vector<Case> allCases() {
  std::vector<Case> R;
  for (const std::string &T : candidateTests())
    for (const std::string &C : configNames())
      R.push_back({T, C});
  return R;
}

INSTANTIATE_TEST_SUITE_P(Onnx, NpuOnnxNode, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<Case> &I) {
                           const std::string Name = fs::path(I.param.Test).filename().string();
                           return (I.param.Test.starts_with("onnx-pytorch") ? "pytorch_" : "") + Name + "_" +
                                  I.param.Config;
                         });

} // namespace
} // namespace npu::test
