// Whole-model latency: NPU cycles at the clock plus host segments' time, on one timeline in execution order.
#include "npu/runtime/ModelLatency.h"

#include "npu/support/Json.h"

#include <cmath>
#include <cstdio>

namespace npu::runtime {

namespace {

std::string number(double V, const char *Format = "%.6f") {
  char Buf[64];
  std::snprintf(Buf, sizeof(Buf), Format, V);
  return Buf;
}

Json segmentJson(const SegmentLatency &S, bool HasCycles) {
  Json J = {{"name", S.Name}, {"kind", S.Npu ? "npu" : "host"}};
  // Without cycles the NPU segments take unknown time, so no segment has a known start.
  J["start_us"] = HasCycles ? Json(jsonNumber(S.StartUs, "%.6f")) : Json();
  if (S.Npu && !HasCycles) {
    J["time_us"] = nullptr;
    return J;
  }
  J["time_us"] = jsonNumber(S.Us, "%.6f");
  if (S.Npu)
    J["cycles"] = S.Cycles;
  else
    J["flops"] = std::llround(S.Flops);
  return J;
}

} // namespace

double modeledHostUs(double Flops, double Gflops) { return Gflops > 0 ? Flops / (Gflops * 1e3) : 0; }

ModelLatency modelLatency(const ModelOutcome &O, const HardwareConfig &C, std::optional<double> HostGflops) {
  ModelLatency L;
  L.ClockMHz = C.ClockMHz;
  L.HostGflops = HostGflops;
  double At = 0;
  for (const SegmentRun &R : O.Segments) {
    SegmentLatency S;
    S.Name = R.Name;
    S.Npu = R.Npu;
    S.StartUs = At;
    if (R.Npu) {
      ++L.NpuSegments;
      L.HasCycles &= R.Timing.has_value();
      S.Cycles = R.Timing ? R.Timing->TotalCycles : 0;
      S.Us = double(S.Cycles) / C.ClockMHz;
      L.NpuCycles += S.Cycles;
    } else {
      ++L.HostSegments;
      S.Flops = R.Flops;
      S.Us = HostGflops ? modeledHostUs(R.Flops, *HostGflops) : R.RunMs * 1e3;
      L.HostUs += S.Us;
    }
    At += S.Us;
    L.Segments.push_back(S);
  }
  // The sum of cycles converted once, so that npu_time_us x clock.mhz gives the cycles back.
  L.NpuUs = double(L.NpuCycles) / C.ClockMHz;
  return L;
}

std::string ModelLatency::summaryLine() const {
  const std::string Host = "host " + number(HostUs, "%.3f") + " us " +
                           (HostGflops ? "modeled at " + number(*HostGflops, "%g") + " GFLOP/s " : "measured ") + "(" +
                           std::to_string(HostSegments) + (HostSegments == 1 ? " segment)" : " segments)");
  if (!HasCycles)
    return "model latency: unknown: the NPU segments ran without cycles (latency needs the systemc or rtl "
           "backend); " +
           Host + "\n";
  return "model latency: " + number(totalUs(), "%.3f") + " us = NPU " + number(NpuUs, "%.3f") + " us (" +
         std::to_string(NpuCycles) + " cycles @ " + number(ClockMHz, "%g") + " MHz) + " + Host + "\n";
}

std::string ModelLatency::toJson() const {
  Json J;
  if (HasCycles)
    J = {{"model_latency_us", jsonNumber(totalUs(), "%.6f")},
         {"npu_time_us", jsonNumber(NpuUs, "%.6f")},
         {"npu_cycles", NpuCycles}};
  else
    J = {{"model_latency_us", nullptr},
         {"npu_time_us", nullptr},
         {"npu_cycles", nullptr},
         {"note", "the NPU segments ran without cycles: latency needs the systemc or rtl backend"}};
  J.update({{"clock_mhz", jsonNumber(ClockMHz, "%.15g")},
            {"host_time_us", jsonNumber(HostUs, "%.6f")},
            {"host_time", HostGflops ? "modeled" : "measured"}});
  if (HostGflops)
    J["host_gflops"] = jsonNumber(*HostGflops, "%.15g");
  J.update({{"npu_segments", NpuSegments}, {"host_segments", HostSegments}, {"segments", Json::array()}});
  for (const SegmentLatency &S : Segments)
    J["segments"].push_back(segmentJson(S, HasCycles));
  return jsonText(J);
}

} // namespace npu::runtime
