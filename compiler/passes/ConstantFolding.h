// constant-folding: evaluates nodes whose inputs are all constants (and Shape/Size of any static value) with
// the reference interpreter and replaces them by constants.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createConstantFoldingPass();
} // namespace npu::passes
