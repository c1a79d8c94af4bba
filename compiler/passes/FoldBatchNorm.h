// fold-batchnorm: folds inference BatchNormalization (and per-channel Mul) into the weights and bias of the
// Conv / Gemm / MatMul before it; a standalone BN absorbs the per-channel Mul/Add that follow it.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createFoldBatchNormPass();
} // namespace npu::passes
