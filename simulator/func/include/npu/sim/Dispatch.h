// Queue and token bookkeeping shared by the functional and the SystemC simulator: which token FIFOs an
// instruction pops and pushes, the up-front legality check, how messages name instructions, deadlock reports.
#pragma once

#include "npu/config/HardwareConfig.h"
#include "npu/isa/Isa.h"
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"
#include "npu/support/Status.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace npu::sim {

/// "load->compute", "compute->load", ...: how messages name a token FIFO.
const char *tokenDescription(TokenQueue T);

/// The command queue of an instruction and the token FIFOs it pops and pushes (from its flags).
struct TokenUse {
  isa::Queue Q = isa::Queue::Compute;
  std::array<TokenQueue, 2> Pops{}, Pushes{};
  unsigned NumPops = 0, NumPushes = 0;
};
TokenUse tokenUse(const isa::Instruction &I);

/// Checks every instruction's field ranges and isa::checkInstruction before a run. The error names the first
/// bad one: "instruction K (load.out): illegal instruction: ...".
Status checkProgramInstructions(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P);

/// "load.inp", "alu.add", "gemm", ...: names an instruction that may be illegal (no assembly form).
std::string mnemonic(const isa::Instruction &I);
/// "instruction 7 (load.inp sram=0 ...)": the index and the assembly form of a legal instruction.
std::string describeInstruction(const isa::IsaLayout &L, uint64_t Index, const isa::Instruction &I);

/// What the head of a blocked queue waits for, e.g. "a compute->store token and room in the ... queue".
std::string waitsFor(const HardwareConfig &C, const TokenUse &T, const std::array<uint64_t, 4> &Tokens);

/// The state in which no unit can proceed, as both simulators describe it.
struct BlockedState {
  uint64_t Executed = 0;
  std::array<std::optional<uint64_t>, 3> Heads; ///< head instruction of each command queue, by isa::Queue
  std::array<uint64_t, 4> Tokens{};             ///< tokens held by each FIFO
  std::optional<uint64_t> NextFetch;            ///< the instruction fetch could not dispatch
};
/// "deadlock after N of M instructions executed; nothing can proceed:" and one line per blocked queue head
/// and for a stalled fetch (see docs/functional-simulator.md).
Error deadlockError(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P,
                    const BlockedState &B);

} // namespace npu::sim
