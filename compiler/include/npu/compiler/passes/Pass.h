// The interface every graph pass implements, and what a pass may read besides the graph.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/config/HardwareConfig.h"
#include "npu/support/Status.h"

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace npu::passes {

/// Inputs of passes other than the graph. Absent pieces make the passes that need them fail with a message.
struct PassOptions {
  const HardwareConfig *Config = nullptr; ///< the target NPU (layout, quantization limits)
  std::vector<std::string> CalibDirs;     ///< folders of input_K.pb sets for calibration (quantization)
  std::string CalibMethod = "minmax";     ///< activation range estimator (quantization)
  bool BiasCorrection = false;            ///< quantize: empirical bias correction on the calibration sets
  /// quantize: calibrated ranges are widened by this factor so inputs stronger than the calibration images
  /// are not clipped; 0 picks 1 for int8 activations and 4 for int16 (whose 90 dB of rounding SQNR can spare
  /// the 12 dB).
  double CalibHeadroom = 0;
  /// quantize (--act-zero-point=asymmetric): int8 activations get zero points, each tensor's calibrated
  /// interval on all 256 steps (docs/quantization.md); off: symmetric, zero point 0.
  bool AsymmetricActivations = false;
  /// quantize (--weight-rounding): "nearest" (default) or "gptq", each conv / matmul weight rounded with error
  /// feedback through its input's second moments on the calibration sets (docs/quantization.md).
  std::string WeightRounding = "nearest";
  /// quantize (--mixed-precision=DB): while an output's SQNR against the float model on a calibration set is
  /// below this, the quantized layer nearest it that raises it most stays float, on the host (0: off;
  /// docs/quantization.md).
  double MixedPrecisionDb = 0;
  std::ostream *Report = nullptr;         ///< where passes write what they did (npuc compile --report)
  std::vector<std::string> ReportDirs;    ///< sets the quantize report measures on (default: calibration)
};

/// The estimators PassOptions::CalibMethod may name (minmax, percentile, entropy, mse).
const std::vector<std::string> &calibMethods();

/// Models are quantized for int8 weights, int32 accumulators and int8 or int16 activations (inputs and outputs
/// of one type): an error naming the config's element types and the one unsupported otherwise (the
/// simulators still run hand-written programs for other types).
Status checkQuantizeConfig(const HardwareConfig &C);
/// The activation element type models are quantized to for config C: int16 for int16 inputs, else (and
/// without a config) int8.
ir::ElemType activationType(const HardwareConfig *C);

class Pass {
public:
  virtual ~Pass() = default;
  /// The name used on the command line (--print-after=NAME) and in Passes.def.
  virtual const char *name() const = 0;
  /// Transforms G in place. Errors name the node at fault; G may be left partly transformed on error.
  virtual Status run(ir::Graph &G, const PassOptions &Opts) = 0;
};

} // namespace npu::passes
