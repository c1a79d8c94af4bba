// Comparing a computed runtime tensor with a reference: the Graph IR comparer (npu/compiler/ir/Compare.h).
#pragma once

#include "npu/compiler/ir/Compare.h"
#include "npu/runtime/Tensor.h"

namespace npu::runtime {

using ir::CompareResult;

/// ir::compareTensors on the same bytes: integers exact, float32 within |a - e| <= Atol + Rtol * |e|; element
/// types equal, shapes equal up to leading dimensions of 1.
CompareResult compareTensors(const Tensor &Actual, const Tensor &Expected, double Rtol = 1e-3,
                             double Atol = 1e-7);

} // namespace npu::runtime
