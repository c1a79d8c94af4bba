// dce: removes nodes whose outputs are unused and constants nothing reads.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createDeadCodeEliminationPass();
} // namespace npu::passes
