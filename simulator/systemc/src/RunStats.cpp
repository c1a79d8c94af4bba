// The per-unit, per-node, DRAM and pipe statistics of a run from its instruction timings (RunStats.h).
#include "npu/sim/RunStats.h"

#include "npu/timing/TimingRules.h"

#include <algorithm>

namespace npu::sim {

void computeUnitStats(const HardwareConfig &C, const isa::Program &P, uint64_t FetchStall, TimingStats &T) {
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
  F.Busy = P.Insns.size() * C.FetchLatency;
  F.StallToken = FetchStall;
  F.Idle = T.TotalCycles - F.Busy - F.StallToken;
}

void computeNodeStats(const HardwareConfig &C, const isa::Program &P, TimingStats &T) {
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

void computeRunStats(const HardwareConfig &C, const isa::Program &P, uint64_t FetchStall, uint64_t Bursts,
                     TimingStats &T) {
  T.TotalCycles = 0;
  for (const InsnTiming &I : T.Insns)
    T.TotalCycles = std::max(T.TotalCycles, I.End);
  T.Units = {};
  T.Nodes.clear();
  computeUnitStats(C, P, FetchStall, T);
  computeNodeStats(C, P, T);
  T.DramBursts = Bursts;
  T.DramBusyCycles = Bursts * timing::burstCycles(C);
  T.GemmBusy = T.AluBusy = 0;
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const isa::Opcode Op = P.Insns[K].opcode();
    if (Op == isa::Opcode::Gemm || Op == isa::Opcode::Alu)
      (Op == isa::Opcode::Gemm ? T.GemmBusy : T.AluBusy) += T.Insns[K].End - T.Insns[K].Start;
  }
}

} // namespace npu::sim
