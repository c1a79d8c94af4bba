// fuse-activations: the decomposed forms of HardSwish, HardSigmoid, SiLU and GELU become single operators.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createFuseActivationsPass();
} // namespace npu::passes
