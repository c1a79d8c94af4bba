// The fused operators npu.FusedConv and npu.FusedGemm: a Conv/Gemm followed by an activation, as one node.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

namespace npu::ir {

/// The plain operator a fused node extends ("Conv" for npu.FusedConv, "Gemm" for npu.FusedGemm), or "".
std::string_view fusedBaseOp(std::string_view FusedOp);

/// The Conv/Gemm node a fused node computes before its activation: same inputs and outputs, its attributes
/// without `activation`, `act_min`, `act_max` and `act_alpha`.
Node unfusedNode(const Node &Fused);

/// The activation as a standalone node reading one value: Relu, LeakyRelu {alpha = act_alpha} or Clip (whose
/// bounds act_min/act_max the caller passes as inputs 1 and 2). Errors name an unknown activation.
Expected<Node> fusedActivationNode(const Node &Fused);

} // namespace npu::ir
