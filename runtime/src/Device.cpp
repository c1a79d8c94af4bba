// The Device factory and the functional-simulator, SystemC and RTL devices.
#include "npu/runtime/Device.h"

#include "npu/rtl/RtlSim.h"
#include "npu/support/Json.h"

namespace npu::runtime {

Expected<DeviceResult> FuncDevice::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  sim::FuncSim Sim(Config);
  auto Stats = Sim.run(P, Dram);
  if (!Stats)
    return Stats.error();
  DeviceResult R;
  R.Stats = *Stats;
  R.StatsJson = Stats->toJson(Config);
  return R;
}

Expected<DeviceResult> SystemCDevice::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  sim::SystemCSim Sim(Config);
  auto Timing = Sim.run(P, Dram);
  if (!Timing)
    return Timing.error();
  DeviceResult R;
  R.Stats = Timing->Counts;
  R.StatsJson = Timing->toJson(Config);
  R.Report = Timing->summary(Config);
  if (Trace)
    R.TraceJson = Timing->traceJson(P);
  R.Timing = Timing.takeValue();
  return R;
}

std::string timingStatsJson(const sim::TimingStats &T, const HardwareConfig &C, const std::string &Backend) {
  // TimingStats::toJson names the SystemC model as the backend; the member keeps its place.
  Json J = Json::parse(T.toJson(C));
  J["backend"] = Backend;
  return jsonText(J);
}

Status RtlDevice::enableWaveform(const std::string &Path, const std::string &Format) {
  if (Format != "vcd" && Format != "fst")
    return makeError("unknown waveform format '", Format, "' (expected vcd or fst)");
  if (Path.empty())
    return makeError("no file for the ", Format, " waveform");
  WaveformPath = Path;
  WaveformFormat = Format;
  return Status::ok();
}

Expected<DeviceResult> RtlDevice::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  rtl::RtlOptions O;
  if (!WaveformPath.empty()) {
    O.Waveform = WaveformFormat == "fst" ? rtl::WaveformKind::Fst : rtl::WaveformKind::Vcd;
    O.WaveformPath = WaveformPath;
  }
  rtl::RtlSim Sim(Config, O);
  auto Timing = Sim.run(P, Dram);
  if (!Timing)
    return Timing.error();
  DeviceResult R;
  R.Stats = Timing->Counts;
  R.StatsJson = timingStatsJson(*Timing, Config, name());
  R.Report = Timing->summary(Config);
  if (Trace)
    R.TraceJson = Timing->traceJson(P);
  R.Timing = Timing.takeValue();
  return R;
}

const std::vector<std::string> &deviceNames() {
  static const std::vector<std::string> Names = {"func", "systemc", "rtl", "host", "gpu"};
  return Names;
}

Expected<std::unique_ptr<Device>> makeDevice(const std::string &Name, const HardwareConfig &C) {
  if (Name == "func")
    return std::unique_ptr<Device>(std::make_unique<FuncDevice>(C));
  if (Name == "systemc")
    return std::unique_ptr<Device>(std::make_unique<SystemCDevice>(C));
  if (Name == "rtl") {
    NPU_TRY(rtl::checkRtlConfig(C));
    return std::unique_ptr<Device>(std::make_unique<RtlDevice>(C));
  }
  for (const std::string &Known : deviceNames())
    if (Name == Known)
      return makeError("backend '", Name, "' is not built yet (available: func, systemc, rtl)");
  std::string List;
  for (const std::string &Known : deviceNames())
    List += (List.empty() ? "" : ", ") + Known;
  return makeError("unknown backend '", Name, "' (expected one of ", List, ")");
}

} // namespace npu::runtime
