// FuncSim::run: program checks, then the VTA-style fetch / command-queue / dependency-token scheduler that
// dispatches instructions to the unit executors.
#include "npu/sim/FuncSim.h"

#include "Describe.h"
#include "Executors.h"

#include <array>
#include <deque>

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

namespace {

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

/// The token FIFOs an instruction pops and pushes, from its queue and flags (illegal flags were rejected).
struct TokenUse {
  Queue Q = Queue::Compute;
  std::array<TokenQueue, 2> Pops, Pushes;
  unsigned NumPops = 0, NumPushes = 0;
};

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

/// Checks field values against their encodable ranges, then the ISA's semantic rules. The field lists are
/// built once per opcode: programs have many instructions and few opcodes.
class InstructionChecker {
public:
  InstructionChecker(const HardwareConfig &C, const isa::IsaLayout &L) : C(C) {
    for (isa::Opcode Op : isa::allOpcodes())
      for (const isa::FieldLayout *F : L.fieldsOf(Op))
        Fields[unsigned(Op)].push_back({F, F->minValue(), F->maxValue()});
  }
  Status check(const Instruction &I) const {
    if (!isa::isValidOpcode(I.H.Op))
      return makeError("invalid opcode ", I.H.Op);
    for (const Range &R : Fields[unsigned(I.opcode())]) {
      const int64_t V = R.F->get(I);
      if (V < R.Min || V > R.Max)
        return makeError("field '", R.F->Name, "' value ", V, " is outside [", R.Min, ", ", R.Max, "]");
    }
    return isa::checkInstruction(C, I);
  }

private:
  struct Range {
    const isa::FieldLayout *F;
    int64_t Min, Max;
  };
  const HardwareConfig &C;
  std::array<std::vector<Range>, 8> Fields;
};

/// The queues, tokens and program counter of one run.
class Scheduler {
public:
  Scheduler(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P, ExecContext &X)
      : C(C), L(L), P(P), X(X) {
    Uses.reserve(P.Insns.size());
    for (const Instruction &I : P.Insns)
      Uses.push_back(tokenUse(I));
  }

  Status run() {
    const uint64_t N = P.Insns.size();
    while (Executed < N) {
      bool Progress = fetch();
      // One instruction per unit per round, in a fixed order: the run is deterministic.
      for (Queue Q : {Queue::Load, Queue::Compute, Queue::Store}) {
        auto &CQ = Queues[unsigned(Q)];
        if (CQ.empty() || !ready(Uses[CQ.front()]))
          continue;
        const uint64_t Index = CQ.front();
        CQ.pop_front();
        NPU_TRY(execute(Index));
        Progress = true;
      }
      if (!Progress)
        return deadlock();
    }
    return Status::ok();
  }

private:
  const HardwareConfig &C;
  const isa::IsaLayout &L;
  const isa::Program &P;
  ExecContext &X;
  std::vector<TokenUse> Uses; ///< per instruction: its queue and token FIFOs
  std::array<std::deque<uint64_t>, 3> Queues;
  std::array<uint64_t, 4> Tokens = {0, 0, 0, 0};
  uint64_t NextFetch = 0, Executed = 0;

  /// Moves instructions, in program order, into their command queues until one is full.
  bool fetch() {
    bool Moved = false;
    while (NextFetch < P.Insns.size()) {
      auto &CQ = Queues[unsigned(Uses[NextFetch].Q)];
      if (CQ.size() >= C.CommandQueueDepth)
        break;
      CQ.push_back(NextFetch++);
      Moved = true;
    }
    return Moved;
  }

  bool ready(const TokenUse &T) const {
    for (unsigned K = 0; K < T.NumPops; ++K)
      if (Tokens[unsigned(T.Pops[K])] == 0)
        return false;
    for (unsigned K = 0; K < T.NumPushes; ++K)
      if (Tokens[unsigned(T.Pushes[K])] >= C.TokenQueueDepth)
        return false;
    return true;
  }

  Status execute(uint64_t Index) {
    const Instruction &I = P.Insns[Index];
    const TokenUse &T = Uses[Index];
    for (unsigned K = 0; K < T.NumPops; ++K)
      --Tokens[unsigned(T.Pops[K])];
    Status S = Status::ok();
    SimStats &St = X.Stats;
    switch (I.opcode()) {
    case isa::Opcode::Load:
      ++St.Loads;
      S = executeLoad(X, I);
      break;
    case isa::Opcode::Store:
      ++St.Stores;
      S = executeStore(X, I);
      break;
    case isa::Opcode::Gemm:
      ++St.Gemms;
      S = executeGemm(X, I);
      break;
    case isa::Opcode::Alu:
      ++St.Alus;
      S = executeAlu(X, I);
      break;
    case isa::Opcode::Finish:
      ++St.Finishes;
      break;
    }
    if (!S)
      return S.withContext(describeInstruction(L, Index, I));
    for (unsigned K = 0; K < T.NumPushes; ++K) {
      ++Tokens[unsigned(T.Pushes[K])];
      ++St.TokensPushed[unsigned(T.Pushes[K])];
    }
    ++St.Instructions;
    ++Executed;
    return Status::ok();
  }

  /// What the head of a blocked queue waits for, e.g. "a compute->store token and room in the ...".
  std::string waitsFor(const TokenUse &T) const {
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

  Status deadlock() const {
    std::string Msg = "deadlock after " + std::to_string(Executed) + " of " + std::to_string(P.Insns.size()) +
                      " instructions executed; nothing can proceed:";
    for (Queue Q : {Queue::Load, Queue::Compute, Queue::Store}) {
      const auto &CQ = Queues[unsigned(Q)];
      if (CQ.empty())
        continue;
      const Instruction &I = P.Insns[CQ.front()];
      Msg += std::string("\n  ") + isa::queueName(Q) + " queue: " + describeInstruction(L, CQ.front(), I) +
             " waits for " + waitsFor(Uses[CQ.front()]);
    }
    if (NextFetch < P.Insns.size()) {
      const Instruction &I = P.Insns[NextFetch];
      Msg += "\n  fetch: " + describeInstruction(L, NextFetch, I) + " waits for room in the " +
             isa::queueName(I.queue()) + " command queue (depth " + std::to_string(C.CommandQueueDepth) + ")";
    }
    return makeError(Msg);
  }
};

} // namespace

Expected<SimStats> FuncSim::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  if (!P.Config.Hash.empty() && !C.Hash.empty() && P.Config.Hash != C.Hash)
    return makeError("program was built for config '", P.Config.Name, "' (", P.Config.shortHash(),
                     ") but the simulator runs config '", C.Name, "' (", C.shortHash(), ")");
  if (Dram.size() != P.DramBytes)
    return makeError("DRAM image has ", Dram.size(), " bytes but the program declares ", P.DramBytes);
  const isa::IsaLayout L(C);
  const InstructionChecker Checker(C, L);
  for (size_t K = 0; K < P.Insns.size(); ++K)
    if (Status S = Checker.check(P.Insns[K]); !S)
      return S.withContext("instruction " + std::to_string(K) + " (" + mnemonic(P.Insns[K]) +
                           "): illegal instruction");

  SimStats Stats;
  SramState S(C);
  ExecContext X{C, L, S, Dram, Stats};
  Scheduler Sched(C, L, P, X);
  NPU_TRY(Sched.run());
  return Stats;
}

} // namespace npu::sim
