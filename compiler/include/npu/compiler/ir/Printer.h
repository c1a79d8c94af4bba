// Graph IR text form: printing (see docs/graph-ir.md for the grammar) and parsing back.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

#include <string>
#include <string_view>

namespace npu::ir {

struct PrintOptions {
  /// Constants larger than this many bytes print as `elided "sha256:..."` (not parseable); -1 prints all
  /// data.
  int64_t ElideConstantsAbove = -1;
};

/// The text form of G. With default options parseGraph(printGraph(G)) gives a graph that prints identically.
std::string printGraph(const Graph &G, const PrintOptions &Opts = {});
/// The text of one node (one line, no indentation, no newline).
std::string printNode(const Graph &G, const Node &N);

/// Parses the text form. Errors name the line and column.
Expected<Graph> parseGraph(std::string_view Text);

} // namespace npu::ir
