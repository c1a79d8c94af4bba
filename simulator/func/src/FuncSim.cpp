// FuncSim::run: program checks, then the VTA-style fetch / command-queue / dependency-token scheduler that
// dispatches instructions to the unit executors.
#include "npu/sim/FuncSim.h"

#include "npu/sim/Dispatch.h"
#include "npu/sim/Exec.h"

#include <algorithm>
#include <array>
#include <deque>

namespace npu::sim {

using isa::Instruction;
using isa::Queue;

namespace {

/// The queues, tokens and program counter of one run.
class Scheduler {
public:
  Scheduler(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P, ExecContext &X,
            uint64_t WorkLimit)
      : C(C), L(L), P(P), X(X), WorkLimit(WorkLimit) {
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
  uint64_t WorkLimit = 0, Work = 0;

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
    if (WorkLimit) {
      Work = mulAddSat(1, Work, FuncSim::instructionWork(I));
      if (Work > WorkLimit)
        return makeError("the run's work limit of ", WorkLimit, " micro-ops and rows is exceeded")
            .withContext(describeInstruction(L, Index, I));
    }
    for (unsigned K = 0; K < T.NumPops; ++K)
      --Tokens[unsigned(T.Pops[K])];
    Status S = executeInstruction(X, I);
    SimStats &St = X.Stats;
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

  Status deadlock() const {
    BlockedState B;
    B.Executed = Executed;
    for (Queue Q : {Queue::Load, Queue::Compute, Queue::Store})
      if (!Queues[unsigned(Q)].empty())
        B.Heads[unsigned(Q)] = Queues[unsigned(Q)].front();
    B.Tokens = Tokens;
    if (NextFetch < P.Insns.size())
      B.NextFetch = NextFetch;
    return deadlockError(C, L, P, B);
  }
};

} // namespace

uint64_t FuncSim::instructionWork(const Instruction &I) {
  switch (I.opcode()) {
  case isa::Opcode::Gemm:
    return mulAddSat(mulAddSat(uint64_t(I.Gemm.LoopOut), uint64_t(I.Gemm.LoopIn), 0),
                     uint64_t(std::max<int64_t>(I.Gemm.UopEnd - I.Gemm.UopBegin, 0)), 0);
  case isa::Opcode::Alu:
    return mulAddSat(mulAddSat(uint64_t(I.Alu.LoopOut), uint64_t(I.Alu.LoopIn), 0),
                     uint64_t(std::max<int64_t>(I.Alu.UopEnd - I.Alu.UopBegin, 0)), 0);
  case isa::Opcode::Load:
  case isa::Opcode::Store:
    return mulAddSat(uint64_t(I.Mem.YSize + I.Mem.PadTop + I.Mem.PadBottom),
                     uint64_t(I.Mem.XSize + I.Mem.PadLeft + I.Mem.PadRight), 0);
  default:
    return 1;
  }
}

Expected<SimStats> FuncSim::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  NPU_TRY(isa::checkBuiltFor(P, C));
  if (Dram.size() != P.DramBytes)
    return makeError("DRAM image has ", Dram.size(), " bytes but the program declares ", P.DramBytes);
  const isa::IsaLayout L(C);
  NPU_TRY(checkProgramInstructions(C, L, P));

  SimStats Stats;
  SramState S(C);
  ExecContext X{C, L, S, Dram, Stats};
  Scheduler Sched(C, L, P, X, WorkLimit);
  NPU_TRY(Sched.run());
  return Stats;
}

} // namespace npu::sim
