// GPU path: PTX for the fp32 kernels of models and operator tests accepted by ptxas for sm_80 and sm_90 (skipped
// without ptxas), and whole models run on the GPU against the reference (skipped without a CUDA driver or GPU).
#include "HostTestUtil.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/host/Gpu.h"

#include <cstdlib>
#include <fstream>
#include <unistd.h>

using namespace npu;
using namespace npu::test;
namespace fs = std::filesystem;

namespace {

/// ptxas on PATH or under /usr/local/cuda*/bin, or "".
std::string findPtxas() {
  if (const char *Path = std::getenv("PATH")) {
    std::string P = Path;
    for (size_t At = 0; At <= P.size();) {
      size_t End = P.find(':', At);
      fs::path C = fs::path(P.substr(At, End == std::string::npos ? std::string::npos : End - At)) / "ptxas";
      if (fs::exists(C))
        return C.string();
      if (End == std::string::npos)
        break;
      At = End + 1;
    }
  }
  std::error_code EC;
  for (const auto &E : fs::directory_iterator("/usr/local", EC))
    if (E.path().filename().string().rfind("cuda", 0) == 0 && fs::exists(E.path() / "bin" / "ptxas"))
      return (E.path() / "bin" / "ptxas").string();
  return "";
}

/// Graphs with fp32 kernels: mnist-8, a few ONNX operator tests and some built here.
std::vector<std::pair<std::string, ir::Graph>> ptxGraphs() {
  std::vector<std::pair<std::string, ir::Graph>> R;
  if (std::string D = testData("models/mnist-8"); !D.empty())
    if (auto G = frontend::importOnnx(D + "/model.onnx"))
      R.push_back({"mnist-8", G.takeValue()});
  for (const char *T : {"test_conv_with_strides_padding", "test_gemm_all_attributes", "test_softmax_axis_1",
                        "test_averagepool_2d_pads", "test_maxpool_2d_strides", "test_batchnorm_example",
                        "test_convtranspose", "test_sigmoid", "test_tanh", "test_clip", "test_resize_upsample_scales_linear"})
    if (std::string D = testData(std::string("onnx-node/") + T); !D.empty())
      if (auto G = frontend::importOnnx(D + "/model.onnx"))
        R.push_back({T, G.takeValue()});
  std::vector<ir::Tensor> Feeds;
  R.push_back({"erf", oneNode("Erf", {in(randomF32({3, 40}, 1))}, {}, 1, Feeds)});
  R.push_back({"gelu", oneNode("Gelu", {in(randomF32({3, 40}, 1))}, {}, 1, Feeds)});
  R.push_back({"layernorm", oneNode("LayerNormalization", {in(randomF32({3, 40}, 1)), in(randomF32({40}, 2))}, {}, 1, Feeds)});
  return R;
}

TEST(HostPtx, PtxasAcceptsEveryKernel) {
  std::string Ptxas = findPtxas();
  if (Ptxas.empty())
    GTEST_SKIP() << "ptxas not found (PATH, /usr/local/cuda*/bin)";
  fs::path Tmp = fs::temp_directory_path() / ("npu-ptx-" + std::to_string(::getpid()));
  fs::create_directories(Tmp);
  auto Graphs = ptxGraphs();
  ASSERT_GE(Graphs.size(), 4u);
  for (const char *Arch : {"sm_80", "sm_90"})
    for (auto &[Name, G] : Graphs) {
      SCOPED_TRACE(Name + " " + Arch);
      host::PtxOptions PO;
      PO.Arch = Arch;
      PO.AllowFallback = false;
      auto Ptx = host::emitPtx(G, PO);
      ASSERT_TRUE(Ptx.isOk()) << Ptx.message();
      EXPECT_FALSE(Ptx->Kernels.empty());
      EXPECT_NE(Ptx->Ptx.find(std::string(".target ") + Arch), std::string::npos);
      fs::path File = Tmp / (Name + "_" + Arch + ".ptx");
      std::ofstream(File) << Ptx->Ptx;
      std::string Cmd = "'" + Ptxas + "' --gpu-name " + Arch + " '" + File.string() + "' -o '" + File.string() +
                        ".cubin' > '" + File.string() + ".log' 2>&1";
      int Rc = std::system(Cmd.c_str());
      std::ifstream Log(File.string() + ".log");
      std::string Text((std::istreambuf_iterator<char>(Log)), std::istreambuf_iterator<char>());
      EXPECT_EQ(Rc, 0) << Text;
    }
  std::error_code EC;
  fs::remove_all(Tmp, EC);
}

TEST(HostGpu, MissingDriverIsReported) {
  Status S = host::cudaAvailable();
  if (S)
    GTEST_SKIP() << "a CUDA driver and a GPU are present";
  std::vector<ir::Tensor> Feeds;
  auto M = host::compileGpuModel(oneNode("Relu", {in(randomF32({4}, 1))}, {}, 1, Feeds));
  ASSERT_FALSE(M.isOk());
  EXPECT_EQ(M.message(), S.message());
  if (S.message().find("libcuda") != std::string::npos) {
    EXPECT_EQ(S.message(), "no CUDA driver found (libcuda.so.1)");
  }
}

/// Runs G on the GPU and compares with the reference interpreter.
void expectGpuMatchesReference(const ir::Graph &G, const std::vector<ir::Tensor> &Feeds) {
  auto Want = ref::interpret(G, Feeds);
  ASSERT_TRUE(Want.isOk()) << Want.message();
  auto M = host::compileGpuModel(G);
  ASSERT_TRUE(M.isOk()) << M.message();
  auto Got = (*M)->run(Feeds);
  ASSERT_TRUE(Got.isOk()) << Got.message();
  check::CheckOptions CO;
  for (size_t K = 0; K < Got->size(); ++K)
    EXPECT_EQ(check::compareTensors((*Got)[K], (*Want)[K], CO), "") << G.Name << " output " << K;
}

TEST(HostGpu, OpsRunOnTheGpu) {
  if (Status S = host::cudaAvailable(); !S)
    GTEST_SKIP() << S.message();
  std::vector<std::pair<std::string, std::vector<Operand>>> Cases = {
      {"Sigmoid", {in(randomF32({7, 300}, 1))}},
      {"Add", {in(randomF32({4, 1, 30}, 2)), in(randomF32({5, 30}, 3))}},
      {"Softmax", {in(randomF32({3, 1000}, 4))}},
      {"MatMul", {in(randomF32({33, 70}, 5)), cst(randomF32({70, 45}, 6))}},
      {"Erf", {in(randomF32({1000}, 7))}}};
  for (auto &[Op, Ops] : Cases) {
    SCOPED_TRACE(Op);
    std::vector<ir::Tensor> Feeds;
    ir::Graph G = oneNode(Op, Ops, {}, 1, Feeds);
    expectGpuMatchesReference(G, Feeds);
  }
  std::vector<ir::Tensor> Feeds;
  ir::Graph G = oneNode("Conv", {in(randomF32({1, 3, 17, 17}, 8)), cst(randomF32({8, 3, 3, 3}, 9)), cst(randomF32({8}, 10))},
                        {attr("pads", ints({1, 1, 1, 1})), attr("strides", ints({2, 2}))}, 1, Feeds);
  expectGpuMatchesReference(G, Feeds);
}

TEST(HostGpu, Mnist8OnTheGpu) {
  if (Status S = host::cudaAvailable(); !S)
    GTEST_SKIP() << S.message();
  std::string Dir = testData("models/mnist-8");
  if (Dir.empty())
    GTEST_SKIP() << "external test data not found under " << NPU_TESTDATA_DIR;
  auto G = frontend::importOnnx(Dir + "/model.onnx");
  ASSERT_TRUE(G.isOk()) << G.message();
  auto M = host::compileGpuModel(*G);
  ASSERT_TRUE(M.isOk()) << M.message();
  for (int S = 0; S < 3; ++S) {
    std::string Set = Dir + "/test_data_set_" + std::to_string(S);
    auto In = frontend::readTensorProtoFile(Set + "/input_0.pb");
    auto Out = frontend::readTensorProtoFile(Set + "/output_0.pb");
    ASSERT_TRUE(In.isOk() && Out.isOk());
    auto Got = (*M)->run({In->Data});
    ASSERT_TRUE(Got.isOk()) << Got.message();
    check::CheckOptions CO;
    EXPECT_EQ(check::compareTensors((*Got)[0], Out->Data, CO), "") << Set;
  }
}

} // namespace
