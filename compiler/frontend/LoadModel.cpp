// loadModel: ONNX or Graph IR text, then the verifier, so every later stage starts from a valid graph.
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ir/Verifier.h"

#include <fstream>
#include <sstream>

namespace npu::frontend {

Expected<ir::Graph> loadModel(const std::string &Path, const ImportOptions &Opts) {
  bool IsOnnx = Path.size() >= 5 && Path.compare(Path.size() - 5, 5, ".onnx") == 0;
  Expected<ir::Graph> G = makeError("unreachable");
  if (IsOnnx) {
    G = importOnnx(Path, Opts);
  } else {
    std::ifstream In(Path, std::ios::binary);
    if (!In)
      return makeError(Path, ": cannot open the model");
    std::stringstream SS;
    SS << In.rdbuf();
    G = ir::parseGraph(SS.str());
    if (!G)
      return G.error().withContext(Path);
    if (!Opts.InputShapes.empty())
      return makeError(Path, ": --input-shape applies to ONNX models; Graph IR text has static shapes");
  }
  if (!G)
    return G.error();
  if (Status S = ir::verifyGraph(*G); !S)
    return S.error().withContext(Path);
  return G;
}

} // namespace npu::frontend
