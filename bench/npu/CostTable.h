// Printing the compiler's cost report for the NPU bench: per-layer rows and a whole-model line per model and
// config, from backend::estimateProgram (the figures are the API's; this only sums and formats them).
#pragma once

#include "npu/backend/Compile.h"
#include "npu/backend/CostModel.h"

#include <iosfwd>
#include <string>

namespace npubench {

/// The figures of one compiled model on one config, summed over its NPU segments.
struct ModelFigures {
  uint64_t Macs = 0, DramBytes = 0, Cycles = 0;
  double Roofline = 0;
  size_t NpuNodes = 0, HostNodes = 0, Instructions = 0;
  /// Convolutions whose roofline bound is compute (MACs / peak >= bytes / bandwidth): their number, summed
  /// roofline and estimated cycles, and the lowest roofline/estimate among them.
  size_t ComputeConvs = 0;
  double ComputeConvRoofline = 0, ComputeConvCycles = 0, WorstComputeConv = 1;
};

/// Prints one row per layer of every NPU segment of R (when Layers) and returns the sums.
ModelFigures printCostReport(const npu::backend::CompileResult &R, const npu::HardwareConfig &C, bool Layers,
                             std::ostream &OS);

/// "est 1.23 M cycles (6.2 ms at 200 MHz), roofline 1.10 M, est/roofline 1.12 (89% of the bound)" and the
/// compute-bound convolutions' share.
std::string formatWholeModel(const ModelFigures &F, const npu::HardwareConfig &C);

} // namespace npubench
