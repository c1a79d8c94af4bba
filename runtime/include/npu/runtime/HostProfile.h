// Where a host-path run spends its time (npuc run --profile): the profiled steps of every host segment, one row
// per group of nodes computed together (a fused kernel) with their time, GFLOP/s and share, and the nodes that
// needed no code.
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/runtime/ModelRunner.h"

#include <string>
#include <vector>

namespace npu::runtime {

struct HostProfileRow {
  std::string Segment;
  std::vector<std::string> Nodes; ///< a fused kernel computes several
  std::string Ops;                ///< their op types, joined by '+'
  std::string Kernel;             ///< its kernels' symbols, space-separated; empty for nodes without code
  double Ms = 0;                  ///< mean time of one run
  double Flops = 0;               ///< ir::nodeFlops of its nodes
  double gflops() const { return Ms > 0 ? Flops / (Ms * 1e6) : 0; }
};

struct HostProfile {
  std::vector<HostProfileRow> Rows; ///< slowest first; nodes without code last, in graph order
  double TotalMs = 0;               ///< the rows' sum
  int64_t Runs = 0;                 ///< runs the means are taken over
  /// A table: time, share of TotalMs, GFLOP/s, FLOPs, segment, nodes, kernel.
  std::string table() const;
  /// The JSON object of npuc run --stats's "host_profile" member (docs/host-path.md).
  std::string toJson() const;
};

/// The profile of run O of artifact A. Every host segment must have been profiled (HostStepTime); an error
/// names one that was not.
Expected<HostProfile> hostProfile(const backend::ModelArtifact &A, const ModelOutcome &O);

} // namespace npu::runtime
