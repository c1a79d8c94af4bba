// Operation counts from the instruction fields, instruction heads from the events, and the statistics of the
// performance counters with their check against the events' (Stats.h).
#include "Stats.h"

#include "npu/sim/Dispatch.h"
#include "npu/sim/Exec.h"
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

void applyCounters(const HardwareConfig &C, const PerfCounters &K, TimingStats &T) {
  T.TotalCycles = K[NPU_RTL_PERF_CYCLES];
  for (unsigned U = 0; U < sim::NumUnits; ++U) {
    sim::UnitStats &St = T.Units[U];
    St.Busy = K[NPU_RTL_PERF_BUSY + U];
    St.StallToken = K[NPU_RTL_PERF_STALL_TOKEN + U];
    St.StallDram = K[NPU_RTL_PERF_STALL_DRAM + U];
    St.Idle = K[NPU_RTL_PERF_IDLE + U];
    // Unit U (load, compute, store) is DRAM client U - 1; every transfer waits dram.latency at least.
    const uint64_t Latency = U == 0 ? 0 : K[NPU_RTL_PERF_TRANSFERS + U - 1] * C.DramLatency;
    St.DramContention = St.StallDram > Latency ? St.StallDram - Latency : 0;
  }
  T.DramBursts = 0;
  for (unsigned Cl = 0; Cl < NPU_RTL_CLIENTS; ++Cl)
    T.DramBursts += K[NPU_RTL_PERF_BURSTS + Cl];
  T.DramBusyCycles = T.DramBursts * timing::burstCycles(C);
  T.GemmBusy = K[NPU_RTL_PERF_GEMM_BUSY];
  T.AluBusy = K[NPU_RTL_PERF_ALU_BUSY];
  sim::SimStats &S = T.Counts;
  S.GemmUops = K[NPU_RTL_PERF_GEMM_UOPS];
  S.Macs = K[NPU_RTL_PERF_MACS];
  S.AluUops = K[NPU_RTL_PERF_ALU_UOPS];
  S.AluLaneOps = S.AluUops * C.Batch * C.BlockOut;
  for (unsigned M = 0; M < isa::NumMemTypes; ++M)
    S.BytesLoaded[M] = S.BytesStored[M] = 0;
  for (isa::MemType M : {isa::MemType::Uop, isa::MemType::Input, isa::MemType::Weight, isa::MemType::Acc})
    S.BytesLoaded[unsigned(M)] = K[NPU_RTL_PERF_BYTES_READ + unsigned(M)];
  S.BytesLoaded[unsigned(isa::MemType::Lut)] = K[NPU_RTL_PERF_BYTES_READ_LUT];
  S.BytesStored[unsigned(isa::MemType::Acc)] = K[NPU_RTL_PERF_BYTES_WRITTEN_ACC];
  S.BytesStored[unsigned(isa::MemType::Output)] = K[NPU_RTL_PERF_BYTES_WRITTEN_OUT];
}

std::vector<std::string> counterMismatches(const TimingStats &Counted, const TimingStats &Derived) {
  std::vector<std::string> Out;
  auto Check = [&](const std::string &What, uint64_t A, uint64_t B) {
    if (A != B)
      Out.push_back(What + ": counters " + std::to_string(A) + ", events " + std::to_string(B));
  };
  Check("total cycles", Counted.TotalCycles, Derived.TotalCycles);
  for (unsigned U = 0; U < sim::NumUnits; ++U) {
    const std::string Unit = std::string("unit ") + sim::unitName(sim::Unit(U)) + " ";
    const sim::UnitStats &A = Counted.Units[U], &B = Derived.Units[U];
    Check(Unit + "busy", A.Busy, B.Busy);
    Check(Unit + "token stall", A.StallToken, B.StallToken);
    Check(Unit + "DRAM stall", A.StallDram, B.StallDram);
    Check(Unit + "idle", A.Idle, B.Idle);
    Check(Unit + "DRAM contention", A.DramContention, B.DramContention);
  }
  Check("DRAM bursts", Counted.DramBursts, Derived.DramBursts);
  Check("GEMM busy", Counted.GemmBusy, Derived.GemmBusy);
  Check("ALU busy", Counted.AluBusy, Derived.AluBusy);
  const sim::SimStats &A = Counted.Counts, &B = Derived.Counts;
  Check("GEMM micro-ops", A.GemmUops, B.GemmUops);
  Check("MACs", A.Macs, B.Macs);
  Check("ALU micro-ops", A.AluUops, B.AluUops);
  for (unsigned M = 0; M < isa::NumMemTypes; ++M) {
    const std::string Buffer = sim::bufferName(isa::MemType(M));
    Check("DRAM bytes read into " + Buffer, A.BytesLoaded[M], B.BytesLoaded[M]);
    Check("DRAM bytes written from " + Buffer, A.BytesStored[M], B.BytesStored[M]);
  }
  return Out;
}

} // namespace npu::rtl
