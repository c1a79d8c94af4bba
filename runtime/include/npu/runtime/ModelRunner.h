// ModelRunner: runs a model artifact's segments in order, NPU segments on a Device and host segments on a
// pluggable host executor (the reference interpreter by default), passing values between them by name.
#pragma once

#include "npu/backend/Artifact.h"
#include "npu/compiler/ir/Graph.h"
#include "npu/runtime/DType.h"
#include "npu/runtime/Device.h"
#include "npu/support/MemoryLimit.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace npu::runtime {

/// A host segment ready to run: Graph IR tensors for the subgraph's inputs in, its outputs out (graph order).
using HostSegmentFn = std::function<Expected<std::vector<ir::Tensor>>(const std::vector<ir::Tensor> &)>;

/// One step of a profiled host segment: a kernel (a fused kernel computes several nodes) or a node the
/// executor ran another way, with its time summed over every run of the prepared segment.
struct HostStepTime {
  std::string Kernel;             ///< the kernel's symbol, or "fallback OP"
  std::vector<std::string> Nodes; ///< the names of the graph nodes it computes
  double Ms = 0;                  ///< over Runs runs
  int64_t Runs = 0;
};

/// What preparing a host segment leaves besides the function to run: a short note (compile time, cache hit)
/// and, where the executor times its steps (npuc run --profile), how to read those times after a run.
struct HostSegmentInfo {
  std::string Note;
  std::function<std::vector<HostStepTime>()> Profile;
};

/// How host segments run. Prepare compiles one segment's subgraph (once per segment and run). The runtime
/// does not link LLVM: npuc plugs in the LLVM JIT of compiler_host (npu/runtime/HostJit.h, library host_runtime); an empty Prepare
/// means the reference interpreter.
struct HostExecutor {
  std::string Name = "reference interpreter";
  std::function<Expected<HostSegmentFn>(const ir::Graph &G, HostSegmentInfo &Info)> Prepare;
};

/// The reference interpreter as a host executor.
HostExecutor referenceHostExecutor();

/// X, with each prepared segment kept (by its graph's name, which is the segment's name) and reused by later
/// runs of the same artifact: a model run several times (npuc run --repeat) compiles its host code once, and
/// profiled step times add up over the runs.
HostExecutor reusingHostExecutor(HostExecutor X);

struct ModelRunOptions {
  HostExecutor Host = referenceHostExecutor();
  MemoryLimit Memory; ///< bounds each NPU segment's DRAM image (--max-memory)
};

struct SegmentRun {
  std::string Name;
  bool Npu = false;
  sim::SimStats Stats;  ///< NPU segments
  std::string Executor; ///< host segments: the executor's name
  std::string Note;     ///< host segments: what preparing it said
  double PrepareMs = 0; ///< host segments: reading the graph and compiling it (not when prepared before)
  double RunMs = 0;     ///< wall time of running the segment (NPU: the device's, e.g. the simulator's)
  double Flops = 0;     ///< host segments: ir::graphFlops of the subgraph
  std::vector<HostStepTime> Profile; ///< host segments whose executor times its steps
  /// NPU segments run on a timing backend (systemc, rtl): the cycle-level results.
  std::optional<sim::TimingStats> Timing;
};

struct ModelOutcome {
  std::vector<NamedTensor> Outputs; ///< one per model output, in order, named like it
  std::vector<SegmentRun> Segments;
  sim::SimStats Total; ///< NPU statistics summed over the segments
  std::string Report;  ///< device reports of the NPU segments, concatenated
};

/// Runs A with Inputs[K] feeding model input K (or the input named like the tensor). Every input is required.
/// D may be null for an artifact without NPU segments (a model compiled with --target host).
Expected<ModelOutcome> runModel(Device *D, const backend::ModelArtifact &A,
                                const std::vector<std::optional<NamedTensor>> &Inputs, const ModelRunOptions &Opts);
/// The same with host segments on the reference interpreter.
Expected<ModelOutcome> runModel(Device &D, const backend::ModelArtifact &A,
                                const std::vector<std::optional<NamedTensor>> &Inputs);

/// The segment of A named Name of kind K, or nullptr (a run's SegmentRun back to the artifact's segment).
const backend::ArtifactSegment *findSegment(const backend::ModelArtifact &A, const std::string &Name,
                                            backend::ArtifactSegment::Kind K);

} // namespace npu::runtime
