// The ref target of the conformance runner: ONNX test folders through the importer and reference interpreter.
#include "npu/compiler/check/Conformance.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/ref/Interpreter.h"

namespace npu::check {

namespace fs = std::filesystem;

std::string compareOutputs(const std::vector<ir::Tensor> &Got, const std::vector<ir::Tensor> &Expected,
                           const TestFolder &T, const fs::path &Set, const CheckOptions &Opts) {
  const std::string SetName = Set.filename().string();
  if (Got.size() != Expected.size())
    return SetName + ": " + std::to_string(Got.size()) + " outputs, expected " + std::to_string(Expected.size());
  for (size_t K = 0; K < Got.size(); ++K)
    if (std::string Diff = compareTensors(Got[K], Expected[K], Opts); !Diff.empty())
      return (T.Sets.size() > 1 ? SetName + ": " : std::string()) + "output " + std::to_string(K) + " " + Diff;
  return "";
}

Expected<ir::Graph> importForTest(const TestFolder &T, const MemoryLimit &Limit) {
  frontend::ImportOptions IO;
  IO.Memory = Limit;
  const std::string Model = T.model().string();
  auto First = readDataSet(T.Sets[0], "input", Limit);
  auto Names = frontend::onnxGraphInputs(Model);
  if (!First || !Names) { // the import may say why better (e.g. a sequence input)
    auto G = frontend::importOnnx(Model, IO);
    if (!G)
      return G.error();
    return First ? Names.error() : First.error();
  }
  for (size_t K = 0; K < First->size() && K < Names->size(); ++K)
    IO.InputShapes[(*Names)[K]] = (*First)[K].shape();
  return frontend::importOnnx(Model, IO);
}

TestResult RefExecutor::run(const TestFolder &T, TestLog &) {
  auto G = importForTest(T, Opts.Memory);
  if (!G)
    return TestResult::fromError(G.message());
  for (const fs::path &Set : T.Sets) {
    auto Ins = readDataSet(Set, "input", Opts.Memory);
    auto Outs = readDataSet(Set, "output", Opts.Memory);
    if (!Ins || !Outs)
      return TestResult::fromError(Ins ? Outs.message() : Ins.message());
    auto Got = ref::interpret(*G, *Ins, Opts.Memory);
    if (!Got)
      return TestResult::fromError(Set.filename().string() + ": " + Got.message());
    if (std::string Diff = compareOutputs(*Got, *Outs, T, Set, Opts); !Diff.empty())
      return TestResult::fail(Diff);
  }
  return TestResult::pass();
}

} // namespace npu::check
