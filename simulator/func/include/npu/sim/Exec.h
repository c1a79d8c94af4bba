// The unit executors shared by the functional and the SystemC simulator: each runs one instruction on the
// on-chip state and DRAM. Every executor checks all of its SRAM and DRAM accesses before it changes any
// state, so a failing instruction has no effect. Errors carry no instruction context; the scheduler prefixes
// it.
#pragma once

#include "npu/sim/SramState.h"

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Isa.h"
#include "npu/sim/FuncSim.h"
#include "npu/support/Status.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace npu::sim {

struct ExecContext {
  const HardwareConfig &C;
  const isa::IsaLayout &L;
  SramState &S;
  std::vector<uint8_t> &Dram;
  SimStats &Stats;
};

Status executeLoad(ExecContext &X, const isa::Instruction &I);
Status executeStore(ExecContext &X, const isa::Instruction &I);
Status executeGemm(ExecContext &X, const isa::Instruction &I);
Status executeAlu(ExecContext &X, const isa::Instruction &I);
/// Counts the instruction by opcode in X.Stats and runs its executor (FINISH only counts). Token pushes and
/// the Instructions count are the scheduler's.
Status executeInstruction(ExecContext &X, const isa::Instruction &I);

/// "input buffer", "accumulator buffer", ...: how errors name a buffer.
const char *bufferName(isa::MemType M);

/// A * B + C, saturating at UINT64_MAX: index arithmetic that cannot wrap into a valid-looking index.
inline uint64_t mulAddSat(uint64_t A, uint64_t B, uint64_t C) {
  uint64_t P, R;
  if (__builtin_mul_overflow(A, B, &P) || __builtin_add_overflow(P, C, &R))
    return std::numeric_limits<uint64_t>::max();
  return R;
}

/// The largest buffer index a GEMM/ALU micro-op field reaches over the loops (both counts non-zero):
/// Base + (LoopOut-1)*StepOut + (LoopIn-1)*StepIn, saturating.
inline uint64_t lastLoopIndex(uint64_t Base, uint64_t LoopOut, uint64_t StepOut, uint64_t LoopIn,
                              uint64_t StepIn) {
  return mulAddSat(LoopIn - 1, StepIn, mulAddSat(LoopOut - 1, StepOut, Base));
}

/// Writes the narrowed mirror of accumulator row A into the output buffer (when A < OutputDepth); OutBits is
/// the output type's width.
void mirrorToOutput(SramState &S, unsigned OutBits, uint64_t A);

} // namespace npu::sim
