// The timing rules of docs/timing.md as plain functions of the HardwareConfig and an instruction's fields:
// what the SystemC model charges per instruction, and what a cost model or an RTL testbench can reuse.
#pragma once

#include "npu/config/HardwareConfig.h"
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

} // namespace npu::timing
