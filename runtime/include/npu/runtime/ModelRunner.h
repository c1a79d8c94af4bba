// ModelRunner: runs a model artifact's segments in order, NPU segments on a Device and host segments on a
// pluggable host executor (the reference interpreter by default), passing values between them by name.
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/compiler/ir/Graph.h"
#include "npu/runtime/Device.h"
#include "npu/runtime/Tensor.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace npu::runtime {

/// A host segment ready to run: Graph IR tensors for the subgraph's inputs in, its outputs out (graph order).
using HostSegmentFn = std::function<Expected<std::vector<ir::Tensor>>(const std::vector<ir::Tensor> &)>;

/// How host segments run. Prepare compiles one segment's subgraph (once per segment and run) and may leave a
/// short note (compile time, cache hit). The runtime does not link LLVM: npuc plugs in the LLVM JIT of
/// compiler_host (npu/host/RuntimeHost.h); an empty Prepare means the reference interpreter.
struct HostExecutor {
  std::string Name = "reference interpreter";
  std::function<Expected<HostSegmentFn>(const ir::Graph &G, std::string &Note)> Prepare;
};

/// The reference interpreter as a host executor.
HostExecutor referenceHostExecutor();

struct ModelRunOptions {
  HostExecutor Host = referenceHostExecutor();
};

struct SegmentRun {
  std::string Name;
  bool Npu = false;
  sim::SimStats Stats;  ///< NPU segments
  std::string Executor; ///< host segments: the executor's name
  std::string Note;     ///< host segments: what preparing it said
  double PrepareMs = 0, RunMs = 0;
  /// NPU segments run on a timing backend (systemc, rtl): the cycle-level results.
  std::optional<sim::TimingStats> Timing;
};

struct ModelOutcome {
  std::vector<Tensor> Outputs; ///< one per model output, in order
  std::vector<SegmentRun> Segments;
  sim::SimStats Total; ///< NPU statistics summed over the segments
  std::string Report;  ///< device reports of the NPU segments, concatenated
};

/// Runs A with Inputs[K] feeding model input K (or the input named like the tensor). Every input is required.
/// D may be null for an artifact without NPU segments (a model compiled with --target host).
Expected<ModelOutcome> runModel(Device *D, const backend::ModelArtifact &A,
                                const std::vector<std::optional<Tensor>> &Inputs,
                                const ModelRunOptions &Opts);
/// The same with host segments on the reference interpreter.
Expected<ModelOutcome> runModel(Device &D, const backend::ModelArtifact &A,
                                const std::vector<std::optional<Tensor>> &Inputs);

/// Converts between runtime tensors and Graph IR tensors (same bytes, same shape).
Expected<Tensor> toRuntimeTensor(const std::string &Name, const ir::Tensor &T);

} // namespace npu::runtime
