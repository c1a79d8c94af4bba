// Device: a backend that runs an isa::Program over a DRAM image (func now; systemc, rtl, host, gpu later).
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"
#include "npu/support/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace npu::runtime {

/// What one run reports, whichever backend ran it.
struct DeviceResult {
  sim::SimStats Stats; ///< operation counts (identical across backends for the same program and data)
  std::string
      StatsJson; ///< the backend's full statistics as a JSON object (carries the config name and hash)
};

class Device {
public:
  virtual ~Device() = default;
  /// The backend name as given to makeDevice ("func", ...).
  virtual std::string name() const = 0;
  /// Runs P over Dram (its initial image with inputs bound), leaving the final DRAM contents in Dram.
  /// A program built for a config other than the device's is refused.
  virtual Expected<DeviceResult> run(const isa::Program &P, std::vector<uint8_t> &Dram) = 0;
};

/// The functional simulator as a device: bit-exact, no timing.
class FuncDevice : public Device {
public:
  explicit FuncDevice(const HardwareConfig &C) : Config(C) {}
  std::string name() const override { return "func"; }
  Expected<DeviceResult> run(const isa::Program &P, std::vector<uint8_t> &Dram) override;

private:
  HardwareConfig Config;
};

/// Every backend name the command line accepts, built or not.
const std::vector<std::string> &deviceNames();
/// Creates the named backend for config C. Unknown names, and backends not built yet, are errors.
Expected<std::unique_ptr<Device>> makeDevice(const std::string &Name, const HardwareConfig &C);

/// Refuses a program whose config hash differs from C's, naming both configs.
Status checkProgramConfig(const isa::Program &P, const HardwareConfig &C);

} // namespace npu::runtime
