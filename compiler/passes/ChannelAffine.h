// Per-output-channel affine folding shared by fold-batchnorm and fuse: which nodes can absorb `y * s + t`
// into their weights and bias, and the rewrite that does it (double arithmetic, float storage).
#pragma once

#include "npu/compiler/ir/Graph.h"

#include <optional>
#include <vector>

namespace npu::passes {

/// The values of constant C when it broadcasts to Out without changing Out and varies only along axis 1 (a
/// per-channel constant: f32[C,1,1] or f32[1,C,1,1] against NCHW, f32[C] against [M,C], or one value).
std::optional<std::vector<double>> perChannelValues(const ir::Tensor &C, const ir::Shape &Out);

/// A per-channel vector as an f64 tensor that broadcasts along axis 1 of a rank-OutRank value ([C,1,..,1]).
ir::Tensor channelTensor(const std::vector<double> &V, int64_t OutRank);

/// True for the nodes foldAffine rewrites: f32 Conv and Gemm, and f32 MatMul of two 2-D operands.
bool isAffineProducer(const ir::Graph &G, const ir::Node &P);

/// Rewrites P (see isAffineProducer) to compute P(x) * Scale[c] + Shift along output channel c (axis 1).
/// Empty Scale means 1: the weights stay as they are and need not be constants. Shift (may be null)
/// broadcasts to P's output: per channel for Conv, any such shape for Gemm/MatMul; a MatMul given a Shift
/// becomes a Gemm. New weights and bias are new constants (constants may be shared). Returns false, with G
/// unchanged, when a weight or bias that would change is not a constant or the shapes do not fit.
bool foldAffine(ir::Graph &G, ir::Node &P, const std::vector<double> &Scale, const ir::Tensor *Shift);

/// A new value name Base + "_folded", without piling up suffixes when a constant is folded again.
std::string foldedName(const ir::Graph &G, std::string Base);

/// True when V is a constant value.
bool isConstant(const ir::Graph &G, ir::ValueId V);

} // namespace npu::passes
