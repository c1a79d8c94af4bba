// Helpers passes share for editing graphs: use counts, replacing uses, and compaction after removals.
#pragma once

#include "npu/compiler/ir/Graph.h"

#include <vector>

namespace npu::passes {

/// How many node inputs and graph outputs read each value.
std::vector<int> useCounts(const ir::Graph &G);
/// Makes every node input and graph output that reads From read To instead.
void replaceAllUses(ir::Graph &G, ir::ValueId From, ir::ValueId To);
/// Rebuilds G keeping its inputs, the nodes for which Keep[i] is true, and only the values they, the graph
/// inputs and outputs refer to; names, types and constant data are preserved and value order is kept.
void compactGraph(ir::Graph &G, const std::vector<bool> &KeepNode);

} // namespace npu::passes
