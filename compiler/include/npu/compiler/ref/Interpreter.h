// Reference interpreter: runs a Graph IR graph with plain C++ kernels following ONNX semantics.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/MemoryLimit.h"
#include "npu/support/Status.h"

#include <optional>
#include <vector>

namespace npu::ref {

/// Runs one node on concrete inputs (nullptr for omitted optional inputs); outputs get the inferred types. An
/// output needing more than Limit is an error before it is allocated.
Expected<std::vector<ir::Tensor>> runNode(const ir::Node &N, const std::vector<const ir::Tensor *> &Inputs,
                                          const MemoryLimit &Limit = {});

/// Runs G: Inputs[K] feeds G.Inputs[K] and must have its type. Returns one tensor per graph output.
/// Errors name the failing node. The values alive at once (inputs, constants aside) stay within Limit: a node
/// whose outputs would take more is an error before they are allocated.
Expected<std::vector<ir::Tensor>> interpret(const ir::Graph &G, const std::vector<ir::Tensor> &Inputs,
                                            const MemoryLimit &Limit = {});

/// For a nearest Resize N of an input of shape In (Scales / Sizes: its constant inputs, or nullptr): the integer
/// factor of every dim when each output position o reads input o / f (rounded down) under N's coordinate and
/// rounding modes, i.e. the resize only replicates elements; nullopt otherwise.
std::optional<std::vector<int64_t>> replicationFactors(const ir::Node &N, const ir::Shape &In,
                                                        const ir::Tensor *Scales, const ir::Tensor *Sizes);

/// True when the interpreter has a kernel for the operator.
bool hasKernel(std::string_view OpType);

} // namespace npu::ref
