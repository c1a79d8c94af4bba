// Per-layer timing of a model artifact run on a timing backend (systemc, rtl): the NPU segments' TimingStats on
// one timeline, for npuc run's layer table, --stats and --trace.
#pragma once

#include "npu/runtime/ModelLatency.h"
#include "npu/runtime/ModelRunner.h"

#include <string>

namespace npu::runtime {

/// True when an NPU segment of O carries timing (it ran on a timing backend).
bool hasTiming(const ModelOutcome &O);

/// The NPU segments' timings one after the other, as sim::concatenateRuns makes them: host segments take no
/// NPU cycles, so the total is the sum of the segments' cycles, and each node (an ONNX node, through the
/// programs' provenance) keeps its segment. An error names an NPU segment that has no timing.
Expected<sim::TimingStats> modelTiming(const ModelOutcome &O);

/// The Chrome/Perfetto trace of a model run: one process per NPU segment, named after it, and the host
/// segments as spans of a "host" track, each segment placed after the ones before it in execution order (NPU
/// segments by their cycles at clock.mhz, host segments by their time in L, measured or modeled).
Expected<std::string> modelTraceJson(const backend::ModelArtifact &A, const ModelOutcome &O,
                                     const ModelLatency &L);
/// The same with the host segments' measured time.
Expected<std::string> modelTraceJson(const backend::ModelArtifact &A, const ModelOutcome &O);

} // namespace npu::runtime
