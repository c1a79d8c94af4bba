// Finding, building and loading the Verilated model library of a config (private to the harness).
#pragma once

#include "ModelAbi.h"

#include "npu/rtl/RtlSim.h"

namespace npu::rtl {

/// The entry points of one loaded model library (ModelAbi.h).
struct ModelApi {
  const NpuRtlInfo *Info = nullptr;
  NpuRtlModel *(*Create)() = nullptr;
  void (*Destroy)(NpuRtlModel *) = nullptr;
  void (*SetInputs)(NpuRtlModel *, uint8_t, uint8_t, uint32_t, const uint32_t *) = nullptr;
  void (*Outputs)(const NpuRtlModel *, NpuRtlOutputs *) = nullptr;
  void (*WriteData)(const NpuRtlModel *, unsigned, uint8_t *, uint8_t *) = nullptr;
  void (*Grant)(NpuRtlModel *, unsigned, const uint8_t *) = nullptr;
  void (*Clock)(NpuRtlModel *) = nullptr;
  void (*PerfCounters)(NpuRtlModel *, uint64_t *) = nullptr;
  int (*TraceOpen)(NpuRtlModel *, const char *) = nullptr;
  void (*TraceClose)(NpuRtlModel *) = nullptr;
};

/// Loads (once per process, config and waveform kind) the model for C, traced as O.Waveform asks, checking
/// that it was built for C.
Expected<const ModelApi *> loadModel(const HardwareConfig &C, const RtlOptions &O);

} // namespace npu::rtl
