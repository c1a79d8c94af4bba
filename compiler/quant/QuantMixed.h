// Mixed precision (--mixed-precision=DB): the layers whose quantization costs an output the most stay float.
#pragma once

#include "QuantCalibrate.h"

#include <functional>
#include <ostream>
#include <set>

namespace npu::passes {

/// Quantizes the float graph with the given nodes (indices into it) left float, calibrated on every
/// calibration set but set Fold (on all of them when Fold is past the last set).
using QuantizeExcept = std::function<Expected<ir::Graph>(const std::set<size_t> &KeepFloat, size_t Fold)>;

/// Keeps arithmetic layers float, one at a time, while the worst SQNR of any output (against Float run by the
/// reference interpreter) is below TargetDb. The SQNR is measured on held-out data: with two or more
/// calibration sets each set is checked on the quantization calibrated on the others (a fit to the very
/// images it is checked on hides what rounding does to new ones), with one set on itself. Each step tries the
/// quantized layers that feed the worst output through pass-through operators (Relu, Reshape, Transpose,
/// Concat, pools) and layers already float, and keeps the one that raises the worst SQNR most, by 0.1 dB at
/// least; when none does, the layers one step further back (by 1 dB at least: such a layer cuts the NPU segment).
/// Stops at the target, when no such layer raises it, or after MaxLayers layers. Writes one line per
/// layer kept float and a summary (the SQNR reached, the share of the model's operations left to the host) to
/// Report. Returns the graph quantized on all sets with those layers float.
Expected<ir::Graph> chooseMixedPrecision(const ir::Graph &Float, const std::vector<CalibSet> &Sets,
                                         double TargetDb, const QuantizeExcept &Quantize, std::ostream *Report,
                                         size_t MaxLayers = 16);

} // namespace npu::passes
