// The generated demo CNN: the generator writes the same bytes every time; the model imports, runs on the
// reference interpreter, and its compiled artifact on the functional simulator equals the reference
// interpreter running the same quantized graph bit for bit on every config.
#include "DemoCnn.h"

#include "npu/backend/Compile.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/runtime/ModelRunner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace npu::modelgen {
namespace {

namespace fs = std::filesystem;

/// A fresh folder under the build tree, removed when the test ends.
class TempDir {
public:
  explicit TempDir(const std::string &Name)
      : Path(fs::path(NPU_BINARY_DIR) / "tests" / "modelgen_tmp" / Name) {
    fs::remove_all(Path);
    fs::create_directories(Path);
  }
  ~TempDir() { fs::remove_all(Path); }
  std::string str() const { return Path.string(); }
  fs::path Path;
};

/// Every regular file below Dir, by relative path, with its bytes.
std::map<std::string, std::string> readTree(const fs::path &Dir) {
  std::map<std::string, std::string> Files;
  for (const fs::directory_entry &E : fs::recursive_directory_iterator(Dir))
    if (E.is_regular_file()) {
      std::ifstream In(E.path(), std::ios::binary);
      Files[fs::relative(E.path(), Dir).string()] =
          std::string((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
    }
  return Files;
}

ir::Tensor readTensor(const fs::path &Path) {
  auto T = frontend::readTensorProtoFile(Path.string());
  EXPECT_TRUE(T.isOk()) << (T ? "" : T.message());
  return T ? T->Data : ir::Tensor();
}

int64_t argmax(const ir::Tensor &T) {
  int64_t Best = 0;
  for (int64_t I = 1; I < T.numElements(); ++I)
    if (T.getDouble(I) > T.getDouble(Best))
      Best = I;
  return Best;
}

TEST(DemoCnn, SameSeedGivesByteIdenticalFiles) {
  TempDir A("same_a"), B("same_b"), C("other_seed");
  DemoCnnOptions Opts;
  ASSERT_TRUE(writeDemoCnn(A.str(), Opts).isOk());
  ASSERT_TRUE(writeDemoCnn(B.str(), Opts).isOk());
  auto FilesA = readTree(A.Path), FilesB = readTree(B.Path);
  EXPECT_EQ(FilesA.size(), size_t(1 + 2 * Opts.Sets)); // model.onnx, input_0.pb and output_0.pb per set
  EXPECT_EQ(FilesA, FilesB);
  Opts.Seed += 1;
  ASSERT_TRUE(writeDemoCnn(C.str(), Opts).isOk());
  EXPECT_NE(readTree(C.Path)["model.onnx"], FilesA["model.onnx"]);
}

TEST(DemoCnn, ImportsAndIsNotDegenerate) {
  TempDir D("degenerate");
  DemoCnnOptions Opts;
  Opts.Sets = 8;
  ASSERT_TRUE(writeDemoCnn(D.str(), Opts).isOk());
  auto G = frontend::loadModel(D.str() + "/model.onnx");
  ASSERT_TRUE(G.isOk()) << G.message();
  std::map<std::string, int> Ops;
  for (const ir::Node &N : G->nodes())
    Ops[N.OpType] += 1;
  EXPECT_EQ(Ops["Conv"], 4);
  EXPECT_EQ(Ops["Add"], 1);
  EXPECT_EQ(Ops["Softmax"], 1);
  std::set<int64_t> Classes;
  for (int S = 0; S < Opts.Sets; ++S) {
    ir::Tensor P = readTensor(D.Path / ("test_data_set_" + std::to_string(S)) / "output_0.pb");
    ASSERT_EQ(P.numElements(), 10);
    double Sum = 0;
    for (int64_t I = 0; I < P.numElements(); ++I)
      Sum += P.getDouble(I);
    EXPECT_NEAR(Sum, 1.0, 1e-5);
    Classes.insert(argmax(P));
  }
  // He-uniform weights keep the activations alive: different images get different classes.
  EXPECT_GE(Classes.size(), 3u);
}

TEST(DemoCnn, FuncSimulatorBitExactWithReferenceOnEveryConfig) {
  TempDir D("bitexact");
  DemoCnnOptions Opts;
  ASSERT_TRUE(writeDemoCnn(D.str(), Opts).isOk());
  for (const char *Name : {"default", "edge", "large"}) {
    SCOPED_TRACE(Name);
    auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
    ASSERT_TRUE(C.isOk()) << C.message();
    auto G = frontend::loadModel(D.str() + "/model.onnx");
    ASSERT_TRUE(G.isOk()) << G.message();
    passes::PassOptions PO;
    PO.Config = &*C;
    PO.CalibDirs = {D.str()};
    ASSERT_TRUE(passes::runPipeline(*G, passes::defaultPipeline("npu"), PO, {}).isOk());
    auto R = backend::compileModel(*G, *C);
    ASSERT_TRUE(R.isOk()) << R.message();
    // The convolutions, pools, residual add and gemm run on the NPU; softmax falls back to the host.
    for (const backend::NodePlacement &P : R->Placements) {
      if (P.OpType == "npu.QConv" || P.OpType == "npu.QAdd" || P.OpType == "npu.MaxPool" ||
          P.OpType == "npu.QGlobalAvgPool" || P.OpType == "npu.QMatMul") {
        EXPECT_TRUE(P.Npu) << P.Node << ": " << P.Reason;
      }
      if (P.OpType == "Softmax") {
        EXPECT_FALSE(P.Npu) << P.Node;
      }
    }
    auto Bytes = backend::writeModelArtifact(R->Artifact);
    ASSERT_TRUE(Bytes.isOk()) << Bytes.message();
    auto A = backend::readModelArtifact(*Bytes, "demo_cnn");
    ASSERT_TRUE(A.isOk()) << A.message();
    runtime::FuncDevice Dev(*C);
    int Top1Equal = 0;
    for (int S = 0; S < Opts.Sets; ++S) {
      fs::path Set = D.Path / ("test_data_set_" + std::to_string(S));
      ir::Tensor X = readTensor(Set / "input_0.pb");
      auto Ref = ref::interpret(*G, {X});
      ASSERT_TRUE(Ref.isOk()) << Ref.message();
      auto Got = runtime::runModel(Dev, *A, {ir::NamedTensor{"image", X}});
      ASSERT_TRUE(Got.isOk()) << Got.message();
      ASSERT_EQ(Got->Outputs.size(), 1u);
      EXPECT_EQ(Got->Outputs[0].Data.byteVector(), (*Ref)[0].byteVector()) << "set " << S;
      Top1Equal += argmax((*Ref)[0]) == argmax(readTensor(Set / "output_0.pb"));
    }
    // The head separates the synthetic classes by a wide margin (p >= 0.37 in fp32), far above the int8
    // error, so quantization keeps every top-1 class.
    EXPECT_EQ(Top1Equal, Opts.Sets);
  }
}

} // namespace
} // namespace npu::modelgen
