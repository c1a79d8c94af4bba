// Operator tests of ../shared/testdata prepared for the NPU path (see OnnxNodeUtil.h).
#include "OnnxNodeUtil.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/backend/Compile.h"
#include "npu/compiler/passes/PassManager.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

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
                                            "Sigmoid",
                                            "Tanh",
                                            "HardSigmoid",
                                            "HardSwish",
                                            "Gelu",
                                            "Elu",
                                            "Selu",
                                            "Celu",
                                            "Softplus",
                                            "Softsign",
                                            "Mish",
                                            "Erf",
                                            "Exp",
                                            "ThresholdedRelu",
                                            "Resize",
                                            "Pad",
                                            "Flatten",
                                            "QLinearConv",
                                            "QLinearMatMul",
                                            "Mul",
                                            "BatchNormalization"};
  return Ops;
}

/// The tab-separated fields of one INDEX.tsv line.
std::vector<std::string> splitTabs(const std::string &Line) {
  std::vector<std::string> F;
  for (size_t P = 0;;) {
    size_t Q = Line.find('\t', P);
    F.push_back(Line.substr(P, Q == std::string::npos ? std::string::npos : Q - P));
    if (Q == std::string::npos)
      return F;
    P = Q + 1;
  }
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

/// Every input_K.pb of a test data set, in order.
Expected<std::vector<ir::Tensor>> readInputs(const std::string &Set) {
  std::vector<ir::Tensor> All;
  for (size_t K = 0; fs::exists(Set + "/input_" + std::to_string(K) + ".pb"); ++K) {
    auto T = frontend::readTensorProtoFile(Set + "/input_" + std::to_string(K) + ".pb");
    if (!T)
      return T.error();
    All.push_back(T->Data);
  }
  return All;
}

} // namespace

std::vector<std::string> onnxNodeCandidates() {
  std::vector<std::string> R;
  for (const std::string &Suite : suiteDirs()) {
    std::ifstream In(std::string(NPU_TESTDATA_DIR) + "/" + Suite + "/INDEX.tsv");
    std::string Line;
    std::getline(In, Line); // header
    while (std::getline(In, Line)) {
      const std::vector<std::string> F = splitTabs(Line);
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

std::string onnxNodeCaseName(const std::string &Test) {
  return (Test.starts_with("onnx-pytorch") ? "pytorch_" : "") + fs::path(Test).filename().string();
}

Expected<OnnxNodeModel> prepareOnnxNodeTest(const std::string &Test, const HardwareConfig &C,
                                            const std::string &ScratchDir) {
  OnnxNodeModel M;
  const std::string Dir = std::string(NPU_TESTDATA_DIR) + "/" + Test;
  if (!fs::exists(Dir + "/model.onnx")) {
    M.Skip = Dir + " is absent (external test data)";
    return M;
  }
  auto G = frontend::loadModel(Dir + "/model.onnx");
  if (!G) {
    M.Skip = "not imported: " + G.message();
    return M;
  }
  const std::string Set = Dir + "/test_data_set_0";
  auto All = readInputs(Set);
  if (!All)
    return All.error();
  if (All->size() != G->Inputs.size())
    return makeError(Set, " has ", All->size(), " inputs, the graph ", G->Inputs.size());
  const std::vector<size_t> Keep = freezeWeights(*G, *All);
  // Calibration reads input_K.pb for the K-th remaining input: a private folder renumbered accordingly (the
  // process id keeps test binaries that ctest runs in parallel apart).
  const fs::path Calib = fs::path(ScratchDir) / ("npu_onnx_node_" + fs::path(Test).filename().string() + "_" +
                                                 C.Name + "_" + std::to_string(::getpid()));
  fs::create_directories(Calib);
  for (size_t K = 0; K < Keep.size(); ++K) {
    M.Inputs.push_back((*All)[Keep[K]]);
    fs::copy_file(Set + "/input_" + std::to_string(Keep[K]) + ".pb",
                  Calib / ("input_" + std::to_string(K) + ".pb"), fs::copy_options::overwrite_existing);
  }
  passes::PassOptions Opts;
  Opts.Config = &C;
  Opts.CalibDirs = {Calib.string()};
  passes::PipelineOptions Pipe;
  Status S = passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, Pipe);
  fs::remove_all(Calib);
  if (!S) {
    M.Skip = "not quantized: " + S.message();
    M.Inputs.clear();
    return M;
  }
  M.G = G.takeValue();
  return M;
}

size_t onnxNodeTestsWithNpuSegments(const HardwareConfig &C, const std::string &ScratchDir) {
  size_t WithNpu = 0;
  for (const std::string &T : onnxNodeCandidates()) {
    auto M = prepareOnnxNodeTest(T, C, ScratchDir);
    if (!M.isOk() || !M->Skip.empty())
      continue;
    auto R = backend::compileModel(M->G, C);
    if (!R.isOk())
      continue;
    WithNpu += std::any_of(R->Artifact.Segments.begin(), R->Artifact.Segments.end(),
                           [](const backend::ArtifactSegment &S) { return S.K == backend::ArtifactSegment::Npu; });
  }
  return WithNpu;
}

} // namespace npu::test
