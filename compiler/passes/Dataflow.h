// Producers and use counts kept current while a pass merges a node into the one before it, in one forward
// sweep (fold-batchnorm, fuse).
#pragma once

#include "npu/compiler/ir/Graph.h"

#include <vector>

namespace npu::passes {

class Dataflow {
public:
  explicit Dataflow(const ir::Graph &G);

  /// The node defining V when V is its only output anybody reads, V has exactly one reader and V is no graph
  /// output (so the node may be rewritten to compute something else); else null.
  ir::Node *soleProducer(ir::Graph &G, ir::ValueId V);
  /// P takes over the output 0 of node Consumer, which goes away (Consumer's inputs other than P's output are
  /// then dropped). P must come before Consumer, which it does when P produces one of Consumer's inputs.
  void takeOver(ir::Graph &G, ir::Node &P, size_t Consumer);
  /// Uses of V (node inputs and graph outputs).
  int uses(ir::ValueId V) const { return size_t(V) < Uses.size() ? Uses[size_t(V)] : 0; }
  /// The nodes to keep, for compactGraph.
  const std::vector<bool> &keep() const { return Keep; }

private:
  void grow(const ir::Graph &G);
  std::vector<int> Uses, Producer;
  std::vector<bool> IsOutput, Keep;
};

} // namespace npu::passes
