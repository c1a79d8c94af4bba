// A Flatten of a whole blocked activation into the K of the one npu.QMatMul that reads it (mnist-8's
// [1,16,4,4] -> [1,256] before its classifier): in the blocked layout a relabel of the rows, no data moved,
// with the matmul's weight rows permuted into the blocked order instead.
#pragma once

#include "npu/compiler/ir/Graph.h"

#include <optional>

namespace npu::passes {

/// The flattened activation's logical [N, C, H, W].
struct FlattenRelabel {
  int64_t C = 0, H = 0, W = 0;
  const ir::Node *Reader = nullptr; ///< the npu.QMatMul that reads the flatten
};

/// For a Flatten / Reshape N of an int8/int16 activation [N, C, H, W] (H x W > 1) into [N, C x H x W] that is not
/// a graph output and that exactly one node reads, an npu.QMatMul (as its input 0) with constant weights
/// [C x H x W, Nout]: its geometry; else nullopt.
std::optional<FlattenRelabel> flattenIntoMatMul(const ir::Graph &G, const ir::Node &N);

/// The flatten's output in the blocked layout: [N/n, C/c, H, W, n, c] as [N/n, (C/c) x H x W, n, c], the same
/// bytes (XBlocked: the input's blocked dims).
ir::Shape relabeledDims(const ir::Shape &XBlocked);

/// Matmul weights W [C x H x W, Nout] with their rows in the order of the relabeled rows: row
/// ((cb x H + h) x W + w) x BlockC + l is row ((cb x BlockC + l) x H + h) x W + w of W, and zero where cb x BlockC + l
/// >= C (the padding lanes); ceil(C / BlockC) x BlockC x H x W rows.
ir::Tensor permuteFlattenRows(const ir::Tensor &W, const FlattenRelabel &F, int64_t BlockC);

} // namespace npu::passes
