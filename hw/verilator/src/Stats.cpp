// Operation counts from the instruction fields, and the per-unit and per-node statistics of a run computed
// from its instruction timings exactly as the SystemC model computes them (simulator/systemc SystemCSim.cpp).
#include "Stats.h"

#include "npu/sim/Dispatch.h"
#include "npu/timing/TimingRules.h"

#include <algorithm>

namespace npu::rtl {

using isa::Opcode;
using sim::InsnTiming;
using sim::TimingStats;
using sim::Unit;

sim::SimStats operationCounts(const HardwareConfig &C, const isa::Program &P) {
  sim::SimStats S;
  for (const isa::Instruction &I : P.Insns) {
    const isa::MemFields &M = I.Mem;
    const uint64_t Uops = timing::loopUops(I);
    switch (I.opcode()) {
    case Opcode::Load:
      ++S.Loads;
      if (M.YSize != 0) {
        S.BytesLoaded[M.Mem] += uint64_t(M.YSize) * uint64_t(M.XSize) * isa::rowBytes(C, I.memType());
        S.PaddingRowsWritten += timing::paddingRows(M);
      }
      break;
    case Opcode::Store:
      ++S.Stores;
      if (M.YSize != 0)
        S.BytesStored[M.Mem] += uint64_t(M.YSize) * uint64_t(M.XSize) * isa::rowBytes(C, I.memType());
      break;
    case Opcode::Gemm:
      ++S.Gemms;
      S.GemmUops += Uops;
      if (!I.Gemm.Reset)
        S.Macs += Uops * C.D.PeakMacsPerCycle;
      break;
    case Opcode::Alu:
      ++S.Alus;
      S.AluUops += Uops;
      S.AluLaneOps += Uops * C.Batch * C.BlockOut;
      break;
    case Opcode::Finish:
      ++S.Finishes;
      break;
    }
    const sim::TokenUse U = sim::tokenUse(I);
    for (unsigned K = 0; K < U.NumPushes; ++K)
      ++S.TokensPushed[unsigned(U.Pushes[K])];
    ++S.Instructions;
  }
  return S;
}

void fillHeads(const HardwareConfig &C, const isa::Program &P, std::vector<InsnTiming> &T) {
  // The cycle each unit comes back for its next queue entry.
  std::array<uint64_t, sim::NumUnits> Resume{};
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const isa::Instruction &I = P.Insns[K];
    const unsigned U = unsigned(sim::unitOf(I));
    T[K].Head = std::max(T[K].Dispatch, Resume[U]);
    const bool OnPipe = I.opcode() == Opcode::Gemm || I.opcode() == Opcode::Alu;
    Resume[U] = C.AluConcurrent && U == unsigned(Unit::Compute) && OnPipe ? T[K].Start : T[K].End;
  }
}

void fillRunStats(const HardwareConfig &C, const isa::Program &P, uint64_t FetchStall, uint64_t Bursts,
                  TimingStats &T) {
  T.TotalCycles = 0;
  for (const InsnTiming &I : T.Insns)
    T.TotalCycles = std::max(T.TotalCycles, I.End);

  // Each unit's time line is cut once, in program order (as the SystemC model's statistics do).
  std::array<uint64_t, sim::NumUnits> PrevEnd{};
  auto Part = [](uint64_t &Cursor, uint64_t Until) {
    const uint64_t D = Until > Cursor ? Until - Cursor : 0;
    Cursor = std::max(Cursor, Until);
    return D;
  };
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const InsnTiming &I = T.Insns[K];
    sim::UnitStats &St = T.Units[unsigned(sim::unitOf(P.Insns[K]))];
    uint64_t &Cursor = PrevEnd[unsigned(sim::unitOf(P.Insns[K]))];
    ++St.Instructions;
    St.Idle += Part(Cursor, I.Head);
    St.StallToken += Part(Cursor, I.Start);
    St.StallDram += I.DramWait;
    St.DramContention += I.DramContention;
    St.Busy += Part(Cursor, I.End) - I.DramWait;
  }
  for (unsigned U = 1; U < sim::NumUnits; ++U)
    T.Units[U].Idle += T.TotalCycles - PrevEnd[U];
  sim::UnitStats &F = T.Units[unsigned(Unit::Fetch)];
  F.Instructions = P.Insns.size();
  F.Busy = P.Insns.size() * C.FetchLatency;
  F.StallToken = FetchStall;
  F.Idle = T.TotalCycles - F.Busy - F.StallToken;

  if (!P.InsnNode.empty()) {
    std::vector<size_t> Slot(P.NodeNames.size() + 1, SIZE_MAX); // last entry: untagged instructions
    for (size_t K = 0; K < P.Insns.size(); ++K) {
      const uint32_t N = P.InsnNode[K];
      const size_t Key = N == isa::Program::NoNode ? P.NodeNames.size() : N;
      if (Slot[Key] == SIZE_MAX) {
        Slot[Key] = T.Nodes.size();
        sim::NodeStats Fresh;
        Fresh.Name = Key < P.NodeNames.size() ? P.NodeNames[Key] : "";
        T.Nodes.push_back(std::move(Fresh));
      }
      sim::NodeStats &Ns = T.Nodes[Slot[Key]];
      const InsnTiming &I = T.Insns[K];
      Ns.FirstStart = Ns.Instructions ? std::min(Ns.FirstStart, I.Start) : I.Start;
      Ns.LastEnd = std::max(Ns.LastEnd, I.End);
      ++Ns.Instructions;
      const isa::Instruction &In = P.Insns[K];
      Ns.Busy[unsigned(sim::unitOf(In))] += I.End - I.Start;
      if (In.opcode() == Opcode::Gemm && !In.Gemm.Reset)
        Ns.Macs += timing::loopUops(In) * C.D.PeakMacsPerCycle;
      if (In.opcode() == Opcode::Load || In.opcode() == Opcode::Store) {
        const uint64_t Bytes =
            uint64_t(In.Mem.YSize) * uint64_t(In.Mem.XSize) * isa::rowBytes(C, In.memType());
        (In.opcode() == Opcode::Load ? Ns.DramRead : Ns.DramWritten) += Bytes;
      }
    }
    uint64_t Reached = 0;
    for (sim::NodeStats &N : T.Nodes) {
      N.Cycles = N.LastEnd > Reached ? N.LastEnd - Reached : 0;
      Reached = std::max(Reached, N.LastEnd);
    }
  }

  T.DramBursts = Bursts;
  T.DramBusyCycles = Bursts * timing::burstCycles(C);
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const Opcode Op = P.Insns[K].opcode();
    if (Op == Opcode::Gemm || Op == Opcode::Alu)
      (Op == Opcode::Gemm ? T.GemmBusy : T.AluBusy) += T.Insns[K].End - T.Insns[K].Start;
  }
}

} // namespace npu::rtl
