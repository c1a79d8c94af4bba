// npuc check --target npu: ONNX backend-test folders compiled for a config and run on an NPU backend.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace npuc {

struct NpuCheckOptions {
  std::string ConfigPath;             ///< the hardware config (YAML); empty: the bundled configs/default.yaml
  std::string Backend = "func";       ///< the device the NPU segments run on
  std::vector<std::string> CalibDirs; ///< calibration folders; empty: the test folder's own data sets
  std::string CalibMethod = "minmax"; ///< the quantize pass's range estimator
  bool BiasCorrection = false;        ///< the quantize pass's empirical bias correction
  double CalibHeadroom = 0;           ///< the quantize pass's range headroom (0: by activation type)
  std::string Artifact;               ///< run this compiled artifact instead of the check's own compilation
  std::string Filter;                 ///< only folders whose name contains it
  bool Quiet = false;                 ///< print only failures and the summary
  std::optional<double> MinSqnr, MinCos; ///< fail below these fidelity figures against the fp32 outputs
  bool CrossValidate = false; ///< compile once per data set, calibrated on the other sets of the folder
};

/// For each test folder below Dirs: imports model.onnx, runs the npu pipeline (quantization calibrated on
/// Opts.CalibDirs or the folder's data sets), compiles, and runs every test_data_set_N through the artifact on
/// the backend and through the reference interpreter on the same quantized graph. Each output's fidelity
/// against the stored fp32 output (SQNR, cosine, max abs error, top-k of score rows) is printed; --min-sqnr and
/// --min-cos judge the held-out sets (those no calibration folder names), or every set when all were
/// calibration sets. Host segments run on the
/// reference interpreter too, so a difference can only come from the NPU segments. A folder passes when every
/// output is bit-identical; the error against the stored fp32 output_K.pb and its top-1 agreement are
/// printed as figures. Prints "N passed, N failed, N unsupported" last; returns 0 when nothing failed and
/// something ran, 1 otherwise, 2 on a usage error.
int runNpuCheck(const std::vector<std::string> &Dirs, const NpuCheckOptions &Opts, std::ostream &OS);

} // namespace npuc
