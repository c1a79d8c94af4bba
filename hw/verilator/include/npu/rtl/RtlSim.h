// The RTL of hw/rtl run under Verilator: loads the Verilated npu_top built for a config (a shared library per
// config hash), serves its instruction memory and DRAM (with the shared DRAM-port rule), and reports the same
// TimingStats as the SystemC model, from the RTL's performance counters checked against its own
// dispatch/start/end events; optionally dumps a VCD or FST waveform of the run.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"
#include "npu/sim/SystemCSim.h"
#include "npu/support/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace npu::rtl {

/// The waveform a run dumps: none (the fast untraced model), VCD or FST (a traced model library of its own).
enum class WaveformKind : uint8_t { None, Vcd, Fst };
/// "none", "vcd", "fst".
const char *waveformName(WaveformKind W);

struct RtlOptions {
  /// A run fails when no instruction starts or ends for this many cycles; 0 chooses 1,000,000 plus three
  /// times the longest instruction's uncontended duration (a DMA may wait for the other two clients).
  uint64_t WatchdogCycles = 0;
  /// Build a model missing from every search directory into the user cache (minutes; progress on stderr).
  bool BuildMissing = true;
  /// Searched before the built-in directories (tests).
  std::vector<std::string> ModelDirs;
  /// Dump every signal of the run (reset and start included) into WaveformPath; needs the traced model
  /// library of that kind, built on first use like a missing model (BuildMissing).
  WaveformKind Waveform = WaveformKind::None;
  std::string WaveformPath;
  /// Check the RTL's performance counters against the statistics derived from its events (a difference is an
  /// RTL bug and fails the run); without the check the counters are reported as they are.
  bool CheckCounters = true;
};

/// Refuses configs the RTL cannot be built for (pipeline.fetch, pipeline.load or pipeline.store of 0), with
/// the reason.
Status checkRtlConfig(const HardwareConfig &C);

/// "npu_rtl_<first 16 hex digits of the config hash>.so"; traced: "npu_rtl_<...>_vcd.so", "..._fst.so".
std::string modelFileName(const HardwareConfig &C, WaveformKind W = WaveformKind::None);

/// Where models are looked up, in order: the build's rtl-models directory, then the user cache
/// $XDG_CACHE_HOME/npu/rtl/<hash>/ or ~/.cache/npu/rtl/<hash>/ (which is also where a missing model is built).
std::vector<std::string> modelSearchDirs(const HardwareConfig &C);

/// The path of the model for C (traced with W), building it into the user cache when missing and Build is
/// set; otherwise an error saying how to build it.
Expected<std::string> findModel(const HardwareConfig &C, bool Build,
                                const std::vector<std::string> &Extra = {},
                                WaveformKind W = WaveformKind::None);

/// Verilates hw/rtl with C's package into the user cache (the same script the CMake build uses; traced with
/// W, a cache entry of its own). Progress goes to stderr.
Expected<std::string> buildModel(const HardwareConfig &C, WaveformKind W = WaveformKind::None);

/// The operation counts of a complete run of P, computed from the instruction fields: identical to the
/// functional simulator's SimStats for every program it runs without error.
sim::SimStats operationCounts(const HardwareConfig &C, const isa::Program &P);

class RtlSim {
public:
  explicit RtlSim(const HardwareConfig &C, RtlOptions O = {}) : C(C), Opts(std::move(O)) {}
  /// Runs P over Dram (modified in place) on the RTL. Errors: a program for another config or a DRAM image
  /// of the wrong size, an illegal instruction or a LOAD/STORE outside its buffer or DRAM (checked before the
  /// run), a missing model, a token deadlock (the functional simulator's report) or an RTL that stops making
  /// progress, RTL events that break the port contract of docs/rtl.md, performance counters that disagree
  /// with the events (RtlOptions::CheckCounters), and a waveform file that cannot be written. A waveform is
  /// written up to the failure.
  Expected<sim::TimingStats> run(const isa::Program &P, std::vector<uint8_t> &Dram);

  /// Cycles clocked by the last run (reset and start included): the figure for cycles per second.
  uint64_t clockedCycles() const { return Clocked; }
  /// Cycles of the last run in which the compute unit's head waited only for its accumulator footprint to
  /// be computed (the RTL's fp_wait_o; the SystemC model has the same waits, docs/timing.md).
  uint64_t footprintWaitCycles() const { return FootprintWait; }

private:
  const HardwareConfig &C;
  RtlOptions Opts;
  uint64_t Clocked = 0, FootprintWait = 0;
};

} // namespace npu::rtl
