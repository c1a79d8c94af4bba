// cse: merges constants with equal type and bytes, then nodes with the same operator, inputs and attributes.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createCommonSubexpressionEliminationPass();
} // namespace npu::passes
