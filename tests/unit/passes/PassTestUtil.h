// Helpers shared by the pass tests: running passes on IR text, comparing interpreter outputs.
#pragma once

#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ref/Interpreter.h"

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>

namespace npu::test {

/// NPU_TESTDATA_DIR/Sub, or "" when the external test data is absent.
inline std::string passTestData(const std::string &Sub) {
  std::filesystem::path P = std::filesystem::path(NPU_TESTDATA_DIR) / Sub;
  return std::filesystem::exists(P) ? P.string() : std::string();
}

/// The passes of the default pipeline that keep float semantics: everything before `quantize`.
inline std::vector<std::string> floatPipeline() {
  std::vector<std::string> R;
  for (const passes::PassInfo &P : passes::allPasses()) {
    if (std::string(P.Name) == "quantize")
      break;
    if (P.InHost || P.InNpu)
      R.push_back(P.Name);
  }
  return R;
}

/// Runs Passes on G with verification after each; the report text goes to Report when given.
inline Status runPasses(ir::Graph &G, const std::vector<std::string> &Passes, std::string *Report = nullptr) {
  std::ostringstream OS;
  passes::PassOptions Opts;
  if (Report)
    Opts.Report = &OS;
  passes::PipelineOptions Pipe;
  Status S = passes::runPipeline(G, Passes, Opts, Pipe);
  if (Report)
    *Report = OS.str();
  return S;
}

/// "" when Got equals Want: same type and shape, floats within Atol + Rtol * |want| (NaN matches NaN),
/// integers and bools exactly; else the first difference.
inline std::string compareOutputs(const ir::Tensor &Got, const ir::Tensor &Want, double Rtol, double Atol) {
  if (Got.type() != Want.type())
    return "type " + ir::formatType(Got.type()) + " vs " + ir::formatType(Want.type());
  bool Float = ir::isFloatType(Want.elemType());
  for (int64_t I = 0; I < Want.numElements(); ++I) {
    if (!Float) {
      if (Got.getInt64(I) != Want.getInt64(I))
        return "element " + std::to_string(I) + ": " + std::to_string(Got.getInt64(I)) + " vs " +
               std::to_string(Want.getInt64(I));
      continue;
    }
    double G = Got.getDouble(I), W = Want.getDouble(I);
    if (std::isnan(G) && std::isnan(W))
      continue;
    if (G == W || std::fabs(G - W) <= Atol + Rtol * std::fabs(W))
      continue;
    std::ostringstream OS;
    OS.precision(9);
    OS << "element " << I << ": " << G << " vs " << W;
    return OS.str();
  }
  return "";
}

} // namespace npu::test
