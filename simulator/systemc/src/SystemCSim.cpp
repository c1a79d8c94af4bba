// SystemCSim::run: checks, one SystemC simulation context per run, the model's elaboration and simulation,
// deadlock reports, and the per-unit and per-node statistics derived from the instruction timings.
#include "Model.h"

#include "npu/timing/TimingRules.h"

#include <memory>
#include <mutex>

// libsystemc calls sc_main from its own main(); this library is used from programs with their own main, so
// this definition only satisfies the linker and is never called.
extern "C" int sc_main(int, char **) { return 1; }

namespace npu::sim {

using namespace sc_core;

const char *unitName(Unit U) {
  switch (U) {
  case Unit::Fetch:
    return "fetch";
  case Unit::Load:
    return "load";
  case Unit::Compute:
    return "compute";
  case Unit::Store:
    return "store";
  }
  return "?";
}

Unit unitOf(const isa::Instruction &I) {
  switch (I.queue()) {
  case isa::Queue::Load:
    return Unit::Load;
  case isa::Queue::Compute:
    return Unit::Compute;
  case isa::Queue::Store:
    return Unit::Store;
  }
  return Unit::Compute;
}

namespace {

/// SystemC keeps one simulation kernel per process and a finished simulation cannot be restarted, so every
/// run gets a fresh simulation context of its own, made current for the run and deleted after it.
class KernelSession {
public:
  KernelSession() : Lock(mutex()) {
    static const bool Quiet = [] {
      // "Simulation stopped by user" and similar notes are not for our users.
      sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
      return true;
    }();
    (void)Quiet;
    Context = new sc_simcontext;
    sc_curr_simcontext = Context;
    sc_default_global_context = Context;
    sc_set_time_resolution(1, SC_NS); // one cycle per time unit
  }
  ~KernelSession() {
    delete Context;
    sc_curr_simcontext = nullptr;
    sc_default_global_context = nullptr;
  }
  KernelSession(const KernelSession &) = delete;
  KernelSession &operator=(const KernelSession &) = delete;

private:
  static std::mutex &mutex() {
    static std::mutex M;
    return M;
  }
  std::lock_guard<std::mutex> Lock;
  sc_simcontext *Context = nullptr;
};

void unitStats(const isa::Program &P, const model::RunState &S, TimingStats &T) {
  // Each unit's time line is cut once, in program order: with alu.concurrent a compute instruction may start
  // before the previous one ends, and the cycles both pipes are busy count once (as busy).
  std::array<uint64_t, NumUnits> PrevEnd{};
  auto Part = [](uint64_t &Cursor, uint64_t Until) {
    const uint64_t D = Until > Cursor ? Until - Cursor : 0;
    Cursor = std::max(Cursor, Until);
    return D;
  };
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const InsnTiming &I = T.Insns[K];
    const unsigned U = unsigned(unitOf(P.Insns[K]));
    UnitStats &St = T.Units[U];
    ++St.Instructions;
    St.Idle += Part(PrevEnd[U], I.Head);
    St.StallToken += Part(PrevEnd[U], I.Start);
    St.StallDram += I.DramWait;
    St.DramContention += I.DramContention;
    St.Busy += Part(PrevEnd[U], I.End) - I.DramWait;
  }
  for (unsigned U = 1; U < NumUnits; ++U)
    T.Units[U].Idle += T.TotalCycles - PrevEnd[U];
  UnitStats &F = T.Units[unsigned(Unit::Fetch)];
  F.Instructions = P.Insns.size();
  F.Busy = P.Insns.size() * S.C.FetchLatency;
  F.StallToken = S.FetchStall;
  F.Idle = T.TotalCycles - F.Busy - F.StallToken;
}

void nodeStats(const HardwareConfig &C, const isa::Program &P, TimingStats &T) {
  if (P.InsnNode.empty())
    return;
  std::vector<size_t> Slot(P.NodeNames.size() + 1, SIZE_MAX); // last entry: untagged instructions
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const uint32_t N = P.InsnNode[K];
    const size_t Key = N == isa::Program::NoNode ? P.NodeNames.size() : N;
    if (Slot[Key] == SIZE_MAX) {
      Slot[Key] = T.Nodes.size();
      NodeStats Fresh;
      Fresh.Name = Key < P.NodeNames.size() ? P.NodeNames[Key] : "";
      T.Nodes.push_back(std::move(Fresh));
    }
    NodeStats &Ns = T.Nodes[Slot[Key]];
    const InsnTiming &I = T.Insns[K];
    Ns.FirstStart = Ns.Instructions ? std::min(Ns.FirstStart, I.Start) : I.Start;
    Ns.LastEnd = std::max(Ns.LastEnd, I.End);
    ++Ns.Instructions;
    const isa::Instruction &In = P.Insns[K];
    Ns.Busy[unsigned(unitOf(In))] += I.End - I.Start;
    if (In.opcode() == isa::Opcode::Gemm && !In.Gemm.Reset)
      Ns.Macs += timing::loopUops(In) * C.D.PeakMacsPerCycle;
    if (In.opcode() == isa::Opcode::Load || In.opcode() == isa::Opcode::Store) {
      // What the executors count: every data row moved, padding excluded.
      const uint64_t Bytes = uint64_t(In.Mem.YSize) * uint64_t(In.Mem.XSize) * isa::rowBytes(C, In.memType());
      (In.opcode() == isa::Opcode::Load ? Ns.DramRead : Ns.DramWritten) += Bytes;
    }
  }
  uint64_t Reached = 0; // the latest end of the nodes so far
  for (NodeStats &N : T.Nodes) {
    N.Cycles = N.LastEnd > Reached ? N.LastEnd - Reached : 0;
    Reached = std::max(Reached, N.LastEnd);
  }
}

} // namespace

Expected<TimingStats> SystemCSim::run(const isa::Program &P, std::vector<uint8_t> &Dram) {
  if (!P.Config.Hash.empty() && !C.Hash.empty() && P.Config.Hash != C.Hash)
    return makeError("program was built for config '", P.Config.Name, "' (", P.Config.shortHash(),
                     ") but the simulator runs config '", C.Name, "' (", C.shortHash(), ")");
  if (Dram.size() != P.DramBytes)
    return makeError("DRAM image has ", Dram.size(), " bytes but the program declares ", P.DramBytes);
  const isa::IsaLayout L(C);
  NPU_TRY(checkProgramInstructions(C, L, P));

  KernelSession Session;
  auto State = std::make_unique<model::RunState>(C, L, P, Dram);
  auto Model = std::make_unique<model::NpuModel>("npu", *State);
  sc_start();
  model::RunState &S = *State;
  if (S.Failure)
    return *S.Failure;
  if (S.Completed < P.Insns.size()) {
    BlockedState B;
    B.Executed = S.Completed;
    for (unsigned Q = 0; Q < 3; ++Q)
      if (!S.Queues[Q].Entries.empty())
        B.Heads[Q] = S.Queues[Q].Entries.front().Index;
    for (unsigned K = 0; K < 4; ++K)
      B.Tokens[K] = S.Tokens[K].Count;
    if (S.NextFetch < P.Insns.size())
      B.NextFetch = S.NextFetch;
    return deadlockError(C, L, P, B);
  }

  TimingStats T;
  T.Counts = S.Counts;
  T.Insns = std::move(S.Timing);
  for (const InsnTiming &I : T.Insns)
    T.TotalCycles = std::max(T.TotalCycles, I.End);
  unitStats(P, S, T);
  nodeStats(C, P, T);
  T.DramBursts = S.Port.burstsMoved();
  T.DramBusyCycles = T.DramBursts * timing::burstCycles(C);
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const isa::Opcode Op = P.Insns[K].opcode();
    if (Op == isa::Opcode::Gemm || Op == isa::Opcode::Alu)
      (Op == isa::Opcode::Gemm ? T.GemmBusy : T.AluBusy) += T.Insns[K].End - T.Insns[K].Start;
  }
  return T;
}

} // namespace npu::sim
