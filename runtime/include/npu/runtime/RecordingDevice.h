// RecordingDevice: a Device that runs another one and keeps every program it is given with the DRAM image
// the program started from, so a model's NPU segments can be run again alone (benchmarks, agreement tests).
#pragma once

#include "npu/runtime/Device.h"

#include <vector>

namespace npu::runtime {

/// One program a RecordingDevice ran.
struct RecordedRun {
  const isa::Program *P = nullptr; ///< as handed to run(): the caller keeps it alive (a model's artifact)
  std::vector<uint8_t> Dram;       ///< its starting image, inputs bound
};

class RecordingDevice : public Device {
public:
  /// Runs on Inner (which must outlive this device) and reports Inner's name and results.
  explicit RecordingDevice(Device &Inner) : Inner(Inner) {}
  std::string name() const override { return Inner.name(); }
  Expected<DeviceResult> run(const isa::Program &P, std::vector<uint8_t> &Dram) override;
  Status enableTrace() override { return Inner.enableTrace(); }

  /// Every run so far, in the order run() was called (for a model: its NPU segments in execution order).
  const std::vector<RecordedRun> &runs() const { return Runs; }
  std::vector<RecordedRun> takeRuns() { return std::move(Runs); }

private:
  Device &Inner;
  std::vector<RecordedRun> Runs;
};

} // namespace npu::runtime
