// Functional simulator throughput: int8 MACs/s of a large tiled GEMM and instructions/s of a LOAD/STORE-heavy
// token-pipelined program, on each config in configs/. Programs are built directly with the isa::Program API;
// each config's results are checked once, before any timing, against a plain C++ computation.
#include "Check.h"

#include "npu/isa/Program.h"
#include "npu/sim/FuncSim.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

using namespace npu;
using isa::Instruction;
using isa::MemType;

namespace {

const int64_t LoadStoreRounds = 20000;

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

/// The tiled matmul's sizes: MT x NT output tiles, KT products each, the whole GEMM repeated Reps times.
struct GemmShape {
  int64_t MT = 0, NT = 0, KT = 8;
  uint64_t Reps = 1;
  uint64_t macs(const HardwareConfig &C) const { return Reps * uint64_t(MT * NT * KT) * C.D.PeakMacsPerCycle; }
};

/// Sized to the buffers, repeated to reach ~50M MACs.
GemmShape gemmShape(const HardwareConfig &C) {
  const DerivedConfig &D = C.D;
  GemmShape S;
  S.MT = std::min<int64_t>(32, D.InputDepth / S.KT);
  S.NT = std::min<int64_t>({32, int64_t(D.WeightDepth) / S.KT, int64_t(D.AccDepth) / S.MT});
  S.Reps = std::max<uint64_t>(1, 50'000'000 / S.macs(C));
  return S;
}

/// A tiled matmul: output tile (i, j) in acc row i*NT + j sums KT products inp[i*KT + k] x wgt[j*KT + k], one
/// micro-op per k.
isa::Program gemmProgram(const HardwareConfig &C, const GemmShape &S) {
  const DerivedConfig &D = C.D;
  const int64_t MT = S.MT, NT = S.NT, KT = S.KT;
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
  P.Insns.push_back(Wait);
  for (uint64_t R = 1; R < S.Reps; ++R)
    P.Insns.push_back(G);
  Instruction Fin;
  Fin.H.Op = int64_t(isa::Opcode::Finish);
  P.Insns.push_back(Fin);
  return P;
}

/// P with its accumulators stored after the GEMMs: the last GEMM hands a token to a STORE of the MT x NT acc
/// rows to DRAM past the program's image, which FINISH waits for. The timed program has no STORE (it times
/// the GEMM alone), so the check runs this copy, whose GEMMs are the same instructions.
isa::Program withAccStore(isa::Program P, int64_t Rows) {
  Instruction Fin = P.Insns.back();
  P.Insns.pop_back();
  P.Insns.back().H.PushNext = 1;
  Instruction St = mem(isa::Opcode::Store, MemType::Acc, 0, P.DramBytes, 1, Rows);
  St.H.PopPrev = 1;
  St.H.PushPrev = 1;
  Fin.H.PopNext = 1;
  P.Insns.insert(P.Insns.end(), {St, Fin});
  P.DramBytes += uint64_t(Rows) * P.Config.D.AccRowBytes;
  return P;
}

/// The accumulators gemmProgram leaves, by a plain loop over its DRAM image: acc row i*NT + j, lane [b][o], is
/// Reps x sum over k < KT and e < block_in of inp[i*KT + k][b][e] * wgt[j*KT + k][o][e], wrapped to int32.
std::vector<int32_t> gemmReference(const isa::Program &P, const std::vector<uint8_t> &Image, const GemmShape &S) {
  const HardwareConfig &C = P.Config;
  const int64_t B = C.Batch, BI = C.BlockIn, BO = C.BlockOut;
  const auto *Inp = reinterpret_cast<const int8_t *>(Image.data());
  const auto *Wgt = reinterpret_cast<const int8_t *>(Image.data() + S.MT * S.KT * C.D.InputRowBytes);
  std::vector<int32_t> Acc;
  for (int64_t I = 0; I < S.MT; ++I)
    for (int64_t J = 0; J < S.NT; ++J)
      for (int64_t Bt = 0; Bt < B; ++Bt)
        for (int64_t O = 0; O < BO; ++O) {
          int64_t Sum = 0;
          for (int64_t K = 0; K < S.KT; ++K)
            for (int64_t E = 0; E < BI; ++E)
              Sum += int64_t(Inp[((I * S.KT + K) * B + Bt) * BI + E]) * Wgt[((J * S.KT + K) * BO + O) * BI + E];
          Acc.push_back(int32_t(uint32_t(uint64_t(Sum) * S.Reps))); // two's-complement wrap, as wrap_acc
        }
  return Acc;
}

/// Runs the GEMM program once with its accumulators stored and compares them with gemmReference; exits
/// through checkFailed on any difference.
void checkGemm(const std::string &Case, const isa::Program &P, const GemmShape &S) {
  const HardwareConfig &C = P.Config;
  if (C.InputType != DType::Int8 || C.WeightType != DType::Int8 || C.AccType != DType::Int32)
    npubench::checkFailed(Case, "the C++ reference handles int8 x int8 -> int32 only");
  const isa::Program Checked = withAccStore(P, S.MT * S.NT);
  auto Image = Checked.dramImage();
  if (!Image)
    npubench::checkFailed(Case, Image.message());
  std::vector<uint8_t> Dram = *Image;
  if (auto R = sim::FuncSim(C).run(Checked, Dram); !R)
    npubench::checkFailed(Case, R.message());
  const std::vector<int32_t> Want = gemmReference(P, *Image, S);
  std::vector<int32_t> Got(Want.size());
  std::memcpy(Got.data(), Dram.data() + P.DramBytes, Got.size() * sizeof(int32_t)); // little-endian host
  npubench::requireMatch(Case, npubench::exactDifference(Got.data(), Want.data(), Got.size()),
                         std::to_string(Got.size()) + " int32 accumulators bit-exact against a C++ loop");
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

/// Runs the load/store program once: LOAD acc does not write the out buffer, so every STORE writes zero rows
/// and the final DRAM must be the initial image (out rows zero); the counts must be the program's.
void checkLoadStore(const std::string &Case, const isa::Program &P, int64_t N) {
  auto Image = P.dramImage();
  if (!Image)
    npubench::checkFailed(Case, Image.message());
  std::vector<uint8_t> Dram = *Image;
  auto S = sim::FuncSim(P.Config).run(P, Dram);
  if (!S)
    npubench::checkFailed(Case, S.message());
  if (S->Loads != uint64_t(2 * N) || S->Stores != uint64_t(N))
    npubench::checkFailed(Case, std::to_string(S->Loads) + " loads and " + std::to_string(S->Stores) +
                                    " stores, expected " + std::to_string(2 * N) + " and " + std::to_string(N));
  npubench::requireMatch(Case, npubench::byteDifference(Dram, *Image),
                         "final DRAM (" + std::to_string(Dram.size()) +
                             " bytes) bit-exact against the C++ expectation, and the load/store counts");
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
  const GemmShape Shape = gemmShape(C);
  const uint64_t Macs = Shape.macs(C);
  const isa::Program P = gemmProgram(C, Shape);
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
  const isa::Program P = loadStoreProgram(C, LoadStoreRounds);
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
    // Once per case, before any timing: google-benchmark calls a benchmark function several times.
    const GemmShape Shape = gemmShape(*C);
    checkGemm(std::string("gemm/") + Name, gemmProgram(*C, Shape), Shape);
    checkLoadStore(std::string("load_store/") + Name, loadStoreProgram(*C, LoadStoreRounds), LoadStoreRounds);
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
