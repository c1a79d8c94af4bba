// quantize: calibrated int8 post-training quantization, or conversion of QDQ/QLinear models to npu.* ops.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createQuantizePass();
/// import-quantized (host pipeline): only the conversion of already quantized models.
std::unique_ptr<Pass> createImportQuantizedPass();
} // namespace npu::passes
