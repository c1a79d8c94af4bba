// Structure and coverage on the 9 onnx-light models (constant-fill weights: outputs say nothing about
// accuracy): each is calibrated and quantized once, then laid out, compiled, written to and read back from an
// artifact and run on the functional simulator for every config. The outputs must equal the reference
// interpreter's run of the same quantized graph bit for bit; the placement counts and times are printed.
#include "NpuTestUtil.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/passes/PassManager.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

namespace npu::test {
namespace {

std::string lightDir(const std::string &Model) {
  return std::string(NPU_TESTDATA_DIR) + "/models/onnx-light/light_" + Model;
}

double secondsSince(std::chrono::steady_clock::time_point T) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - T).count();
}

class NpuLightModel : public ::testing::TestWithParam<std::string> {};

TEST_P(NpuLightModel, CompilesAndRunsBitExactOnEveryConfig) {
  const std::string Dir = lightDir(GetParam());
  if (!std::filesystem::exists(Dir + "/model.onnx"))
    GTEST_SKIP() << Dir << " is absent (external test data)";
  auto Start = std::chrono::steady_clock::now();
  auto G = frontend::loadModel(Dir + "/model.onnx");
  ASSERT_TRUE(G.isOk()) << G.message();
  std::vector<ir::Tensor> Inputs;
  for (size_t K = 0; K < G->Inputs.size(); ++K) {
    auto T = frontend::readTensorProtoFile(Dir + "/test_data_set_0/input_" + std::to_string(K) + ".pb");
    ASSERT_TRUE(T.isOk()) << T.message();
    Inputs.push_back(T->Data);
  }
  // The float passes and quantize do not depend on the config (beyond its int8 types): run them once.
  HardwareConfig Default = loadConfig("default");
  passes::PassOptions Opts;
  Opts.Config = &Default;
  Opts.CalibDirs = {Dir + "/test_data_set_0"};
  passes::PipelineOptions Pipe;
  Pipe.StopAfter = "quantize";
  Status S = passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, Pipe);
  ASSERT_TRUE(S.isOk()) << S.message();
  std::cout << GetParam() << ": quantized in " << secondsSince(Start) << " s\n";
  // Every bundled config, the asymmetric ones (block_in != block_out) included.
  std::vector<std::string> Names;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/configs"))
    if (E.path().extension() == ".yaml")
      Names.push_back(E.path().stem().string());
  std::sort(Names.begin(), Names.end());
  size_t Ran = 0;
  for (const std::string &Name : Names) {
    HardwareConfig C = loadConfig(Name);
    // The graph was quantized once, for int8 activations; a config with int16 activations (edge16) needs its
    // own quantization, which npu_int16_test and the edge16 e2e tests cover with real weights.
    if (C.InputType != DType::Int8) {
      std::cout << GetParam() << " on " << Name << ": not run (int16 activations need their own quantization)\n";
      continue;
    }
    ++Ran;
    ir::Graph L = *G;
    Opts.Config = &C;
    passes::PipelineOptions Rest;
    S = passes::runPipeline(L, {"layout"}, Opts, Rest);
    ASSERT_TRUE(S.isOk()) << Name << ": " << S.message();
    auto T0 = std::chrono::steady_clock::now();
    backend::CompileResult R;
    auto Got = compileAndRun(L, C, Inputs, &R);
    ASSERT_TRUE(Got.isOk()) << GetParam() << " on " << Name << ": " << Got.message();
    const double RunS = secondsSince(T0);
    T0 = std::chrono::steady_clock::now();
    auto Expected = ref::interpret(L, Inputs);
    ASSERT_TRUE(Expected.isOk()) << Expected.message();
    ASSERT_EQ(Got->size(), Expected->size());
    for (size_t K = 0; K < Got->size(); ++K)
      EXPECT_EQ((*Got)[K].byteVector(), (*Expected)[K].byteVector()) << GetParam() << " on " << Name;
    size_t Npu = 0, Segments = 0;
    for (const backend::NodePlacement &P : R.Placements)
      Npu += P.Npu;
    for (const backend::ArtifactSegment &Seg : R.Artifact.Segments)
      Segments += Seg.K == backend::ArtifactSegment::Npu;
    EXPECT_GT(Npu, 0u) << GetParam() << " on " << Name;
    std::cout << GetParam() << " on " << Name << ": " << Npu << " NPU nodes, " << R.Placements.size() - Npu
              << " host nodes, " << Segments << " NPU segments; compile+run " << RunS << " s, reference "
              << secondsSince(T0) << " s\n";
  }
  EXPECT_GE(Ran, 4u) << "int8 configs the model ran on";
}

INSTANTIATE_TEST_SUITE_P(OnnxLight, NpuLightModel,
                         ::testing::Values("bvlc_alexnet", "densenet121", "inception_v1", "inception_v2",
                                           "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"),
                         [](const ::testing::TestParamInfo<std::string> &I) { return I.param; });

} // namespace
} // namespace npu::test
