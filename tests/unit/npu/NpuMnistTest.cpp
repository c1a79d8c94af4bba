// mnist-8 through the whole NPU path on every config: quantize + layout, compile to a model artifact, run on
// the functional simulator. The outputs must equal the reference interpreter's run of the same quantized
// graph bit for bit, and the top-1 class must equal the fp32 reference output's on all three data sets.
#include "NpuTestUtil.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/runtime/TensorProto.h"

#include <filesystem>

namespace npu::test {
namespace {

std::string mnistDir() { return std::string(NPU_TESTDATA_DIR) + "/models/mnist-8"; }

ir::Tensor readF32(const std::string &Path) {
  auto T = runtime::readTensorProto(Path);
  EXPECT_TRUE(T.isOk()) << (T ? "" : T.message());
  return T->Data;
}

int64_t argmax(const ir::Tensor &T) {
  int64_t Best = 0;
  for (int64_t I = 1; I < T.numElements(); ++I)
    if (T.getDouble(I) > T.getDouble(Best))
      Best = I;
  return Best;
}

TEST(NpuMnist, BitExactAndTop1OnEveryConfig) {
  if (!std::filesystem::exists(mnistDir() + "/model.onnx"))
    GTEST_SKIP() << mnistDir() << " is absent (external test data)";
  for (const std::string &Name : configNames()) {
    HardwareConfig C = loadConfig(Name);
    auto G = loadQuantizedModel(mnistDir(), C, {0, 1, 2});
    ASSERT_TRUE(G.isOk()) << G.message();
    for (int S = 0; S < 3; ++S) {
      const std::string Set = mnistDir() + "/test_data_set_" + std::to_string(S);
      ir::Tensor X = readF32(Set + "/input_0.pb");
      auto Expected = ref::interpret(*G, {X});
      ASSERT_TRUE(Expected.isOk()) << Expected.message();
      backend::CompileResult R;
      auto Got = compileAndRun(*G, C, {X}, &R);
      ASSERT_TRUE(Got.isOk()) << Name << ": " << Got.message();
      EXPECT_EQ((*Got)[0].byteVector(), (*Expected)[0].byteVector()) << Name << " set " << S;
      EXPECT_EQ(argmax((*Got)[0]), argmax(readF32(Set + "/output_0.pb"))) << Name << " set " << S;
      // The convolutions, pools and the matmul all run on the NPU.
      for (const backend::NodePlacement &P : R.Placements)
        if (P.OpType == "npu.QConv" || P.OpType == "npu.MaxPool" || P.OpType == "npu.QMatMul") {
          EXPECT_TRUE(P.Npu) << Name << ": " << P.Node << ": " << P.Reason;
        }
    }
  }
}

TEST(NpuMnist, ArtifactIsDeterministic) {
  if (!std::filesystem::exists(mnistDir() + "/model.onnx"))
    GTEST_SKIP() << mnistDir() << " is absent (external test data)";
  HardwareConfig C = loadConfig("default");
  std::vector<std::vector<uint8_t>> Bytes;
  for (int Run = 0; Run < 2; ++Run) {
    auto G = frontend::loadModel(mnistDir() + "/model.onnx");
    ASSERT_TRUE(G.isOk()) << G.message();
    passes::PassOptions Opts;
    Opts.Config = &C;
    Opts.CalibDirs = {mnistDir() + "/test_data_set_0"};
    passes::PipelineOptions Pipe;
    ASSERT_TRUE(passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, Pipe).isOk());
    auto R = backend::compileModel(*G, C);
    ASSERT_TRUE(R.isOk()) << R.message();
    auto B = backend::writeModelArtifact(R->Artifact);
    ASSERT_TRUE(B.isOk());
    Bytes.push_back(*B);
  }
  EXPECT_EQ(Bytes[0], Bytes[1]);
}

} // namespace
} // namespace npu::test
