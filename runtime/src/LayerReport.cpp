// Joining the timings of a model's NPU segments: the per-layer figures and the multi-segment trace.
#include "npu/runtime/LayerReport.h"

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

Expected<std::string> modelTraceJson(const backend::ModelArtifact &A, const ModelOutcome &O) {
  std::vector<sim::TraceRun> Runs;
  uint64_t Offset = 0;
  for (const SegmentRun &S : O.Segments) {
    if (!S.Npu)
      continue;
    const backend::ArtifactSegment *Seg = nullptr;
    for (const backend::ArtifactSegment &Candidate : A.Segments)
      if (Candidate.Name == S.Name && Candidate.K == backend::ArtifactSegment::Npu)
        Seg = &Candidate;
    if (!Seg)
      return makeError("segment '", S.Name, "' is not an NPU segment of the artifact");
    if (!S.Timing)
      return makeError("segment '", S.Name, "' has no timing (run it on the systemc or rtl backend)");
    Runs.push_back({&Seg->Program, &*S.Timing, S.Name + " (" + Seg->Program.Config.Name + ")", Offset});
    Offset += S.Timing->TotalCycles;
  }
  return sim::traceJson(Runs);
}

} // namespace npu::runtime
