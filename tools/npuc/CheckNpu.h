// npuc check --target npu: the runner's executor that compiles ONNX backend-test folders for a config and runs
// them on an NPU backend.
#pragma once

#include "npu/compiler/check/Runner.h"
#include "npu/compiler/passes/Pass.h"
#include "npu/config/HardwareConfig.h"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace npuc {

struct NpuCheckOptions {
  std::string ConfigPath;             ///< the hardware config (YAML); empty: the bundled configs/default.yaml
  std::string Backend = "func";       ///< the device the NPU segments run on
  /// The quantize pass's options (QuantFlags.h); CalibDirs empty: the test folder's own data sets. Config is
  /// set per compile.
  npu::passes::PassOptions Quant;
  std::string Artifact;               ///< run this compiled artifact instead of the check's own compilation
  std::optional<double> MinSqnr, MinCos; ///< fail below these fidelity figures against the fp32 outputs
  bool CrossValidate = false; ///< compile once per data set, calibrated on the other sets of the folder
  npu::MemoryLimit Memory;    ///< what importing, reading and interpreting one test may allocate
};

/// For each test folder: imports model.onnx, runs the npu pipeline (quantization calibrated on
/// Opts.CalibDirs or the folder's data sets), compiles, and runs every test_data_set_N through the artifact on
/// the backend and through the reference interpreter on the same quantized graph. Each output's fidelity
/// against the stored fp32 output (SQNR, cosine, max abs error, top-k of score rows) is printed; --min-sqnr and
/// --min-cos judge the held-out sets (those no calibration folder names), or every set when all were
/// calibration sets. Host segments run on the reference interpreter too, so a difference can only come from
/// the NPU segments. A folder passes when every output is bit-identical. Summary: how many models compiled
/// with NPU segments and how often the top-1 class equals the fp32 one.
class NpuExecutor : public npu::check::Executor {
public:
  NpuExecutor(const NpuCheckOptions &Opts, const npu::HardwareConfig &C) : Opts(Opts), C(C) {}
  npu::Status begin(const std::vector<npu::check::TestFolder> &Tests) override;
  npu::check::TestResult run(const npu::check::TestFolder &T, npu::check::TestLog &Log) override;
  void summarize(std::ostream &OS, size_t NumTests) override;

private:
  NpuCheckOptions Opts;
  const npu::HardwareConfig &C;
  int Top1Compared = 0, Top1Equal = 0, UsedNpu = 0;
};

} // namespace npuc
