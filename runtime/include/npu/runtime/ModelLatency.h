// Whole-model latency of a model artifact run: the NPU segments' cycles at the config's clock plus the host
// segments' time (measured wall time, or modeled from their FLOPs), segment by segment in execution order, for
// npuc run's summary, --stats and --trace.
#pragma once

#include "npu/runtime/ModelRunner.h"

#include <optional>
#include <string>
#include <vector>

namespace npu::runtime {

/// One segment on the model's timeline.
struct SegmentLatency {
  std::string Name;
  bool Npu = false;
  uint64_t Cycles = 0; ///< NPU segments with timing
  double Flops = 0;    ///< host segments (ir::graphFlops)
  double StartUs = 0;  ///< where it starts: the time of the segments before it
  double Us = 0;       ///< its time (NPU: Cycles / clock.mhz; 0 without timing)
};

struct ModelLatency {
  /// False when an NPU segment ran without timing (the func backend): there are no cycles, so the NPU time
  /// and the model's latency are unknown; the host time is still reported.
  bool HasCycles = true;
  double ClockMHz = 0;
  uint64_t NpuCycles = 0;
  double NpuUs = 0, HostUs = 0;
  size_t NpuSegments = 0, HostSegments = 0;
  /// Set when host time is modeled as FLOPs / (HostGflops x 1e9) instead of measured.
  std::optional<double> HostGflops;
  std::vector<SegmentLatency> Segments; ///< in execution order

  double totalUs() const { return NpuUs + HostUs; }
  /// "model latency: X us = NPU Y us (N cycles @ F MHz) + host Z us (K segments)", or without cycles a line
  /// saying so.
  std::string summaryLine() const;
  /// The JSON object of npuc run --stats's "latency" member (docs/cli.md).
  std::string toJson() const;
};

/// The latency of a run O of a model on config C: host segments' measured RunMs, or with HostGflops their
/// FLOPs / HostGflops.
ModelLatency modelLatency(const ModelOutcome &O, const HardwareConfig &C,
                          std::optional<double> HostGflops = std::nullopt);

/// Time in microseconds of Flops operations on a host of Gflops GFLOP/s.
double modeledHostUs(double Flops, double Gflops);

} // namespace npu::runtime
