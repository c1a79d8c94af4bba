// quantize: post-training int8 quantization (calibrated) or conversion of QDQ/QLinear models to npu.* operators.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createQuantizePass();
} // namespace npu::passes
