// A device that records each program and its starting DRAM image (see RecordingDevice.h).
#include "npu/runtime/RecordingDevice.h"

namespace npu::runtime {

Expected<DeviceResult> RecordingDevice::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  // Copied before the run: the inner device leaves the final image in Dram.
  Runs.push_back(RecordedRun{&P, Dram});
  return Inner.run(P, Dram);
}

} // namespace npu::runtime
