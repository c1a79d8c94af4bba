// The statistics of a timed run derived from its instruction timings (docs/timing.md "Statistics"): computed
// by the SystemC model, and by the RTL harness from the RTL's events to check its performance counters.
#pragma once

#include "npu/sim/SystemCSim.h"

namespace npu::sim {

/// Per-unit statistics (T.Units) from T.Insns: each unit's time line is cut once, in program order, into idle
/// (before H since the unit's previous end), token stall (S - H), DRAM stall (DramWait) and busy (the rest of
/// [S, E)); with alu.concurrent the cycles both pipes run count once. Fetch is busy pipeline.fetch cycles per
/// instruction and stalls FetchStall cycles (waiting for command-queue room). T.TotalCycles must be set.
void computeUnitStats(const HardwareConfig &C, const isa::Program &P, uint64_t FetchStall, TimingStats &T);

/// Per-node statistics (T.Nodes) from T.Insns through P's node provenance; nothing without provenance.
void computeNodeStats(const HardwareConfig &C, const isa::Program &P, TimingStats &T);

/// Everything derived from T.Insns: TotalCycles (the last end), the units (computeUnitStats), the nodes
/// (computeNodeStats), DramBursts (Bursts, the bursts the port moved) and DramBusyCycles, GemmBusy and
/// AluBusy. T.Counts is left as it is.
void computeRunStats(const HardwareConfig &C, const isa::Program &P, uint64_t FetchStall, uint64_t Bursts,
                     TimingStats &T);

} // namespace npu::sim
