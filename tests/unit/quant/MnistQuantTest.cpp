// mnist-8 (external test data): int8 argmax equals fp32 on its three sets; blocked equals unblocked.
// Calibrated on its three test_data_set_* for every estimator; blocked on the default, edge and large config.
#include "QuantTestUtil.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>
#include <filesystem>

using namespace npu;
using namespace npu::ir;
using namespace npu::qtest;

namespace {

struct Mnist {
  Graph Model;
  std::vector<std::string> Sets;
  std::vector<std::vector<Tensor>> Inputs;
};

/// Loads mnist-8 and its sets, or says why not.
std::optional<Mnist> loadMnist(std::string &Why) {
  std::string Dir = testData("models/mnist-8");
  if (Dir.empty()) {
    Why = "external test data models/mnist-8 is absent";
    return std::nullopt;
  }
  auto G = frontend::loadModel(Dir + "/model.onnx");
  EXPECT_TRUE(G.isOk()) << (G ? "" : G.message());
  if (!G)
    return std::nullopt;
  Mnist M{G.takeValue(), {}, {}};
  for (int K = 0; K < 3; ++K) {
    std::string S = Dir + "/test_data_set_" + std::to_string(K);
    auto T = frontend::readTensorProtoFile(S + "/input_0.pb");
    EXPECT_TRUE(T.isOk());
    M.Sets.push_back(S);
    M.Inputs.push_back({T->Data});
  }
  return M;
}

int64_t argmax(const Tensor &T) {
  int64_t Best = 0;
  for (int64_t I = 1; I < T.numElements(); ++I)
    if (T.getDouble(I) > T.getDouble(Best))
      Best = I;
  return Best;
}

/// The NPU pipeline up to quantize (float passes included when the build has them).
std::vector<std::string> pipelineTo(const std::string &Last) {
  std::vector<std::string> P;
  for (const std::string &Name : passes::defaultPipeline("npu")) {
    P.push_back(Name);
    if (Name == Last)
      break;
  }
  return P;
}

} // namespace

TEST(MnistQuant, Int8ArgmaxEqualsFp32OnAllSetsForEveryEstimator) {
  std::string Why;
  auto M = loadMnist(Why);
  if (!M)
    GTEST_SKIP() << Why;
  for (const char *Method : {"minmax", "percentile", "entropy"}) {
    for (bool FloatPasses : {false, true}) {
      Graph Q = M->Model;
      passes::PassOptions Opts;
      Opts.CalibDirs = M->Sets;
      Opts.CalibMethod = Method;
      auto Passes = FloatPasses ? pipelineTo("quantize") : std::vector<std::string>{"quantize"};
      Status S = runPasses(Q, Passes, Opts);
      ASSERT_TRUE(S.isOk()) << S.message();
      EXPECT_EQ(countOps(Q, "npu.QConv"), 2);
      EXPECT_EQ(countOps(Q, "npu.QMatMul"), 1);
      double MaxErr = 0;
      for (size_t K = 0; K < 3; ++K) {
        auto F = ref::interpret(M->Model, M->Inputs[K]);
        auto I = ref::interpret(Q, M->Inputs[K]);
        ASSERT_TRUE(F.isOk() && I.isOk()) << (I ? "" : I.message());
        EXPECT_EQ(argmax((*F)[0]), argmax((*I)[0])) << Method << " set " << K;
        for (int64_t E = 0; E < (*F)[0].numElements(); ++E)
          MaxErr = std::max(MaxErr, std::fabs((*F)[0].getDouble(E) - (*I)[0].getDouble(E)));
      }
      std::cout << "mnist-8 " << Method << (FloatPasses ? " (after the float passes)" : "")
                << ": argmax agrees on 3/3 sets, max abs error of the logits " << MaxErr << "\n";
      RecordProperty(std::string(Method) + (FloatPasses ? "_fused" : "") + "_max_abs_error",
                     std::to_string(MaxErr));
    }
  }
}

TEST(MnistQuant, BlockedLayoutIsBitIdentical) {
  std::string Why;
  auto M = loadMnist(Why);
  if (!M)
    GTEST_SKIP() << Why;
  Graph Q = M->Model;
  passes::PassOptions Opts;
  Opts.CalibDirs = M->Sets;
  ASSERT_TRUE(runPasses(Q, pipelineTo("quantize"), Opts).isOk());
  for (const char *Name : {"default", "edge", "large"}) {
    HardwareConfig C = loadConfig(Name);
    Opts.Config = &C;
    Graph B = Q;
    Status S = runPasses(B, {"layout"}, Opts);
    ASSERT_TRUE(S.isOk()) << S.message();
    EXPECT_EQ(countOps(B, "npu.QConv"), 2);
    for (const Node &N : B.nodes())
      if (N.OpType == "npu.QConv" || N.OpType == "npu.QMatMul") {
        EXPECT_EQ(N.getString("layout", ""), "blocked");
      }
    for (size_t K = 0; K < 3; ++K) {
      auto U = ref::interpret(Q, M->Inputs[K]), V = ref::interpret(B, M->Inputs[K]);
      ASSERT_TRUE(U.isOk() && V.isOk()) << (V ? "" : V.message());
      EXPECT_EQ((*U)[0], (*V)[0]) << Name << " set " << K;
    }
  }
}
