// The fidelity cost line of npuc compile --report and npuc check --target npu: one more compile of the model
// with the default quantization, priced by the cost model like the compile with the options given.
#include "FidelityCost.h"

#include "npu/compiler/passes/PassManager.h"

namespace npuc {

using namespace npu;

bool hasFidelityOptions(const passes::PassOptions &Opts) {
  const passes::PassOptions Default;
  return Opts.CalibMethod != Default.CalibMethod || Opts.BiasCorrection != Default.BiasCorrection ||
         Opts.CalibHeadroom != Default.CalibHeadroom || Opts.AsymmetricActivations != Default.AsymmetricActivations ||
         Opts.WeightRounding != Default.WeightRounding || Opts.MixedPrecisionDb != Default.MixedPrecisionDb;
}

std::string fidelityCostLine(const ir::Graph &Float, const passes::PassOptions &Opts, const HardwareConfig &C,
                             const backend::CompileOptions &Compile, const backend::ModelCost &WithOptions) {
  // Every quantization option at its default (an option added later included); the same config and
  // calibration sets; no report of its own.
  passes::PassOptions Base;
  Base.Config = Opts.Config;
  Base.CalibDirs = Opts.CalibDirs;
  backend::CompileOptions BaseCompile = Compile;
  BaseCompile.Backend = nullptr; // no --print-after / --stop-after output
  ir::Graph G = Float;
  if (Status S = passes::runPipeline(G, passes::defaultPipeline("npu"), Base, passes::PipelineOptions()); !S)
    return "fidelity cost: not measured, the default quantization fails: " + S.message() + "\n";
  auto R = backend::compileModel(G, C, BaseCompile);
  if (!R)
    return "fidelity cost: not measured, the default quantization does not compile: " + R.message() + "\n";
  return backend::formatFidelityCost(WithOptions, backend::estimateModelCost(R->Artifact));
}

} // namespace npuc
