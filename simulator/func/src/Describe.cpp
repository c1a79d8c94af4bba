// Naming instructions in the simulator's error and deadlock messages.
#include "Describe.h"

#include "npu/isa/Assembler.h"

namespace npu::sim {

std::string mnemonic(const isa::Instruction &I) {
  if (!isa::isValidOpcode(I.H.Op))
    return "opcode " + std::to_string(I.H.Op);
  std::string S = isa::opcodeName(I.opcode());
  if (isa::opcodeFormat(I.opcode()) == isa::Format::Mem && isa::isValidMemType(I.Mem.Mem))
    S += std::string(".") + isa::memTypeName(I.memType());
  if (I.opcode() == isa::Opcode::Alu && isa::isValidAluOp(I.Alu.AluOp))
    S += std::string(".") + isa::aluOpName(I.aluOp());
  return S;
}

std::string describeInstruction(const isa::IsaLayout &L, uint64_t Index, const isa::Instruction &I) {
  return "instruction " + std::to_string(Index) + " (" + isa::formatInstruction(L, I) + ")";
}

} // namespace npu::sim
