// The statistics of an RTL run derived from its instruction timings, as the SystemC model derives them
// (private to the harness).
#pragma once

#include "npu/rtl/RtlSim.h"

namespace npu::rtl {

/// Fills Head from the dispatch, start and end cycles (docs/timing.md: H = max(D, the unit's previous end);
/// with alu.concurrent the compute unit takes up the next instruction at the previous one's start if that
/// ran on a pipe).
void fillHeads(const HardwareConfig &C, const isa::Program &P, std::vector<sim::InsnTiming> &T);

/// TotalCycles, per-unit and per-node statistics, DRAM and pipe totals of T (Insns and Counts filled).
/// FetchStall: cycles fetch waited for room in a command queue.
void fillRunStats(const HardwareConfig &C, const isa::Program &P, uint64_t FetchStall, uint64_t Bursts,
                  sim::TimingStats &T);

} // namespace npu::rtl
