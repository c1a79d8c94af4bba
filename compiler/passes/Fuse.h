// fuse: Conv/Gemm/MatMul + per-channel constant Add becomes the bias (MatMul+Add -> Gemm), then Conv/Gemm +
// Relu/Clip/LeakyRelu becomes one npu.FusedConv / npu.FusedGemm.
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createFusePass();
} // namespace npu::passes
