// Device: a backend that runs an isa::Program over a DRAM image (func, systemc, rtl).
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"
#include "npu/sim/SystemCSim.h"
#include "npu/support/Status.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace npu::runtime {

/// What one run reports, whichever backend ran it.
struct DeviceResult {
  sim::SimStats Stats; ///< operation counts (identical across backends for the same program and data)
  std::string
      StatsJson;      ///< the backend's full statistics as a JSON object (carries the config name and hash)
  std::string Report; ///< extra lines for people (systemc, rtl: cycles, units, per-node table); may be empty
  std::string TraceJson; ///< Chrome/Perfetto trace-event JSON, when the device was asked for one
  std::optional<sim::TimingStats> Timing; ///< cycle-level results (systemc, rtl)
};

class Device {
public:
  virtual ~Device() = default;
  /// The backend name as given to makeDevice ("func", ...).
  virtual std::string name() const = 0;
  /// Runs P over Dram (its initial image with inputs bound), leaving the final DRAM contents in Dram.
  /// A program built for a config other than the device's is refused (by the simulator: isa::checkBuiltFor).
  virtual Expected<DeviceResult> run(const isa::Program &P, std::vector<uint8_t> &Dram) = 0;
  /// Asks for a trace in DeviceResult::TraceJson on the following runs; backends without timing refuse.
  virtual Status enableTrace() {
    return makeError("the ", name(), " backend produces no trace (use systemc or rtl)");
  }
  /// Asks for a waveform of every signal of the following runs, written to Path in Format ("vcd" or "fst");
  /// each run overwrites the file, so set another Path before each run to keep them all. Only rtl has
  /// signals.
  virtual Status enableWaveform(const std::string &Path, const std::string &Format) {
    (void)Path;
    (void)Format;
    return makeError("the ", name(), " backend has no signals to dump (use rtl)");
  }
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

/// The cycle-level SystemC model as a device: the same data as func, plus timing, a report and a trace.
class SystemCDevice : public Device {
public:
  explicit SystemCDevice(const HardwareConfig &C) : Config(C) {}
  std::string name() const override { return "systemc"; }
  Expected<DeviceResult> run(const isa::Program &P, std::vector<uint8_t> &Dram) override;
  Status enableTrace() override {
    Trace = true;
    return Status::ok();
  }

private:
  HardwareConfig Config;
  bool Trace = false;
};

/// The RTL of hw/rtl under Verilator as a device (npu/rtl/RtlSim.h): its own data path and timing, reported
/// like systemc's. Needs the Verilated model of the config (built with the project or into the user cache).
class RtlDevice : public Device {
public:
  explicit RtlDevice(const HardwareConfig &C) : Config(C) {}
  std::string name() const override { return "rtl"; }
  Expected<DeviceResult> run(const isa::Program &P, std::vector<uint8_t> &Dram) override;
  Status enableTrace() override {
    Trace = true;
    return Status::ok();
  }
  /// The waveform needs the model library traced for Format (built into the user cache on first use).
  Status enableWaveform(const std::string &Path, const std::string &Format) override;

private:
  HardwareConfig Config;
  bool Trace = false;
  std::string WaveformPath, WaveformFormat;
};

/// Every backend name the command line accepts, built or not.
const std::vector<std::string> &deviceNames();
/// Creates the named backend for config C. Unknown names, and backends not built yet, are errors.
Expected<std::unique_ptr<Device>> makeDevice(const std::string &Name, const HardwareConfig &C);

/// TimingStats::toJson with "backend" naming the timing backend that produced T (systemc or rtl).
std::string timingStatsJson(const sim::TimingStats &T, const HardwareConfig &C, const std::string &Backend);

} // namespace npu::runtime
