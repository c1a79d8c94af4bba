// layout: chains of NPU-eligible int8 operators move to the blocked NCHWnc layout of the configured NPU.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createLayoutPass();
} // namespace npu::passes
