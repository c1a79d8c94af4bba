// The int8 benchmark's model: ResNet-50's bottleneck convolutions as a QLinearConv chain (uint8 activations,
// int8 per-channel weights, int32 biases) and its float twin with the same (dequantized) weights.
#pragma once

#include "npu/support/Status.h"

#include <string>

namespace npubench {

/// Writes QPath (QuantizeLinear, 12 QLinearConv, DequantizeLinear) and FPath (the 12 float Conv with weights
/// w_q * w_scale and biases b_q * x_scale * w_scale) for a 1x64x56x56 input, fixed seed.
npu::Status writeQNet(const std::string &QPath, const std::string &FPath);

} // namespace npubench
