// The fetch and unit threads: dispatch, token waits, the data effect (the functional executors) and the
// instruction's duration by the rules of docs/timing.md.
#include "Model.h"

#include "npu/isa/Footprint.h"
#include "npu/timing/TimingRules.h"

#include <algorithm>

namespace npu::sim::model {

using namespace sc_core;
using isa::Instruction;

RunState::RunState(const HardwareConfig &C, const isa::IsaLayout &L, const isa::Program &P,
                   std::vector<uint8_t> &Dram)
    : C(C), L(L), P(P), Sram(C), X{C, L, Sram, Dram, Counts}, Timing(P.Insns.size()),
      Port(timing::burstCycles(C)) {
  Uses.reserve(P.Insns.size());
  for (const Instruction &I : P.Insns)
    Uses.push_back(tokenUse(I));
}

NpuModel::NpuModel(sc_module_name Name, RunState &S) : sc_module(Name), S(S) {
  SC_THREAD(fetchThread);
  SC_THREAD(loadThread);
  SC_THREAD(computeThread);
  if (S.C.AluConcurrent)
    SC_THREAD(retireThread);
  SC_THREAD(storeThread);
}

void NpuModel::fail(const Error &E) {
  if (!S.Failure)
    S.Failure = E;
  sc_stop();
}

// Fetch runs ahead of simulated time: an instruction is stamped with the cycle it enters its queue, and its
// unit does not take it up before then. Fetch only blocks (in simulated time) on a full command queue, which
// gives the same dispatch cycles as fetching one instruction per pipeline.fetch cycles in lockstep.
void NpuModel::fetchThread() {
  const uint64_t N = S.P.Insns.size();
  uint64_t Prev = 0;
  for (uint64_t K = 0; K < N; ++K) {
    const uint64_t Ready = Prev + S.C.FetchLatency;
    CommandQueue &Q = S.Queues[unsigned(S.Uses[K].Q)];
    while (Q.Entries.size() >= S.C.CommandQueueDepth) {
      Q.FetchWaits = true;
      wait(Q.Popped);
      Q.FetchWaits = false;
    }
    if (S.Failure)
      return;
    const uint64_t Dispatch = std::max(Ready, now());
    S.FetchStall += Dispatch - Ready;
    Q.Entries.push_back({K, Dispatch});
    if (Q.UnitWaits)
      Q.Pushed.notify();
    S.Timing[K].Dispatch = Dispatch;
    S.NextFetch = K + 1;
    Prev = Dispatch;
  }
}

bool NpuModel::ready(const TokenUse &T) const {
  for (unsigned K = 0; K < T.NumPops; ++K)
    if (S.Tokens[unsigned(T.Pops[K])].Count == 0)
      return false;
  for (unsigned K = 0; K < T.NumPushes; ++K)
    if (S.Tokens[unsigned(T.Pushes[K])].Count + S.PendingPush[unsigned(T.Pushes[K])] >= S.C.TokenQueueDepth)
      return false;
  return true;
}

void NpuModel::waitForTokens(isa::Queue Q, const TokenUse &T) {
  while (!ready(T)) {
    S.WaitsForTokens[unsigned(Q)] = true;
    wait(S.TokensChanged[unsigned(Q)]);
    S.WaitsForTokens[unsigned(Q)] = false;
  }
}

void NpuModel::tokensChanged(isa::Queue Self, TokenQueue T) {
  // Each FIFO joins two units: load-compute (l2c, c2l) or compute-store (c2s, s2c).
  const bool LoadSide = T == TokenQueue::L2C || T == TokenQueue::C2L;
  const isa::Queue Other = Self != isa::Queue::Compute ? isa::Queue::Compute
                           : LoadSide                  ? isa::Queue::Load
                                                       : isa::Queue::Store;
  if (S.WaitsForTokens[unsigned(Other)])
    S.TokensChanged[unsigned(Other)].notify();
}

bool NpuModel::nextEntry(CommandQueue &Q) {
  while (Q.Entries.empty()) {
    Q.UnitWaits = true;
    wait(Q.Pushed);
    Q.UnitWaits = false;
  }
  if (S.Failure)
    return false;
  const CommandQueue::Entry E = Q.Entries.front();
  if (E.Dispatch > now())
    waitCycles(E.Dispatch - now());
  return true;
}

void NpuModel::startInstruction(isa::Queue Which, CommandQueue &Q, const TokenUse &U) {
  // Leaving the command queue and popping the tokens both free room for their producers at once.
  S.Timing[Q.Entries.front().Index].Start = now();
  Q.Entries.pop_front();
  if (Q.FetchWaits)
    Q.Popped.notify();
  for (unsigned K = 0; K < U.NumPops; ++K) {
    --S.Tokens[unsigned(U.Pops[K])].Count;
    tokensChanged(Which, U.Pops[K]);
  }
}

void NpuModel::pushTokens(isa::Queue Which, const TokenUse &U) {
  // Pushed tokens can be popped in this same cycle.
  for (unsigned K = 0; K < U.NumPushes; ++K) {
    ++S.Tokens[unsigned(U.Pushes[K])].Count;
    ++S.Counts.TokensPushed[unsigned(U.Pushes[K])];
    tokensChanged(Which, U.Pushes[K]);
  }
}

void NpuModel::unitLoop(isa::Queue Which) {
  CommandQueue &Q = S.Queues[unsigned(Which)];
  for (;;) {
    if (!nextEntry(Q))
      return;
    const uint64_t Index = Q.Entries.front().Index;
    InsnTiming &T = S.Timing[Index];
    T.Head = now();
    const TokenUse &U = S.Uses[Index];
    waitForTokens(Which, U);
    if (S.Failure)
      return;
    startInstruction(Which, Q, U);
    if (!execute(Index, Which))
      return;
    pushTokens(Which, U);
    ++S.Counts.Instructions;
    ++S.Completed;
    T.End = now();
  }
}

void NpuModel::computeThread() {
  if (S.C.AluConcurrent)
    dualPipeLoop();
  else
    unitLoop(isa::Queue::Compute);
}

// Issue in program order; a GEMM or ALU instruction starts once its pipe is free, the other pipe's
// instruction does not touch its accumulator rows and both footprints have been read by the scanner
// (timing::FootprintScanner; else once that one ends) and its tokens are there; the
// others (micro-op/accumulator LOADs, FINISH, no-ops) start once both pipes are empty. Retirement is in
// program order, so a token means what it means with one pipe: everything before it in the queue is done.
void NpuModel::dualPipeLoop() {
  CommandQueue &Q = S.Queues[unsigned(isa::Queue::Compute)];
  struct Pipe {
    uint64_t End = 0;
    isa::AccFootprint F;
    uint64_t Known = 0; // the cycle F is known from (0: no micro-ops)
  };
  std::array<Pipe, 2> Pipes;
  timing::FootprintScanner Scanner;
  uint64_t Retired = 0; // the retirement cycle of the last issued instruction
  for (;;) {
    if (!nextEntry(Q))
      return;
    const uint64_t Index = Q.Entries.front().Index;
    const Instruction &I = S.P.Insns[Index];
    InsnTiming &T = S.Timing[Index];
    T.Head = now();
    const isa::ComputePipe K = isa::computePipe(I);
    isa::AccFootprint F;
    uint64_t Ready = Retired, Known = 0;
    if (K != isa::ComputePipe::None) {
      F = isa::accFootprint(I, S.Sram.Uops);
      Known = Scanner.known(I, T.Dispatch);
      const Pipe &Other = Pipes[K == isa::ComputePipe::Gemm ? 1 : 0];
      Ready = std::max(Pipes[unsigned(K)].End, timing::besideOtherPipe(F, Known, Other.F, Other.Known, Other.End));
    }
    if (Ready > now())
      waitCycles(Ready - now());
    const TokenUse &U = S.Uses[Index];
    waitForTokens(isa::Queue::Compute, U);
    if (S.Failure)
      return;
    startInstruction(isa::Queue::Compute, Q, U);
    if (K == isa::ComputePipe::None) {
      if (!execute(Index, isa::Queue::Compute))
        return;
      pushTokens(isa::Queue::Compute, U);
      ++S.Counts.Instructions;
      ++S.Completed;
      T.End = Retired = now();
      if (I.opcode() == isa::Opcode::Load && I.memType() == isa::MemType::Uop && timing::dmaBursts(S.C, I.Mem))
        Scanner.uopLoadEnded(T.End);
      continue;
    }
    if (Status St = executeInstruction(S.X, I); !St) {
      fail(St.error().withContext(describeInstruction(S.L, Index, I)));
      return;
    }
    T.End = now() + (K == isa::ComputePipe::Gemm ? timing::gemmCycles(S.C, I) : timing::aluCycles(S.C, I));
    Pipes[unsigned(K)] = {T.End, F, Known};
    Scanner.ended(Known, T.End);
    Retired = std::max(Retired, T.End);
    if (U.NumPushes == 0) {
      ++S.Counts.Instructions;
      ++S.Completed;
      continue;
    }
    for (unsigned P = 0; P < U.NumPushes; ++P)
      ++S.PendingPush[unsigned(U.Pushes[P])];
    S.Retiring.push_back({Retired, Index});
    if (S.RetireWaits)
      S.RetireQueued.notify();
  }
}

void NpuModel::retireThread() {
  for (;;) {
    while (S.Retiring.empty()) {
      S.RetireWaits = true;
      wait(S.RetireQueued);
      S.RetireWaits = false;
    }
    const auto [Cycle, Index] = S.Retiring.front();
    if (Cycle > now())
      waitCycles(Cycle - now());
    S.Retiring.pop_front();
    const TokenUse &U = S.Uses[Index];
    for (unsigned P = 0; P < U.NumPushes; ++P)
      --S.PendingPush[unsigned(U.Pushes[P])];
    pushTokens(isa::Queue::Compute, U);
    ++S.Counts.Instructions;
    ++S.Completed;
  }
}

bool NpuModel::execute(uint64_t Index, isa::Queue Q) {
  const Instruction &I = S.P.Insns[Index];
  // The data effect happens at the start: programs whose tokens order every conflicting pair of
  // instructions see the same data whichever cycle inside the span it is applied in.
  if (Status St = executeInstruction(S.X, I); !St) {
    fail(St.error().withContext(describeInstruction(S.L, Index, I)));
    return false;
  }
  switch (I.opcode()) {
  case isa::Opcode::Load:
  case isa::Opcode::Store:
    if (timing::dmaBursts(S.C, I.Mem) == 0) {
      waitCycles(1); // a token-only no-op
      break;
    }
    transfer(Index, Q == isa::Queue::Load      ? timing::DramPort::LoadUnit
                    : Q == isa::Queue::Compute ? timing::DramPort::ComputeUnit
                                               : timing::DramPort::StoreUnit);
    break;
  case isa::Opcode::Gemm:
    waitCycles(timing::gemmCycles(S.C, I));
    break;
  case isa::Opcode::Alu:
    waitCycles(timing::aluCycles(S.C, I));
    break;
  case isa::Opcode::Finish:
    waitCycles(1);
    break;
  }
  return true;
}

void NpuModel::transfer(uint64_t Index, unsigned Client) {
  const Instruction &I = S.P.Insns[Index];
  InsnTiming &T = S.Timing[Index];
  const uint64_t Start = now();
  const uint64_t Issue = Start + timing::dmaIssueLatency(S.C, I);
  const uint64_t Eligible = Issue + S.C.DramLatency;
  const uint64_t Bursts = timing::dmaBursts(S.C, I.Mem);
  std::array<uint64_t, timing::DramPort::NumClients> Before;
  for (unsigned K = 0; K < timing::DramPort::NumClients; ++K)
    Before[K] = S.Port.predictedEnd(K);
  S.Port.submit(Client, Start, Eligible, Bursts);
  // The new transfer may delay the others' ends: move their completion events.
  for (unsigned K = 0; K < timing::DramPort::NumClients; ++K) {
    const uint64_t After = S.Port.predictedEnd(K);
    if (After == Before[K] && K != Client)
      continue;
    S.DramDone[K].cancel();
    if (After != timing::DramPort::Never)
      S.DramDone[K].notify(sc_time::from_value(After - Start));
  }
  wait(S.DramDone[Client]);
  const uint64_t DataEnd = now();
  S.Port.retire(Client, DataEnd);
  // Padding rows are written one per cycle from the issue, alongside the transfer.
  const uint64_t End = std::max(DataEnd, Issue + timing::paddingRows(I.Mem));
  if (End > DataEnd)
    waitCycles(End - DataEnd);
  const uint64_t Own = Bursts * timing::burstCycles(S.C);
  T.Bursts = Bursts;
  T.DramStart = Eligible;
  T.DramEnd = DataEnd;
  T.DramWait = DataEnd - Issue - Own;
  T.DramContention = DataEnd - (Eligible + Own);
}

} // namespace npu::sim::model
