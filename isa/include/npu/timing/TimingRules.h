// The timing rules of docs/timing.md as plain functions of the HardwareConfig and an instruction's fields:
// what the SystemC model charges per instruction, and what a cost model or an RTL testbench can reuse.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Footprint.h"
#include "npu/isa/Isa.h"

#include <cstdint>

namespace npu::timing {

/// Cycles one DRAM burst occupies the DRAM port: ceil(dram.burst / dram.bandwidth).
uint64_t burstCycles(const HardwareConfig &C);

/// DRAM bursts a LOAD/STORE moves: each transfer row covers the burst-aligned blocks its bytes touch, one
/// (row, block) pair each; a row whose first block is the previous row's last block shares that block's
/// burst, at most burstCycles pairs per burst (the engine moves one pair per cycle). Rows contiguous on both
/// sides (y = 1, or stride = x without left/right padding) are one row. 0 for a no-op.
uint64_t dmaBursts(const HardwareConfig &C, const isa::MemFields &M);

/// Zero rows a LOAD writes for its padding (buffer rows written minus rows read from DRAM).
uint64_t paddingRows(const isa::MemFields &M);

/// Cycles from a LOAD/STORE's start to its DRAM request: pipeline.load (LOAD of any buffer) or
/// pipeline.store.
uint64_t dmaIssueLatency(const HardwareConfig &C, const isa::Instruction &I);

/// Micro-op executions of a GEMM or ALU: (uop_end - uop_begin) x loop_out x loop_in.
uint64_t loopUops(const isa::Instruction &I);

/// Cycles of a GEMM: one micro-op per cycle plus pipeline.gemm; 1 when it executes no micro-op.
uint64_t gemmCycles(const HardwareConfig &C, const isa::Instruction &I);

/// Cycles of an ALU instruction: ceil(batch x block_out / alu.lanes) per micro-op plus alu.latency; 1 when it
/// executes no micro-op.
uint64_t aluCycles(const HardwareConfig &C, const isa::Instruction &I);

/// The same costs for a loop of Uops micro-ops (what the compiler's per-tile formulas charge), and the
/// cycles one ALU micro-op takes: ceil(batch x block_out / alu.lanes).
uint64_t gemmLoopCycles(const HardwareConfig &C, uint64_t Uops);
uint64_t aluLoopCycles(const HardwareConfig &C, uint64_t Uops);
uint64_t aluPasses(const HardwareConfig &C);

/// The uncontended duration of any instruction: what it costs when the DRAM port is free for it alone
/// (LOAD/STORE: issue latency + dram.latency + bursts x burstCycles, at least the padding rows after the
/// issue; token-only no-ops and FINISH: 1).
uint64_t uncontendedCycles(const HardwareConfig &C, const isa::Instruction &I);

/// Micro-ops the footprint scanner of a dual-pipe compute unit (alu.concurrent: 1) reads per cycle.
constexpr uint64_t FootprintScanLanes = 4;

/// The footprint scanner of alu.concurrent: 1 (docs/timing.md, "The ALU pipe beside the GEMM core"). A GEMM or
/// ALU instruction with micro-ops has its accumulator footprint known only once the scanner has read its
/// micro-ops, FootprintScanLanes per cycle, one instruction at a time in program order. The scan of k starts at
/// P(k) = max(D(k) + 1, F, E(L)) -- F the cycle the scanner left the previous instruction, L the last micro-op
/// LOAD that moved data before k -- and k's footprint is known from K(k) = P(k) + ceil(r / FootprintScanLanes),
/// r = uop_end - uop_begin. The scanner leaves k at min(K(k), E(k)): an instruction that ends first needs no
/// footprint any more (one that ended before P(k) costs nothing). Instructions without micro-ops (n = 0) have
/// an empty footprint, known from the word, and are not scanned.
class FootprintScanner {
public:
  /// K(k) for instruction I dispatched in cycle Dispatch; 0 when I is not scanned (n = 0, or not GEMM/ALU).
  uint64_t known(const isa::Instruction &I, uint64_t Dispatch) const;
  /// The scanned instruction whose footprint is known from Known (from known()) ended at End.
  void ended(uint64_t Known, uint64_t End);
  /// A micro-op LOAD that moved data ended at End: it rewrote the buffer the scans read.
  void uopLoadEnded(uint64_t End);

private:
  uint64_t Free = 0, UopEnd = 0;
};

/// First cycle a GEMM/ALU may start beside the instruction running on the other pipe (which ends at
/// OtherEnd), given the two footprints and the cycles they are known from (FootprintScanner::known; 0 for an
/// instruction without micro-ops, whose footprint is empty: then nothing is checked): at OtherEnd when they
/// meet, else once both are known, but never later than OtherEnd.
uint64_t besideOtherPipe(const isa::AccFootprint &Mine, uint64_t MineKnown, const isa::AccFootprint &Other,
                         uint64_t OtherKnown, uint64_t OtherEnd);

} // namespace npu::timing
