// The host path inside the runtime: the NPU operators of host segments (layout conversions, requantization)
// against the reference interpreter, and an mnist-8 NPU artifact whose host segments run on the JIT giving
// the outputs of the same artifact with reference-interpreter host segments, bit for bit.
#include "HostTestUtil.h"

#include "npu/backend/Compile.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/runtime/HostJit.h"
#include "npu/runtime/TensorProto.h"

using namespace npu;
using namespace npu::test;
using ir::ElemType;

namespace {

TEST(HostNpuOps, LayoutConversions) {
  // Channels that fill the blocks, channels padded (pad_value), batch blocks, no spatial dims.
  for (ir::Shape S :
       {ir::Shape{1, 32, 3, 5}, ir::Shape{2, 5, 4, 3}, ir::Shape{4, 19, 2, 2, 3}, ir::Shape{1, 40}}) {
    SCOPED_TRACE(ir::formatShape(S));
    ir::Tensor X = randomTensor(ElemType::Int8, S, 70, -128, 127);
    int64_t BlockN = S[0] == 4 ? 2 : 1;
    std::vector<ir::Attribute> A = {attr("block_n", BlockN), attr("block_c", int64_t(16)),
                                    attr("pad_value", int64_t(-3))};
    checkOp("npu.ToBlocked", {in(X)}, A);
    // Blocked -> plain (and back, with another block size) through a two-node graph.
    std::vector<ir::Tensor> Feeds;
    ir::Graph G = oneNode("npu.ToBlocked", {in(X)}, A, 1, Feeds);
    ir::ValueId Blk = G.Outputs[0];
    ir::ValueId Plain = G.addValue("plain", X.type());
    ir::Node &F = G.addNode("npu.FromBlocked", {Blk}, {Plain}, "from");
    F.Attrs = {attr("shape", std::vector<int64_t>(S.begin(), S.end()))};
    ir::Shape Re = {S[0] / BlockN, (S[1] + 7) / 8};
    Re.insert(Re.end(), S.begin() + 2, S.end());
    Re.push_back(BlockN);
    Re.push_back(8);
    ir::ValueId Rb = G.addValue("reblocked", ir::TensorType(ElemType::Int8, Re));
    ir::Node &R = G.addNode("npu.Reblock", {Blk}, {Rb}, "reblock");
    R.Attrs = {attr("block_c", int64_t(8)), attr("channels", S[1]), attr("pad_value", int64_t(5))};
    G.Outputs = {Blk, Plain, Rb};
    ASSERT_TRUE(ir::verifyGraph(G).isOk()) << ir::verifyGraph(G).message();
    expectMatchesReference(G, Feeds);
  }
}

TEST(HostNpuOps, Requantize) {
  ir::Tensor Acc = randomTensor(ElemType::Int32, {2, 3, 7}, 71, -40000, 40000);
  ir::Tensor Q8 = randomTensor(ElemType::Int8, {5, 9}, 72, -128, 127);
  checkOp("npu.Requantize", {in(Acc)},
          {attr("multiplier", int64_t(1234567)), attr("shift", int64_t(30)),
           attr("y_zero_point", int64_t(3))});
  checkOp("npu.Requantize", {in(Acc)},
          {attr("multiplier", int64_t(98765)), attr("shift", int64_t(24)), attr("y_zero_point", int64_t(-7)),
           attr("act_min", int64_t(-7)), attr("act_max", int64_t(100))});
  checkOp("npu.Requantize", {in(Q8)},
          {attr("multiplier", int64_t(1) << 30), attr("shift", int64_t(31)),
           attr("x_zero_point", int64_t(-5)), attr("y_zero_point", int64_t(128)),
           attr("to", std::string("u8"))});
}

/// mnist-8 quantized and compiled for the default config; every host segment in generated code.
TEST(HostRuntime, Mnist8NpuArtifactJitHostSegmentsMatchReference) {
  std::string Dir = testData("models/mnist-8");
  if (Dir.empty())
    GTEST_SKIP() << "external test data not found under " << NPU_TESTDATA_DIR;
  auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/default.yaml");
  ASSERT_TRUE(C.isOk()) << C.message();
  auto G = frontend::loadModel(Dir + "/model.onnx");
  ASSERT_TRUE(G.isOk()) << G.message();
  passes::PassOptions PO;
  PO.Config = &*C;
  PO.CalibDirs = {Dir + "/test_data_set_0"};
  ASSERT_TRUE(passes::runPipeline(*G, passes::defaultPipeline("npu"), PO, passes::PipelineOptions()).isOk());
  auto R = backend::compileModel(*G, *C);
  ASSERT_TRUE(R.isOk()) << R.message();
  auto Bytes = backend::writeModelArtifact(R->Artifact);
  ASSERT_TRUE(Bytes.isOk());
  auto A = backend::readModelArtifact(*Bytes, "mnist-8.npub");
  ASSERT_TRUE(A.isOk()) << A.message();
  int HostSegments = 0;
  for (const backend::ArtifactSegment &S : A->Segments)
    HostSegments += S.K == backend::ArtifactSegment::Host;
  ASSERT_GT(HostSegments, 0);

  host::HostOptions HO = testOptions(); // no fallback: an npu.* node without a kernel fails the prepare
  runtime::ModelRunOptions Jit;
  Jit.Host = host::jitHostExecutor(HO);
  for (int Set = 0; Set < 3; ++Set) {
    auto In = runtime::readTensorDir(Dir + "/test_data_set_" + std::to_string(Set), "input");
    ASSERT_TRUE(In.isOk()) << In.message();
    runtime::FuncDevice Dev(*C);
    auto Want = runtime::runModel(&Dev, *A, *In, runtime::ModelRunOptions());
    ASSERT_TRUE(Want.isOk()) << Want.message();
    auto Got = runtime::runModel(&Dev, *A, *In, Jit);
    ASSERT_TRUE(Got.isOk()) << Got.message();
    ASSERT_EQ(Got->Outputs.size(), Want->Outputs.size());
    for (size_t K = 0; K < Got->Outputs.size(); ++K)
      EXPECT_EQ(Got->Outputs[K].Data.byteVector(), Want->Outputs[K].Data.byteVector())
          << "data set " << Set << " output " << K;
    for (const runtime::SegmentRun &S : Got->Segments)
      if (!S.Npu) {
        EXPECT_EQ(S.Executor, "LLVM JIT");
        EXPECT_NE(S.Note.find(" 0 fallback nodes"), std::string::npos) << S.Name << ": " << S.Note;
      }
  }
}

/// An artifact with NPU segments needs a device; without one the runtime says so instead of crashing.
TEST(HostRuntime, NpuSegmentWithoutDeviceIsAnError) {
  backend::ModelArtifact A;
  A.Config = defaultHardwareConfig();
  backend::ArtifactSegment S;
  S.K = backend::ArtifactSegment::Npu;
  S.Name = "npu0";
  A.Segments.push_back(S);
  auto R = runtime::runModel(nullptr, A, {}, runtime::ModelRunOptions());
  ASSERT_FALSE(R.isOk());
  EXPECT_NE(R.message().find("NPU backend"), std::string::npos) << R.message();
}

} // namespace
