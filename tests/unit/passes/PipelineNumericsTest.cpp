// The float part of the default pipeline on every ONNX test model: the reference interpreter gives the same
// outputs before and after (fp within rtol 1e-4 / atol 1e-5, as BN folding rounds differently; integers
// exactly), and the verifier accepts the graph after every pass.
#include "PassTestUtil.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

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

/// Replaces the f32 constants with random values of trained-weight magnitudes (weights ~ 1/sqrt(fan-in), BN
/// variances positive): the onnx-light weights are constant fills, which would hide folding mistakes.
void randomizeConstants(ir::Graph &G, uint32_t Seed) {
  std::mt19937 Rng(Seed);
  std::vector<bool> Done(G.numValues(), false);
  auto Fill = [&](ir::ValueId V, double Lo, double Hi) {
    ir::Value &Val = G.value(V);
    if (Done[size_t(V)] || Val.Kind != ir::ValueKind::Constant ||
        Val.Data->elemType() != ir::ElemType::Float32)
      return;
    Done[size_t(V)] = true;
    std::uniform_real_distribution<double> D(Lo, Hi);
    ir::Tensor T(ir::ElemType::Float32, Val.Data->shape());
    for (int64_t I = 0; I < T.numElements(); ++I)
      T.data<float>()[I] = float(D(Rng));
    Val.Data = std::make_shared<const ir::Tensor>(std::move(T));
  };
  for (const ir::Node &N : G.nodes()) {
    bool Linear = N.OpType == "Conv" || N.OpType == "Gemm" || N.OpType == "MatMul";
    if (Linear && N.Inputs.size() > 1 && G.type(N.Inputs[1]).rank() >= 2) {
      const ir::Shape &W = G.type(N.Inputs[1]).Dims;
      int64_t FanIn = N.OpType == "Conv" ? ir::shapeNumElements(W) / W[0]
                                         : (N.getInt("transB", 0) ? W[1] : W[W.size() - 2]);
      double A = std::sqrt(3.0 / double(std::max<int64_t>(1, FanIn)));
      Fill(N.Inputs[1], -A, A);
    }
    if (N.OpType == "BatchNormalization") {
      Fill(N.Inputs[1], 0.5, 1.5);
      Fill(N.Inputs[4], 0.5, 1.5);
    }
  }
  for (size_t V = 0; V < G.numValues(); ++V)
    Fill(ir::ValueId(V), -0.5, 0.5); // biases, BN shifts and means, per-channel Mul/Add constants
}

/// The float pipeline on Dir's model with random weights, against the graph with only its constants folded.
void checkRandomized(const std::string &Sub) {
  std::string Dir = test::passTestData(Sub);
  if (Dir.empty())
    GTEST_SKIP() << Sub << " not found under " << NPU_TESTDATA_DIR;
  ir::Graph G;
  std::vector<ir::Tensor> Inputs;
  ASSERT_TRUE(loadModel(Dir, G, Inputs)) << Sub;
  ASSERT_TRUE(test::runPasses(G, {"constant-folding"}).isOk());
  randomizeConstants(G, 2024);
  auto Before = ref::interpret(G, Inputs);
  ASSERT_TRUE(Before.isOk()) << Before.message();
  Status S = test::runPasses(G, test::floatPipeline());
  ASSERT_TRUE(S.isOk()) << S.message();
  auto After = ref::interpret(G, Inputs);
  ASSERT_TRUE(After.isOk()) << After.message();
  ASSERT_EQ(After->size(), Before->size());
  for (size_t K = 0; K < After->size(); ++K)
    EXPECT_EQ(test::compareOutputs((*After)[K], (*Before)[K], 1e-4, 1e-5), "") << "output " << K;
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

// The models where BN folding, the standalone-BN rewrites and fusion all fire (the VGG/AlexNet/ZFNet family
// adds nothing new and costs most of the time).
class OnnxLightRandom : public testing::TestWithParam<const char *> {};

TEST_P(OnnxLightRandom, SameOutputsWithRandomWeights) {
  checkRandomized(std::string("models/onnx-light/") + GetParam());
}

INSTANTIATE_TEST_SUITE_P(PipelineNumerics, OnnxLightRandom,
                         testing::Values("light_densenet121", "light_inception_v1", "light_inception_v2",
                                         "light_resnet50", "light_shufflenet", "light_squeezenet"));
