// Floating-point operation counts of Graph IR nodes: the one definition used to model host time
// (npuc run --host-gflops) and to report the host path's GFLOP/s (npuc run --profile).
#pragma once

#include "npu/compiler/ir/Graph.h"

namespace npu::ir {

/// Operations one run of N performs, by a deliberately simple rule (docs/host-path.md, "FLOPs"):
/// convolutions, Gemm and MatMul (fused and int8 forms too) 2 per multiply-accumulate; pooling windows and
/// reductions 1 per element read; ops that only move or copy elements (Reshape, Transpose, Concat, Slice,
/// layout changes, ...) 0; every other op 1 per output element (Add, Relu, Softmax, QuantizeLinear, ...).
/// Values without a static type count 0.
double nodeFlops(const Graph &G, const Node &N);

/// The sum of nodeFlops over the nodes of G.
double graphFlops(const Graph &G);

} // namespace npu::ir
