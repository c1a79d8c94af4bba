// The quantize pass's command-line options (QuantFlags.h).
#include "QuantFlags.h"

#include <algorithm>

namespace npuc {

int quantizeFlags(const Command &Self, const Args &A, npu::passes::PassOptions &Opts) {
  Opts.CalibDirs = A.getAll("--calib");
  Opts.BiasCorrection = A.has("--bias-correction");
  if (A.has("--calib-headroom") &&
      (!parseNumber(A.get("--calib-headroom"), Opts.CalibHeadroom) || Opts.CalibHeadroom < 1))
    return usageError(Self, "--calib-headroom must be a factor >= 1, got '" + A.get("--calib-headroom") + "'");
  const auto &Methods = npu::passes::calibMethods();
  Opts.CalibMethod = A.get("--calib-method", "minmax");
  if (std::find(Methods.begin(), Methods.end(), Opts.CalibMethod) == Methods.end())
    return usageError(Self, "--calib-method must be minmax, percentile, entropy or mse");
  const std::string Zp = A.get("--act-zero-point", "symmetric");
  if (Zp != "symmetric" && Zp != "asymmetric")
    return usageError(Self, "--act-zero-point must be symmetric or asymmetric, got '" + Zp + "'");
  Opts.AsymmetricActivations = Zp == "asymmetric";
  Opts.WeightRounding = A.get("--weight-rounding", "nearest");
  if (Opts.WeightRounding != "nearest" && Opts.WeightRounding != "gptq")
    return usageError(Self, "--weight-rounding must be nearest or gptq, got '" + Opts.WeightRounding + "'");
  if (A.has("--mixed-precision") &&
      (!parseNumber(A.get("--mixed-precision"), Opts.MixedPrecisionDb) || !(Opts.MixedPrecisionDb > 0)))
    return usageError(Self, "--mixed-precision must be an SQNR in dB > 0, got '" + A.get("--mixed-precision") + "'");
  return ExitOk;
}

} // namespace npuc
