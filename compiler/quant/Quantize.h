// quantize: calibrated int8 post-training quantization, or conversion of QDQ/QLinear models to npu.* ops.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createQuantizePass();
} // namespace npu::passes
