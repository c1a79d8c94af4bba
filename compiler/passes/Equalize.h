// equalize: cross-layer equalization of convolution pairs before int8 quantization (Nagel et al., ICCV 2019).
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createEqualizePass();
} // namespace npu::passes
