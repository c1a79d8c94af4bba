// The host benchmarks' check: a compiled host model's outputs against the reference interpreter's on the same
// inputs, with the conformance runner's float tolerance, before any time is printed.
#pragma once

#include "npu/compiler/ir/Graph.h"

#include <string>
#include <vector>

namespace npubench {

/// Runs G on ref::interpret with Inputs and compares every output of Got (the host model's) with it
/// (|got - want| <= 1e-3 |want| + 1e-7 for floats, exact for integers; Atol >= 0 replaces the 1e-7); stops the
/// bench through checkFailed on a difference or an interpreter error, else prints one "checked:" line for Case.
void requireReferenceMatch(const std::string &Case, const npu::ir::Graph &G, const std::vector<npu::ir::Tensor> &Inputs,
                           const std::vector<npu::ir::Tensor> &Got, double Atol = -1);

} // namespace npubench
