// Functional simulator throughput: int8 MACs/s of a large tiled GEMM and instructions/s of a LOAD/STORE-heavy
// token-pipelined program, on each config in configs/. Programs are built directly with the isa::Program API.
#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace npu;
using isa::Instruction;
using isa::MemType;

namespace {

Instruction mem(isa::Opcode Op, MemType M, int64_t Sram, uint64_t Dram, int64_t Y, int64_t X) {
  Instruction I;
  I.H.Op = int64_t(Op);
  I.Mem.Mem = int64_t(M);
  I.Mem.SramBase = Sram;
  I.Mem.DramBase = int64_t(Dram);
  I.Mem.YSize = Y;
  I.Mem.XSize = X;
  I.Mem.XStride = X;
  return I;
}

isa::Segment randomSegment(const char *Name, uint64_t Address, uint64_t Bytes) {
  std::mt19937 Rng(1);
  isa::Segment S{Name, Address, std::vector<uint8_t>(Bytes)};
  for (uint8_t &B : S.Data)
    B = uint8_t(Rng());
  return S;
}

/// A tiled matmul sized to the buffers: output tile (i, j) in acc row i*NT + j sums KT products
/// inp[i*KT + k] x wgt[j*KT + k], one micro-op per k. The GEMM is repeated to reach ~50M MACs.
isa::Program gemmProgram(const HardwareConfig &C, uint64_t &MacsPerRun) {
  const DerivedConfig &D = C.D;
  const int64_t KT = 8;
  const int64_t MT = std::min<int64_t>(32, D.InputDepth / KT);
  const int64_t NT = std::min<int64_t>({32, int64_t(D.WeightDepth) / KT, int64_t(D.AccDepth) / MT});
  isa::Program P;
  P.Config = C;
  const uint64_t InBytes = MT * KT * D.InputRowBytes, WBytes = NT * KT * D.WeightRowBytes;
  P.Segments.push_back(randomSegment("inp", 0, InBytes));
  P.Segments.push_back(randomSegment("wgt", InBytes, WBytes));
  P.UopBase = InBytes + WBytes;
  for (int64_t K = 0; K < KT; ++K)
    P.Uops.push_back(isa::MicroOp{0, K, K});
  P.DramBytes = P.UopBase + P.uopTableBytes();

  Instruction LoadInp = mem(isa::Opcode::Load, MemType::Input, 0, 0, 1, MT * KT);
  LoadInp.H.PushNext = 1;
  Instruction LoadWgt = mem(isa::Opcode::Load, MemType::Weight, 0, InBytes, 1, NT * KT);
  LoadWgt.H.PushNext = 1;
  P.Insns = {LoadInp, LoadWgt, mem(isa::Opcode::Load, MemType::Uop, 0, P.UopBase, 1, KT)};
  P.Insns.back().H.PopPrev = 1;
  Instruction G;
  G.H.Op = int64_t(isa::Opcode::Gemm);
  G.Gemm = {.UopEnd = KT, .LoopOut = MT, .LoopIn = NT, .DstOut = NT, .DstIn = 1, .SrcOut = KT, .WgtIn = KT};
  Instruction Wait = G;
  Wait.H.PopPrev = 1;
  const uint64_t MacsPerGemm = uint64_t(MT * NT * KT) * D.PeakMacsPerCycle;
  const uint64_t Reps = std::max<uint64_t>(1, 50'000'000 / MacsPerGemm);
  P.Insns.push_back(Wait);
  for (uint64_t R = 1; R < Reps; ++R)
    P.Insns.push_back(G);
  Instruction Fin;
  Fin.H.Op = int64_t(isa::Opcode::Finish);
  P.Insns.push_back(Fin);
  MacsPerRun = Reps * MacsPerGemm;
  return P;
}

/// N iterations of: LOAD one input row (load unit), LOAD one acc row (compute), STORE one output row (store),
/// chained with RAW and WAR tokens.
isa::Program loadStoreProgram(const HardwareConfig &C, int64_t N) {
  const DerivedConfig &D = C.D;
  isa::Program P;
  P.Config = C;
  const uint64_t Rows = 64;
  const uint64_t InAddr = 0, AccAddr = Rows * D.InputRowBytes, OutAddr = AccAddr + Rows * D.AccRowBytes;
  P.Segments.push_back(randomSegment("inp", InAddr, Rows * D.InputRowBytes));
  P.Segments.push_back(randomSegment("acc", AccAddr, Rows * D.AccRowBytes));
  P.DramBytes = OutAddr + Rows * D.OutputRowBytes;
  for (int64_t I = 0; I < N; ++I) {
    const int64_t R = I % Rows;
    Instruction Li = mem(isa::Opcode::Load, MemType::Input, R, InAddr + R * D.InputRowBytes, 1, 1);
    Li.H.PushNext = 1;
    Instruction La = mem(isa::Opcode::Load, MemType::Acc, R, AccAddr + R * D.AccRowBytes, 1, 1);
    La.H.PopPrev = 1;
    La.H.PopNext = I > 0;
    La.H.PushNext = 1;
    Instruction St = mem(isa::Opcode::Store, MemType::Output, R, OutAddr + R * D.OutputRowBytes, 1, 1);
    St.H.PopPrev = 1;
    St.H.PushPrev = 1;
    P.Insns.insert(P.Insns.end(), {Li, La, St});
  }
  Instruction Fin;
  Fin.H.Op = int64_t(isa::Opcode::Finish);
  Fin.H.PopNext = 1;
  P.Insns.push_back(Fin);
  return P;
}

void runOrFail(benchmark::State &State, const isa::Program &P, std::vector<uint8_t> &Dram,
               sim::SimStats &Stats) {
  sim::FuncSim Sim(P.Config);
  auto S = Sim.run(P, Dram);
  if (!S) {
    State.SkipWithError(S.message().c_str());
    return;
  }
  Stats = *S;
}

void benchGemm(benchmark::State &State, HardwareConfig C) {
  uint64_t Macs = 0;
  const isa::Program P = gemmProgram(C, Macs);
  auto Image = P.dramImage();
  if (!Image) {
    State.SkipWithError(Image.message().c_str());
    return;
  }
  std::vector<uint8_t> Dram = *Image; // GEMM-only: the image is not modified
  sim::SimStats Stats;
  for (auto _ : State)
    runOrFail(State, P, Dram, Stats);
  if (Stats.Macs != Macs)
    State.SkipWithError("MAC count differs from the program's");
  State.counters["MACs/s"] = benchmark::Counter(double(Macs), benchmark::Counter::kIsIterationInvariantRate);
  State.counters["MACs/run"] = double(Macs);
}

void benchLoadStore(benchmark::State &State, HardwareConfig C) {
  const isa::Program P = loadStoreProgram(C, 20000);
  auto Image = P.dramImage();
  if (!Image) {
    State.SkipWithError(Image.message().c_str());
    return;
  }
  std::vector<uint8_t> Dram = *Image;
  sim::SimStats Stats;
  for (auto _ : State)
    runOrFail(State, P, Dram, Stats);
  State.counters["insns/s"] =
      benchmark::Counter(double(P.Insns.size()), benchmark::Counter::kIsIterationInvariantRate);
}

} // namespace

int main(int Argc, char **Argv) {
  for (const char *Name : {"default", "edge", "large"}) {
    auto C = loadHardwareConfig(std::string(NPU_CONFIG_DIR) + "/" + Name + ".yaml");
    if (!C) {
      std::fprintf(stderr, "%s\n", C.message().c_str());
      return 1;
    }
    benchmark::RegisterBenchmark((std::string("gemm/") + Name).c_str(), benchGemm, *C)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("load_store/") + Name).c_str(), benchLoadStore, *C)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&Argc, Argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
