// Joining the timings of a model's NPU segments: the per-layer figures and the multi-segment trace.
#include "npu/runtime/LayerReport.h"

#include "npu/support/Json.h"

#include <cmath>

namespace npu::runtime {

bool hasTiming(const ModelOutcome &O) {
  for (const SegmentRun &S : O.Segments)
    if (S.Npu && S.Timing)
      return true;
  return false;
}

Expected<sim::TimingStats> modelTiming(const ModelOutcome &O) {
  std::vector<std::pair<std::string, const sim::TimingStats *>> Runs;
  for (const SegmentRun &S : O.Segments) {
    if (!S.Npu)
      continue;
    if (!S.Timing)
      return makeError("segment '", S.Name, "' has no timing (run it on the systemc or rtl backend)");
    Runs.push_back({S.Name, &*S.Timing});
  }
  return sim::concatenateRuns(Runs);
}

Expected<std::string> modelTraceJson(const backend::ModelArtifact &A, const ModelOutcome &O,
                                     const ModelLatency &L) {
  if (L.Segments.size() != O.Segments.size())
    return makeError("the latency covers ", L.Segments.size(), " segments, the run ", O.Segments.size());
  std::vector<sim::TraceRun> Runs;
  std::vector<sim::TraceSpan> Host;
  uint64_t Offset = 0;
  double HostUs = 0; // host time before the current segment
  for (size_t K = 0; K < O.Segments.size(); ++K) {
    const SegmentRun &S = O.Segments[K];
    const SegmentLatency &T = L.Segments[K];
    if (!S.Npu) {
      const Json Args = {
          {"flops", std::llround(T.Flops)}, {"time", L.HostGflops ? "modeled" : "measured"}, {"executor", S.Executor}};
      Host.push_back({S.Name, T.StartUs, T.Us, jsonLine(Args)});
      HostUs += T.Us;
      continue;
    }
    const backend::ArtifactSegment *Seg = findSegment(A, S.Name, backend::ArtifactSegment::Npu);
    if (!Seg)
      return makeError("segment '", S.Name, "' is not an NPU segment of the artifact");
    if (!S.Timing)
      return makeError("segment '", S.Name, "' has no timing (run it on the systemc or rtl backend)");
    Runs.push_back({&Seg->Program, &*S.Timing, S.Name + " (" + Seg->Program.Config.Name + ")", Offset, HostUs});
    Offset += S.Timing->TotalCycles;
  }
  return sim::traceJson(Runs, Host);
}

Expected<std::string> modelTraceJson(const backend::ModelArtifact &A, const ModelOutcome &O) {
  return modelTraceJson(A, O, modelLatency(O, A.Config));
}

} // namespace npu::runtime
