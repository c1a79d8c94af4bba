// Residual-stream equalization (the part of the equalize pass for residual streams) and the helper both parts use.
#pragma once

#include "npu/compiler/ir/Graph.h"

#include <vector>

namespace npu::passes {

/// The values of one residual stream (linked by Relu, Add, MaxPool and zero-tail channel Concats; at least one
/// Add or Concat), the convs that write them and the convs that read them. Every value is a 4-D float tensor
/// that is no graph input or output, produced by a stream operator or by a conv with constant weights whose
/// activation commutes with a positive scale, and read only by stream operators or as the data input of convs
/// with constant weights.
struct StreamComponent {
  std::vector<ir::ValueId> Values;
  std::vector<size_t> Writers, Readers;
};

/// Calls F(flat index) for every weight of conv N (weights W [O, I/group, k...]) that reads input channel Ch.
template <typename Fn> void forInputChannel(const ir::Node &N, const ir::Tensor &W, int64_t Ch, Fn F) {
  const int64_t O = W.shape()[0], Cpg = W.shape()[1], Kk = W.numElements() / (O * Cpg);
  const int64_t Group = N.getInt("group", 1), OutPerGroup = O / Group, G = Ch / Cpg, C = Ch % Cpg;
  for (int64_t Oc = G * OutPerGroup; Oc < (G + 1) * OutPerGroup; ++Oc)
    for (int64_t K = 0; K < Kk; ++K)
      F((Oc * Cpg + C) * Kk + K);
}

std::vector<StreamComponent> findStreamComponents(const ir::Graph &G);

/// One scale per channel from the stream's per-channel ranges (max |x| over its values): t = 1 / sqrt(a),
/// centred on 1 (geometric mean); channels with range 0 keep 1.
std::vector<double> streamScales(const std::vector<double> &Range);

/// Multiplies stream channel i by T[i]: writers' output channel i (weights and bias) times T[i], readers' input
/// channel i weights divided by it. Returns the number of channels whose scale is not 1.
int applyStreamScales(ir::Graph &G, const StreamComponent &C, const std::vector<double> &T);

} // namespace npu::passes
