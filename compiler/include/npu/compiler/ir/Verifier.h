// Graph IR verifier: names, definitions before uses, acyclicity, operator schemas and types.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/support/Status.h"

namespace npu::ir {

struct VerifyOptions {
  /// Re-infer every node's output types and compare them with the declared ones.
  bool CheckTypes = true;
};

/// Checks that value names are unique and non-empty, node names unique, every use defined by an input, a
/// constant or an earlier node (nodes in topological order, no cycles), every value defined once, types
/// present and static, constant data matching its type, operators known with valid attributes, and
/// (CheckTypes) the declared output types equal to the inferred ones. The error names the offending value or
/// node.
Status verifyGraph(const Graph &G, const VerifyOptions &Opts = {});

} // namespace npu::ir
