// The lowering registry built from Lowerings.def, and the predicates that choose among one operator's lowerings.
#include "npu/backend/Lowerings.h"

#include "Emitter.h"
#include "LowerMul.h"
#include "Reblock.h"

namespace npu::backend {

namespace {

bool always(const ir::Graph &, const ir::Node &) { return true; }

bool isGroupedConv(const ir::Graph &, const ir::Node &N) { return N.getInt("group", 1) != 1; }

bool hasConstantOperand(const ir::Graph &G, const ir::Node &N) {
  for (ir::ValueId V : N.Inputs)
    if (V != ir::NoValue && G.value(V).Kind == ir::ValueKind::Constant)
      return true;
  return false;
}

bool isBroadcastAdd(const ir::Graph &G, const ir::Node &N) {
  return N.Inputs.size() == 2 && G.type(N.Inputs[0]).Dims != G.type(N.Inputs[1]).Dims;
}

} // namespace

const std::vector<Lowering> &allLowerings() {
  static const std::vector<Lowering> All = {
#define NPU_LOWERING(Name, OpType, Match, Summary) {#Name, OpType, Match, canLower##Name, lower##Name, Summary},
#include "npu/backend/Lowerings.def"
  };
  return All;
}

const Lowering *findLowering(const ir::Graph &G, const ir::Node &N) {
  for (const Lowering &L : allLowerings())
    if (N.OpType == L.OpType && L.Match(G, N))
      return &L;
  return nullptr;
}

} // namespace npu::backend
