// The registry of NPU lowerings (from Lowerings.def): which lowering owns a node, and the list for docs/CLI.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/config/HardwareConfig.h"
#include "npu/support/Status.h"

#include <vector>

namespace npu::backend {

class Emitter;

struct Lowering {
  const char *Name;   ///< canLower<Name> / lower<Name>, in Lower<Name>.cpp
  const char *OpType; ///< the operator it lowers
  bool (*Match)(const ir::Graph &, const ir::Node &);
  Status (*CanLower)(const ir::Graph &, const ir::Node &, const HardwareConfig &);
  Status (*Lower)(Emitter &, const ir::Graph &, const ir::Node &);
  const char *Summary;
};

/// Every lowering, in Lowerings.def order.
const std::vector<Lowering> &allLowerings();
/// The lowering that owns N (the first whose operator and predicate match), or null: the NPU cannot run it.
const Lowering *findLowering(const ir::Graph &G, const ir::Node &N);

} // namespace npu::backend
