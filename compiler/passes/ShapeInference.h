// shape-inference: re-infers every node's output types from its inputs, in order, and updates the declared
// types (also filling types left as `?` in hand-written Graph IR text).
#pragma once

#include "npu/compiler/passes/Pass.h"

namespace npu::passes {
std::unique_ptr<Pass> createShapeInferencePass();
} // namespace npu::passes
