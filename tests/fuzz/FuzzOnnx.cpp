// Fuzz target "onnx": ONNX model bytes through the importer, the verifier, the npu graph pipeline and the NPU
// backend (placement, lowering, artifact).
#include "FuzzTarget.h"

#include "npu/backend/Compile.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/passes/PassManager.h"

#include <filesystem>
#include <unistd.h>

using namespace npu;

namespace {

constexpr int64_t MaxCalibElements = 1 << 16;

/// Writes one calibration set for G's float inputs (a ramp over [-1, 1]) into a folder of this process, so
/// float models get through quantization; "" when an input is too large or not float. The set depends only
/// on the inputs' names and shapes: when they are those of the last set written, that set is used again.
std::string writeCalibSet(const ir::Graph &G) {
  static const std::filesystem::path Dir =
      std::filesystem::temp_directory_path() / ("npu-fuzz-calib-" + std::to_string(getpid()));
  static std::string Written; // the names and shapes of the set in Dir; "" when none is
  std::string Key;
  for (ir::ValueId Id : G.Inputs) {
    const ir::Value &V = G.value(Id);
    if (!V.Type || V.Type->Elem != ir::ElemType::Float32)
      return "";
    int64_t N = ir::shapeNumElements(V.Type->Dims);
    if (N <= 0 || N > MaxCalibElements)
      return "";
    Key += std::to_string(V.Name.size()) + ":" + V.Name;
    for (int64_t D : V.Type->Dims)
      Key += "," + std::to_string(D);
    Key += ";";
  }
  if (!Written.empty() && Key == Written)
    return Dir.string();
  Written.clear();
  std::filesystem::remove_all(Dir);
  std::filesystem::create_directories(Dir);
  for (size_t K = 0; K < G.Inputs.size(); ++K) {
    const ir::Value &V = G.value(G.Inputs[K]);
    ir::Tensor T(ir::ElemType::Float32, V.Type->Dims);
    for (int64_t I = 0; I < T.numElements(); ++I)
      T.setDouble(I, -1.0 + 2.0 * double(I % 97) / 96.0);
    if (!frontend::writeTensorProtoFile((Dir / ("input_" + std::to_string(K) + ".pb")).string(), V.Name, T))
      return "";
  }
  Written = Key;
  return Dir.string();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  // External data resolves against a folder that does not exist: the target reads no file.
  auto G = frontend::importOnnxBytes(fuzz::asText(Data, Size), {}, "/nonexistent-fuzz-dir", "fuzz.onnx");
  if (!G)
    return fuzz::note("import", G.message());
  if (Status S = ir::verifyGraph(*G); !S)
    return fuzz::note("verify", S.message());
  const HardwareConfig &C = fuzz::fuzzConfig();
  passes::PassOptions Opts;
  Opts.Config = &C;
  std::string Calib = writeCalibSet(*G);
  if (!Calib.empty())
    Opts.CalibDirs.push_back(Calib);
  if (Status S = passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, passes::PipelineOptions{}); !S)
    return fuzz::note("pipeline", S.message());
  backend::placeNodes(*G, C);
  auto R = backend::compileModel(*G, C);
  if (!R)
    return fuzz::note("compile", R.message());
  auto Bytes = backend::writeModelArtifact(R->Artifact);
  if (!Bytes)
    fuzz::invariantFailed("a compiled artifact does not serialize: " + Bytes.message());
  if (!backend::readModelArtifact(*Bytes, "fuzz.npub"))
    fuzz::invariantFailed("a written artifact does not read back");
  return fuzz::note("end", std::to_string(R->Artifact.Segments.size()) + " segments");
}
