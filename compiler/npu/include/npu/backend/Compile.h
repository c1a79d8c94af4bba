// NPU backend entry point: partitions an optimized (quantized, blocked) graph into NPU and host segments,
// lowers the NPU segments to tile IR, runs the backend passes (BackendPasses.def) on each to an isa::Program,
// and packs the model artifact.
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/backend/BackendPass.h"
#include "npu/backend/Schedule.h"
#include "npu/compiler/ir/Graph.h"

#include <map>

#include <string>
#include <vector>

namespace npu::backend {

/// Where one node runs and why.
struct NodePlacement {
  std::string Node, OpType;
  bool Npu = false;
  std::string Reason;
};

struct CompileResult {
  ModelArtifact Artifact;
  std::vector<NodePlacement> Placements;
  std::string TileText; ///< every NPU segment's tile IR (npuc compile --emit=tile)
  /// The backend pipeline stopped before emit (CompileOptions::Backend's StopAfter): the artifact's NPU
  /// segments have no program, and TileText holds each segment's tile IR with its constant data, which
  /// `npuc backend --start-after` continues.
  bool Stopped = false;
  /// Per NPU segment name: each layer's tiling and buffering, and the segment's token statistics.
  std::map<std::string, std::vector<LayerSchedule>> Schedules;
  std::map<std::string, TokenStats> Tokens;
};

struct CompileOptions {
  /// Search tile rows and buffering depth per layer by estimating the emitted program (npuc compile --tune)
  /// instead of taking the per-tile formula's choice.
  bool Tune = false;
  /// Single-buffered tiles and the serial token chain: the schedule without overlap, for comparisons.
  bool Serial = false;
  /// The backend pipeline's --print-after / --stop-after for every NPU segment (null: run it all silently).
  const BackendPipelineOptions *Backend = nullptr;
};

/// Decides each node's placement: NPU when its lowering supports it on config C, else host with the reason.
std::vector<NodePlacement> placeNodes(const ir::Graph &G, const HardwareConfig &C);

/// Compiles G (after the npu pipeline) for C. Host segments hold Graph IR subgraphs run by the reference
/// interpreter; NPU segments hold one program each.
Expected<CompileResult> compileModel(const ir::Graph &G, const HardwareConfig &C);
Expected<CompileResult> compileModel(const ir::Graph &G, const HardwareConfig &C, const CompileOptions &O);

/// A per-segment/per-node text report: placements, and per NPU segment instructions and DRAM bytes.
std::string formatPlacementReport(const CompileResult &R);

} // namespace npu::backend
