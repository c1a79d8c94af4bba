// RTL test helpers: the configs with a built model, and running a program on the functional simulator, the
// SystemC model and the RTL with the first divergence named.
#pragma once

#include "../systemc/ScTestUtil.h"

#include "npu/rtl/RtlSim.h"

namespace rtltest {

using namespace sctest;

/// The configs the build Verilates (NPU_RTL_CONFIGS, passed comma-separated), by name under configs/.
std::vector<std::string> rtlConfigNames();

/// Runs P on the RTL from its initial DRAM image; Dram receives the final image. Models are never built here:
/// a missing one is an error (the test target depends on the build's models). FootprintWait, if given,
/// receives the cycles the RTL's compute head waited for a footprint (RtlSim::footprintWaitCycles).
npu::Expected<TimingStats> runRtl(const Program &P, std::vector<uint8_t> &Dram, uint64_t Watchdog = 0,
                                  uint64_t *FootprintWait = nullptr);

/// What agree() found.
struct Agreement {
  bool Ran = false;      ///< all three ran without error
  bool Refused = false;  ///< func and the RTL both refused the program with the same error (it does not fit)
  bool SameData = false; ///< the RTL left func's final DRAM and operation counts
  size_t Divergent = 0;  ///< instructions whose dispatch, start or end differ from the SystemC model's
  TimingStats Rtl, SystemC;
  /// Everything agreed.
  bool agreed() const { return Ran && SameData && Divergent == 0; }
};

/// Runs P on func, systemc and the RTL from Start (a DRAM image of P.DramBytes: a model segment's image with
/// its inputs bound) and checks (as gtest failures prefixed by What) that the RTL leaves the functional
/// simulator's DRAM and counts, and that every instruction's dispatch, start and end cycles equal the SystemC
/// model's; the failure names the first divergent instruction (index, assembly, both timings). A program func
/// refuses must be refused by the RTL with the same message (Agreement::Refused); anything else fails.
Agreement agree(const Program &P, const std::vector<uint8_t> &Start, const std::string &What);
/// The same from P's own initial image (Program::dramImage).
Agreement agree(const Program &P, const std::string &What);

} // namespace rtltest
