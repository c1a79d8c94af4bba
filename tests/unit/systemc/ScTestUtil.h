// SystemC model test helpers: a timing config with round numbers, running a program on both simulators,
// and generators of random token-correct programs.
#pragma once

#include "../simulator/TestUtil.h"

#include "npu/sim/SystemCSim.h"

#include <optional>

namespace sctest {

using namespace simtest;
using npu::sim::InsnTiming;
using npu::sim::TimingStats;
using npu::sim::Unit;

/// The timing-test config: 1x16x16 int8 core (inp rows 16 B, wgt 256 B, acc 64 B, out 16 B), DRAM 16 B/cycle,
/// latency 50, bursts of 64 B (4 cycles each), ALU 4 lanes latency 3, pipeline fetch 1, load 2, gemm 5,
/// store 3. Keys given in Overrides ("pipeline:\n  fetch: 0\n", ...) replace whole sections.
HardwareConfig timingConfig(const std::string &Overrides = "");

/// Runs P on the SystemC model from its initial DRAM image; Dram receives the final image.
npu::Expected<TimingStats> runTimed(const Program &P, std::vector<uint8_t> &Dram);

/// Runs P on both simulators and checks that they agree: the same error, or the same final DRAM image and
/// the same operation counts. Returns the timing when both succeeded.
std::optional<TimingStats> runBothAndCompare(const Program &P, const std::string &What);

/// A random program of every instruction kind with in-bounds shapes (loads with padding and strides into every
/// buffer, the lookup table included, GEMMs, every ALU operation, stores), chained by serialize() so that it is
/// token-correct.
Program randomSerialProgram(const HardwareConfig &C, std::mt19937 &Rng);

/// A random double- or triple-buffered (single-buffered when the token FIFOs hold one token) load -> GEMM ->
/// ALU -> store pipeline over several tiles whose RAW and WAR tokens make it correct under any timing; all
/// four token FIFOs are used. The ALU activation is a max, a requant or a table lookup (alu.lut, after one
/// LOAD lut on the compute queue).
Program randomPipelinedProgram(const HardwareConfig &C, std::mt19937 &Rng);

} // namespace sctest
