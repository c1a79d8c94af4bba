// The float part of the default pipeline on every ONNX test model: the reference interpreter gives the same
// outputs before and after (fp within rtol 1e-4 / atol 1e-5, as BN folding rounds differently; integers
// exactly), and the verifier accepts the graph after every pass.
#include "PassTestUtil.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

using namespace npu;
namespace fs = std::filesystem;

namespace {

struct Tally {
  int Checked = 0, Skipped = 0;
  std::vector<std::string> Failures;
};

std::vector<fs::path> modelDirs(const fs::path &Root) {
  std::vector<fs::path> R;
  for (const auto &E : fs::recursive_directory_iterator(Root))
    if (E.is_regular_file() && E.path().filename() == "model.onnx")
      R.push_back(E.path().parent_path());
  std::sort(R.begin(), R.end());
  return R;
}

/// Imports Dir's model with the input shapes of test_data_set_0 and reads those inputs; false to skip it
/// (models the frontend does not support are the conformance tests' business, not the passes').
bool loadModel(const fs::path &Dir, ir::Graph &G, std::vector<ir::Tensor> &Inputs) {
  std::string Model = (Dir / "model.onnx").string();
  auto Names = frontend::onnxGraphInputs(Model);
  if (!Names)
    return false;
  frontend::ImportOptions IO;
  for (size_t K = 0;; ++K) {
    fs::path P = Dir / "test_data_set_0" / (std::string("input_") + std::to_string(K) + ".pb");
    if (!fs::exists(P))
      break;
    auto T = frontend::readTensorProtoFile(P.string());
    if (!T || K >= Names->size())
      return false;
    IO.InputShapes[(*Names)[K]] = T->Data.shape();
    Inputs.push_back(T->Data);
  }
  auto Imported = frontend::importOnnx(Model, IO);
  if (!Imported || Inputs.size() != Imported->Inputs.size())
    return false;
  G = Imported.takeValue();
  return true;
}

void checkModel(const fs::path &Dir, Tally &T) {
  ir::Graph G;
  std::vector<ir::Tensor> Inputs;
  if (!loadModel(Dir, G, Inputs)) {
    ++T.Skipped;
    return;
  }
  auto Before = ref::interpret(G, Inputs);
  if (!Before) { // e.g. a kernel the interpreter lacks; nothing to compare against
    ++T.Skipped;
    return;
  }
  ++T.Checked;
  std::string Name = Dir.filename().string();
  if (Status S = test::runPasses(G, test::floatPipeline()); !S) {
    T.Failures.push_back(Name + ": " + S.message());
    return;
  }
  auto After = ref::interpret(G, Inputs);
  if (!After) {
    T.Failures.push_back(Name + ": after the passes: " + After.message());
    return;
  }
  if (After->size() != Before->size()) {
    T.Failures.push_back(Name + ": output count changed");
    return;
  }
  for (size_t K = 0; K < After->size(); ++K)
    if (std::string D = test::compareOutputs((*After)[K], (*Before)[K], 1e-4, 1e-5); !D.empty())
      T.Failures.push_back(Name + ": output " + std::to_string(K) + ": " + D);
}

void checkSuite(const std::string &Sub) {
  std::string Root = test::passTestData(Sub);
  if (Root.empty())
    GTEST_SKIP() << Sub << " not found under " << NPU_TESTDATA_DIR;
  Tally T;
  for (const fs::path &Dir : modelDirs(Root))
    checkModel(Dir, T);
  std::cout << Sub << ": " << T.Checked << " models checked, " << T.Skipped
            << " skipped (not importable or not interpretable)\n";
  EXPECT_GT(T.Checked, 0);
  for (const std::string &F : T.Failures)
    ADD_FAILURE() << F;
}

} // namespace

TEST(PipelineNumerics, OnnxNodeTests) { checkSuite("onnx-node"); }
TEST(PipelineNumerics, OnnxPytorchTests) { checkSuite("onnx-pytorch"); }
TEST(PipelineNumerics, Mnist8) { checkSuite("models/mnist-8"); }

class OnnxLight : public testing::TestWithParam<const char *> {};

TEST_P(OnnxLight, SameOutputsAfterThePasses) { checkSuite(std::string("models/onnx-light/") + GetParam()); }

INSTANTIATE_TEST_SUITE_P(PipelineNumerics, OnnxLight,
                         testing::Values("light_bvlc_alexnet", "light_densenet121", "light_inception_v1",
                                         "light_inception_v2", "light_resnet50", "light_shufflenet",
                                         "light_squeezenet", "light_vgg19", "light_zfnet512"));
