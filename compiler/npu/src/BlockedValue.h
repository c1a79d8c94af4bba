// Provenance of blocked values for the lowerings of Concat and npu.QAdd with a constant: a plain int8 tensor
// of rank >= 4 decodes like a blocked one, so the producer chain, not the shape, says which layout it is in.
#pragma once

#include "Emitter.h"

#include "npu/compiler/ops/BlockedLayout.h"

namespace npu::backend {

/// True when V is blocked: made by npu.ToBlocked/npu.Reblock, a node with layout = "blocked", or an
/// elementwise operator, Concat or Reshape whose first input is blocked.
inline bool isBlockedProducer(const ir::Graph &G, ir::ValueId V, int Depth = 0) {
  if (V == ir::NoValue || Depth > 256)
    return false;
  for (const ir::Node &N : G.nodes()) {
    if (N.Outputs.empty() || N.Outputs[0] != V)
      continue;
    if (N.OpType == "npu.ToBlocked" || N.OpType == "npu.Reblock" || ir::isBlockedNode(N))
      return true;
    if (N.OpType == "Relu" || N.OpType == "npu.Requantize" || N.OpType == "npu.QAdd" ||
        N.OpType == "Concat" || N.OpType == "npu.QLeakyRelu" || N.OpType == "npu.QLut" || N.OpType == "Reshape" ||
        N.OpType == "Resize" || N.OpType == "Pad")
      for (ir::ValueId In : N.Inputs)
        if (In != ir::NoValue && G.value(In).Kind != ir::ValueKind::Constant)
          return isBlockedProducer(G, In, Depth + 1);
    return false;
  }
  return false;
}

/// A blocked int8 activation (not a constant) whose rows are the config's rows of c = BlockC.
inline Status checkBlockedOperand(const ir::Graph &G, ir::ValueId V, const HardwareConfig &C,
                                  int64_t BlockC) {
  if (V == ir::NoValue || G.value(V).Kind == ir::ValueKind::Constant || !isBlockedProducer(G, V))
    return makeError("operand '", V == ir::NoValue ? std::string("_") : G.value(V).Name,
                     "' is not a blocked activation");
  return checkBlockedAct(G, V, C, BlockC);
}

} // namespace npu::backend
