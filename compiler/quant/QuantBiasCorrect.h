// Empirical bias correction of the quantized graph's convolutions and matrix products.
#pragma once

#include "QuantCalibrate.h"

#include <ostream>

namespace npu::passes {

/// Rounding the weights and the inputs shifts the mean of a conv's output channels (the quantization error
/// is not zero-mean per channel); Nagel et al. (ICCV 2019) correct it in the bias. With calibration data the
/// shift is measured: for every npu.QConv / npu.QMatMul with an int32 bias whose int8 output stands for a
/// float tensor, the node runs alone on its float input rounded to the input's grid (so upstream errors do not
/// count twice), and the mean of (float - dequantized int8) per output channel over the calibration sets,
/// counted only where neither side is clamped by the activation bounds, is added to the bias (in accumulator
/// units). Writes one line to Report.
Status correctBias(const ir::Graph &Float, ir::Graph &Quant, const std::vector<CalibSet> &Sets,
                   std::ostream *Report);

} // namespace npu::passes
