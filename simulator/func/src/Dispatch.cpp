// Token use per instruction, the up-front instruction check, instruction names and deadlock reports.
#include "npu/sim/Dispatch.h"

#include "npu/isa/Assembler.h"

namespace npu::sim {

using isa::Instruction;
using isa::Queue;

const char *tokenQueueName(TokenQueue T) {
  switch (T) {
  case TokenQueue::L2C:
    return "l2c";
  case TokenQueue::C2L:
    return "c2l";
  case TokenQueue::C2S:
    return "c2s";
  case TokenQueue::S2C:
    return "s2c";
  }
  return "?";
}

const char *tokenDescription(TokenQueue T) {
  switch (T) {
  case TokenQueue::L2C:
    return "load->compute";
  case TokenQueue::C2L:
    return "compute->load";
  case TokenQueue::C2S:
    return "compute->store";
  case TokenQueue::S2C:
    return "store->compute";
  }
  return "?";
}

TokenUse tokenUse(const Instruction &I) {
  TokenUse T;
  T.Q = I.queue();
  auto Pop = [&](bool Flag, TokenQueue Q) {
    if (Flag)
      T.Pops[T.NumPops++] = Q;
  };
  auto Push = [&](bool Flag, TokenQueue Q) {
    if (Flag)
      T.Pushes[T.NumPushes++] = Q;
  };
  switch (T.Q) {
  case Queue::Load:
    Pop(I.H.PopNext, TokenQueue::C2L);
    Push(I.H.PushNext, TokenQueue::L2C);
    break;
  case Queue::Compute:
    Pop(I.H.PopPrev, TokenQueue::L2C);
    Pop(I.H.PopNext, TokenQueue::S2C);
    Push(I.H.PushPrev, TokenQueue::C2L);
    Push(I.H.PushNext, TokenQueue::C2S);
    break;
  case Queue::Store:
    Pop(I.H.PopPrev, TokenQueue::C2S);
    Push(I.H.PushPrev, TokenQueue::S2C);
    break;
  }
  return T;
}

Status checkProgramInstructions(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P) {
  struct Range {
    const isa::FieldLayout *F;
    int64_t Min, Max;
  };
  // The field lists are built once per opcode: programs have many instructions and few opcodes.
  std::array<std::vector<Range>, 8> Fields;
  for (isa::Opcode Op : isa::allOpcodes())
    for (const isa::FieldLayout *F : L.fieldsOf(Op))
      Fields[unsigned(Op)].push_back({F, F->minValue(), F->maxValue()});
  auto Check = [&](const Instruction &I) -> Status {
    if (!isa::isValidOpcode(I.H.Op))
      return makeError("invalid opcode ", I.H.Op);
    for (const Range &R : Fields[unsigned(I.opcode())]) {
      const int64_t V = R.F->get(I);
      if (V < R.Min || V > R.Max)
        return makeError("field '", R.F->Name, "' value ", V, " is outside [", R.Min, ", ", R.Max, "]");
    }
    return isa::checkInstruction(C, I);
  };
  for (size_t K = 0; K < P.Insns.size(); ++K)
    if (Status S = Check(P.Insns[K]); !S)
      return S.withContext("instruction " + std::to_string(K) + " (" + mnemonic(P.Insns[K]) +
                           "): illegal instruction");
  return Status::ok();
}

std::string mnemonic(const Instruction &I) {
  if (!isa::isValidOpcode(I.H.Op))
    return "opcode " + std::to_string(I.H.Op);
  std::string S = isa::opcodeName(I.opcode());
  if (isa::opcodeFormat(I.opcode()) == isa::Format::Mem && isa::isValidMemType(I.Mem.Mem))
    S += std::string(".") + isa::memTypeName(I.memType());
  if (I.opcode() == isa::Opcode::Alu && isa::isValidAluOp(I.Alu.AluOp))
    S += std::string(".") + isa::aluOpName(I.aluOp());
  return S;
}

std::string describeInstruction(const isa::IsaLayout &L, uint64_t Index, const Instruction &I) {
  return "instruction " + std::to_string(Index) + " (" + isa::formatInstruction(L, I) + ")";
}

std::string waitsFor(const HardwareConfig &C, const TokenUse &T, const std::array<uint64_t, 4> &Tokens) {
  std::string S;
  auto Add = [&](const std::string &Part) { S += (S.empty() ? "" : " and ") + Part; };
  for (unsigned K = 0; K < T.NumPops; ++K)
    if (Tokens[unsigned(T.Pops[K])] == 0)
      Add(std::string("a ") + tokenDescription(T.Pops[K]) + " token");
  for (unsigned K = 0; K < T.NumPushes; ++K)
    if (Tokens[unsigned(T.Pushes[K])] >= C.TokenQueueDepth)
      Add(std::string("room in the ") + tokenDescription(T.Pushes[K]) + " token queue (depth " +
          std::to_string(C.TokenQueueDepth) + ")");
  return S;
}

Error deadlockError(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P,
                    const BlockedState &B) {
  std::string Msg = "deadlock after " + std::to_string(B.Executed) + " of " + std::to_string(P.Insns.size()) +
                    " instructions executed; nothing can proceed:";
  for (Queue Q : {Queue::Load, Queue::Compute, Queue::Store}) {
    const std::optional<uint64_t> &Head = B.Heads[unsigned(Q)];
    if (!Head)
      continue;
    const Instruction &I = P.Insns[*Head];
    Msg += std::string("\n  ") + isa::queueName(Q) + " queue: " + describeInstruction(L, *Head, I) +
           " waits for " + waitsFor(C, tokenUse(I), B.Tokens);
  }
  if (B.NextFetch) {
    const Instruction &I = P.Insns[*B.NextFetch];
    Msg += "\n  fetch: " + describeInstruction(L, *B.NextFetch, I) + " waits for room in the " +
           isa::queueName(I.queue()) + " command queue (depth " + std::to_string(C.CommandQueueDepth) + ")";
  }
  return makeError(Msg);
}

} // namespace npu::sim
