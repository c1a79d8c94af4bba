// Compile-time evaluation of one node, shared by the constant-folding pass and the host program builder.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

#include <optional>
#include <string>
#include <vector>

namespace npu::ref {

/// What compile-time evaluation of one node gave.
struct FoldResult {
  std::optional<std::vector<ir::Tensor>> Values; ///< the outputs, when the node was folded
  std::string Why;          ///< why not, when worth saying: a result above the limit, the kernel's error
  bool KernelError = false; ///< the kernel failed on these inputs (the node would fail at run time too)
};

/// Evaluates node N of G at compile time. Known[i] is input i's value when it is known (else null). Shape and
/// Size need only their input's static type. Not folded: an input is unknown, the interpreter has no kernel,
/// a result would exceed MaxBytes, or the kernel fails. An error: a result whose type differs from the one
/// the graph declares (a broken graph).
Expected<FoldResult> foldNode(const ir::Graph &G, const ir::Node &N, const std::vector<const ir::Tensor *> &Known,
                              int64_t MaxBytes);

} // namespace npu::ref
