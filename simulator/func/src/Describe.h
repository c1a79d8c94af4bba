// How the simulator's messages name an instruction: its index and assembly form.
#pragma once

#include "npu/isa/Isa.h"

#include <cstdint>
#include <string>

namespace npu::sim {

/// "load.inp", "alu.add", "gemm", ...: names an instruction that may be illegal (no assembly form).
std::string mnemonic(const isa::Instruction &I);
/// "instruction 7 (load.inp sram=0 ...)": the index and the assembly form of a legal instruction.
std::string describeInstruction(const isa::IsaLayout &L, uint64_t Index, const isa::Instruction &I);

} // namespace npu::sim
