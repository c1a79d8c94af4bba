// The statistics of an RTL run: instruction heads from its events, and the TimingStats its performance
// counters give, checked against those the events give (private to the harness).
#pragma once

#include "ModelAbi.h"

#include "npu/rtl/RtlSim.h"

#include <array>
#include <string>
#include <vector>

namespace npu::rtl {

/// The performance counters of a run, indexed by NPU_RTL_PERF_* (ModelAbi.h).
using PerfCounters = std::array<uint64_t, NPU_RTL_PERF_COUNT>;

/// Fills Head from the dispatch, start and end cycles (docs/timing.md: H = max(D, the unit's previous end);
/// with alu.concurrent the compute unit takes up the next instruction at the previous one's start if that
/// ran on a pipe).
void fillHeads(const HardwareConfig &C, const isa::Program &P, std::vector<sim::InsnTiming> &T);

/// Replaces in T what the RTL counts (docs/rtl.md "Performance counters"): TotalCycles, every unit's busy,
/// token-stall, DRAM-stall and idle cycles and its DRAM contention (DRAM stall minus dram.latency per
/// transfer), DramBursts, DramBusyCycles, GemmBusy, AluBusy, and the counted operation counts (Macs,
/// GemmUops, AluUops, AluLaneOps, BytesLoaded, BytesStored). Instruction counts, Insns and Nodes stay.
void applyCounters(const HardwareConfig &C, const PerfCounters &K, sim::TimingStats &T);

/// The figures of applyCounters that differ between Counted and Derived, one line each ("unit load busy:
/// counters 12, events 13"); empty when they agree.
std::vector<std::string> counterMismatches(const sim::TimingStats &Counted, const sim::TimingStats &Derived);

} // namespace npu::rtl
