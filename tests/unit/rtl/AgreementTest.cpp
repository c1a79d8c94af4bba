// The RTL agrees with the functional simulator (final DRAM, operation counts) and the SystemC model (every
// instruction's dispatch, start and end cycle): the example programs and random token-correct programs on
// every config with a built model (default: alu.concurrent 1, edge: alu.concurrent 0).
#include "RtlTestUtil.h"

#include "npu/isa/Assembler.h"
#include "npu/timing/TimingRules.h"

#include <filesystem>
#include <map>
#include <set>

using namespace rtltest;

namespace {

/// The distinct DRAM blocks a transfer's rows touch: the burst count if every block were fetched once.
uint64_t blocksTouched(const HardwareConfig &C, const npu::isa::MemFields &M) {
  std::set<uint64_t> Blocks;
  const uint64_t Rb = npu::isa::rowBytes(C, npu::isa::MemType(M.Mem));
  for (uint64_t R = 0; R < uint64_t(M.YSize); ++R)
    for (uint64_t B = 0; B < uint64_t(M.XSize) * Rb; ++B)
      Blocks.insert((uint64_t(M.DramBase) + R * uint64_t(M.XStride) * Rb + B) / C.DramBurst);
  return Blocks.size();
}

TEST(RtlAgreement, ExamplePrograms) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    int Count = 0, Ran = 0;
    for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/examples/asm")) {
      if (E.path().extension() != ".s")
        continue;
      auto P = npu::isa::assembleFile(E.path().string(), C);
      ASSERT_TRUE(P) << P.message();
      const Agreement A = agree(*P, Name + ": " + E.path().filename().string());
      // The examples lay out DRAM for small rows; where the functional simulator runs one, the RTL must too.
      std::vector<uint8_t> FuncDram;
      EXPECT_EQ(A.Ran, runProgram(*P, FuncDram).isOk()) << Name << " " << E.path();
      if (A.Ran && A.Divergent == 0) {
        EXPECT_EQ(A.Rtl.TotalCycles, A.SystemC.TotalCycles) << Name << " " << E.path();
        EXPECT_EQ(A.Rtl.DramBursts, A.SystemC.DramBursts) << Name << " " << E.path();
      }
      ++Count;
      Ran += A.Ran;
    }
    EXPECT_GE(Count, 4);
    // conv3x3.s needs more DRAM than wide's layout of it leaves, and on large (4 x 32 x 32) only lut.s and
    // requant.s fit; the others fit default, edge and wide.
    EXPECT_GE(Ran, C.Batch * C.BlockOut > 32 ? 2 : 3) << Name << ": example programs that ran";
  }
}

TEST(RtlAgreement, RandomSerialPrograms) {
  const std::vector<std::string> Names = rtlConfigNames();
  for (size_t N = 0; N < Names.size(); ++N) {
    const HardwareConfig C = repoConfig(Names[N]);
    int LutLoads = 0, LutAlus = 0;
    for (uint32_t K = 0; K < 12; ++K) {
      const uint32_t Seed = 5000 + 100 * uint32_t(N) + K; // randomSerialProgram(C, std::mt19937(Seed))
      std::mt19937 Rng(Seed);
      const Program P = randomSerialProgram(C, Rng);
      for (const npu::isa::Instruction &I : P.Insns) {
        LutLoads += I.opcode() == npu::isa::Opcode::Load && I.memType() == MemType::Lut;
        LutAlus += I.opcode() == npu::isa::Opcode::Alu && I.aluOp() == AluOp::Lut;
      }
      agree(P, Names[N] + " serial program, seed " + std::to_string(Seed));
    }
    // The streams do run the lookup table.
    EXPECT_GT(LutLoads, 0) << Names[N];
    EXPECT_GT(LutAlus, 0) << Names[N];
  }
}

TEST(RtlAgreement, RandomPipelinedPrograms) {
  const std::vector<std::string> Names = rtlConfigNames();
  for (size_t N = 0; N < Names.size(); ++N) {
    const HardwareConfig C = repoConfig(Names[N]);
    int LutAlus = 0;
    for (uint32_t K = 0; K < 12; ++K) {
      const uint32_t Seed = 7000 + 100 * uint32_t(N) + K; // randomPipelinedProgram(C, std::mt19937(Seed))
      std::mt19937 Rng(Seed);
      const Program P = randomPipelinedProgram(C, Rng);
      for (const npu::isa::Instruction &I : P.Insns)
        LutAlus += I.opcode() == npu::isa::Opcode::Alu && I.aluOp() == AluOp::Lut;
      const Agreement A = agree(P, Names[N] + " pipelined program, seed " + std::to_string(Seed));
      EXPECT_TRUE(A.Ran) << Names[N] << " pipelined program, seed " << Seed << " should run";
    }
    EXPECT_GT(LutAlus, 0) << Names[N] << ": no pipelined program activates by table lookup";
  }
}

// LOAD inp with padding and a pad_value (an asymmetric activation's zero point), observed through GEMMs over
// every padded row against one weight tile and a store of the results: the RTL's data must be func's (a
// padding row holds pad_value in every element) and every instruction's cycles the SystemC model's.
TEST(RtlAgreement, InputPaddingWithAZeroPoint) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    for (uint32_t K = 0; K < 6; ++K) {
      std::mt19937 Rng(15000 + K);
      auto Pick = [&](int64_t Lo, int64_t Hi) { return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng); };
      const npu::DerivedConfig &D = C.D;
      const int64_t Y = Pick(1, 3), X = Pick(1, 3), Stride = X + Pick(0, 1);
      const Pads P{Pick(0, 2), Pick(0, 2), Pick(0, 2), Pick(0, 2)};
      const int64_t Rows = (P.Top + Y + P.Bottom) * (P.Left + X + P.Right);
      const int64_t Half = int64_t(1) << (C.inputBits() - 1);
      ProgramBuilder B(C);
      const uint64_t In =
          B.data("inp", randomValues(Rng, size_t(Y * Stride) * C.Batch * C.BlockIn, C.inputBits()), C.inputBits());
      const uint64_t W = B.data("wgt", randomValues(Rng, C.BlockOut * C.BlockIn, C.weightBits()), C.weightBits());
      const uint64_t Out = B.reserve(uint64_t(Rows) * D.AccRowBytes);
      B.uops({MicroOp{0, 0, 0}});
      Instruction L = load(MemType::Input, 0, int64_t(In), Y, X, Stride, P);
      L.Mem.PadValue = K == 0 ? -Half : Pick(-Half, Half - 1);
      B.add(L);
      B.add(load(MemType::Weight, 0, int64_t(W), 1, 1, 1));
      B.add(tokens(B.loadUops(), false, false, false, false));
      B.add(tokens(load(MemType::Input, 0, 0, 0, 0, 0), false, false, false, true));
      B.add(tokens(gemm(true, 0, 1, Rows, 1, {1, 0, 1, 0, 0, 0}), true, false, false, false));
      B.add(tokens(gemm(false, 0, 1, Rows, 1, {1, 0, 1, 0, 0, 0}), false, false, false, true));
      B.add(tokens(store(MemType::Acc, 0, int64_t(Out), 1, Rows, Rows), true, false, false, false));
      B.add(finish());
      const std::string What = Name + " padded input load, pad_value " + std::to_string(L.Mem.PadValue);
      EXPECT_TRUE(agree(B.build(0, false), What).agreed()) << What;
    }
  }
}

// LOAD lut of every shape (gaps between rows, left/right padding, strides), observed through alu.lut over
// accumulator rows holding every table index and stored: the RTL's data must be func's and every instruction's
// cycles the SystemC model's. Such transfers put many one-byte rows into one DRAM block, more (row, block)
// pairs than one burst serves (Cb), so their burst counts exercise timing.md's rule of at most Cb pairs per
// burst.
TEST(RtlAgreement, LutLoadsOfEveryShape) {
  const std::vector<std::string> Names = rtlConfigNames();
  for (size_t N = 0; N < Names.size(); ++N) {
    const HardwareConfig C = repoConfig(Names[N]);
    const npu::DerivedConfig &D = C.D;
    const int64_t Lanes = int64_t(C.Batch * C.BlockOut), Depth = int64_t(D.LutDepth);
    // Accumulator values -129 .. 128 (every index, and one past each end), row-major over the lanes.
    const int64_t Rows = (Depth + 2 + Lanes - 1) / Lanes;
    std::vector<int64_t> Acc(size_t(Rows * Lanes), 0);
    for (int64_t I = 0; I < Depth + 2; ++I)
      Acc[size_t(I)] = I - 129;
    int Split = 0;
    for (uint32_t K = 0; K < 8; ++K) {
      const uint32_t Seed = 9000 + 100 * uint32_t(N) + K;
      std::mt19937 Rng(Seed);
      auto Pick = [&](int64_t Lo, int64_t Hi) { return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng); };
      ProgramBuilder B(C);
      const int64_t Region = 1024;
      const uint64_t Table = B.data("table", randomValues(Rng, size_t(Region), 8), 8);
      const uint64_t AccAt = B.data("acc", Acc, C.accBits());
      const uint64_t Out = B.reserve(uint64_t(Rows) * D.AccRowBytes);
      B.uops({MicroOp{0, 0, 0}});
      B.add(B.loadUops());
      B.add(load(MemType::Acc, 0, int64_t(AccAt), 1, Rows, Rows));
      for (int L = 0; L < 3; ++L) {
        // Every other load of one- or two-byte rows close together: many pairs per block on every config.
        const bool Short = Pick(0, 1);
        const int64_t Y = Short ? Pick(6, 24) : Pick(1, 6), X = Short ? Pick(1, 2) : Pick(1, 16);
        const int64_t Stride = X + (Short ? Pick(0, 1) : Pick(0, 20));
        const Pads P{Pick(0, 2), Pick(0, 2), Pick(0, 3), Pick(0, 3)};
        const int64_t Entries = (P.Top + Y + P.Bottom) * (P.Left + X + P.Right);
        const int64_t Span = (Y - 1) * Stride + X;
        B.add(load(MemType::Lut, Pick(0, Depth - Entries), int64_t(Table) + Pick(0, Region - Span), Y, X, Stride,
                   P));
      }
      B.add(alu(AluOp::Lut, true, 0, 1, Rows, 1, {1, 0, 0, 0}));
      B.add(store(MemType::Acc, 0, int64_t(Out), 1, Rows, Rows));
      B.add(finish());
      const Program Prog = B.build();
      const std::string What = Names[N] + " table loads, seed " + std::to_string(Seed);
      EXPECT_TRUE(agree(Prog, What).agreed()) << What;
      for (const npu::isa::Instruction &I : Prog.Insns)
        Split += I.opcode() == npu::isa::Opcode::Load && npu::timing::dmaBursts(C, I.Mem) > blocksTouched(C, I.Mem);
    }
    // The programs do load blocks that hold more (row, block) pairs than one burst serves.
    EXPECT_GT(Split, 0) << Names[N];
  }
}

/// A program that reloads the micro-op buffer from a table holding each micro-op twice in a row (every
/// other row, x = 1 or 2 rows, strides 2..4: more pairs per DRAM block than one burst serves; micro-op u
/// writes accumulator row u) and runs GEMMs over what it loaded; with AluBeside, each reload is followed by a
/// GEMM over the first rows loaded and an ALU instruction over the others, which may start beside it. Ends with a store of the accumulator rows.
Program uopReloadProgram(const HardwareConfig &C, std::mt19937 &Rng, bool AluBeside) {
  auto Pick = [&](int64_t Lo, int64_t Hi) { return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng); };
  const npu::DerivedConfig &D = C.D;
  ProgramBuilder B(C);
  const uint64_t In = B.data("inp", randomValues(Rng, 8 * C.Batch * C.BlockIn, C.inputBits()), C.inputBits());
  const uint64_t W = B.data("wgt", randomValues(Rng, C.BlockOut * C.BlockIn, C.weightBits()), C.weightBits());
  const uint64_t Out = B.reserve(16 * D.AccRowBytes);
  std::vector<MicroOp> Uops;
  for (int64_t U = 0; U < 8; ++U) {
    Uops.push_back(MicroOp{U, Pick(0, 7), 0});
    Uops.push_back(Uops.back());
  }
  B.uops(Uops);
  const Instruction All = B.loadUops();
  B.add(load(MemType::Input, 0, int64_t(In), 1, 8, 8));
  B.add(tokens(load(MemType::Weight, 0, int64_t(W), 1, 1, 1), false, false, false, true));
  B.add(tokens(All, true, false, false, false));
  for (int Round = 0; Round < 6; ++Round) {
    const int64_t X = Pick(1, 2), Stride = X + Pick(1, 2), Y = Pick(2, int64_t(16 / Stride));
    const int64_t First = Pick(0, 16 - ((Y - 1) * Stride + X));
    B.add(Pick(0, 3) == 0 ? All : load(MemType::Uop, 0, All.Mem.DramBase + First * int64_t(D.UopRowBytes), Y, X,
                                       Stride));
    // Micro-op rows 0 .. Y*X-1 hold valid micro-ops, their dst (< 8) non-decreasing with the row: a GEMM over
    // the first rows and an ALU over the rest touch disjoint accumulator rows (but where a micro-op appears
    // in both ranges).
    const int64_t N = Y * X, Split = AluBeside ? Pick(1, N - 1) : Pick(1, N);
    B.add(gemm(Pick(0, 1), 0, Split, Pick(1, 3), 1, {0, 0, 0, 0, 0, 0}));
    if (AluBeside)
      B.add(alu(AluOp::Add, true, Split, N, 1, 1, {0, 0, 0, 0}, Pick(-50, 50)));
  }
  B.add(tokens(gemm(true, 0, 0, 1, 1, {}), false, false, false, true));
  B.add(tokens(store(MemType::Acc, 0, int64_t(Out), 1, 16, 16), true, false, false, false));
  B.add(finish());
  return B.build(0, false);
}

// Strided micro-op loads, each followed by GEMMs over what they loaded (no ALU, so no pipe overlap): every
// instruction's cycles the SystemC model's, on every config.
TEST(RtlAgreement, StridedMicroOpLoads) {
  const std::vector<std::string> Names = rtlConfigNames();
  for (size_t N = 0; N < Names.size(); ++N) {
    const HardwareConfig C = repoConfig(Names[N]);
    int Split = 0;
    for (uint32_t K = 0; K < 8; ++K) {
      const uint32_t Seed = 12000 + 100 * uint32_t(N) + K;
      std::mt19937 Rng(Seed);
      const Program P = uopReloadProgram(C, Rng, false);
      const std::string What = Names[N] + " micro-op reloads, seed " + std::to_string(Seed);
      EXPECT_TRUE(agree(P, What).agreed()) << What;
      for (const npu::isa::Instruction &I : P.Insns)
        Split += I.opcode() == npu::isa::Opcode::Load && npu::timing::dmaBursts(C, I.Mem) > blocksTouched(C, I.Mem);
    }
    // Except on edge (4-byte micro-ops, 8 per 32-byte block, Cb = 8), the loads split blocks between bursts.
    if (C.DramBurst / C.D.UopRowBytes > npu::timing::burstCycles(C)) {
      EXPECT_GT(Split, 0) << Names[N];
    }
  }
}

// With alu.concurrent 1, a GEMM and an ALU instruction issued beside each other right after a micro-op LOAD
// ends wait until the footprint scanner has read their new micro-ops (docs/timing.md,
// timing::FootprintScanner): every instruction's cycles the SystemC model's, with ALUs that do run beside a
// GEMM (else the rule would not be exercised).
TEST(RtlAgreement, PipesBesideAMicroOpLoadEnd) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    if (!C.AluConcurrent)
      continue;
    int Beside = 0;
    for (uint32_t K = 0; K < 8; ++K) {
      const uint32_t Seed = 13000 + K;
      std::mt19937 Rng(Seed);
      const Program P = uopReloadProgram(C, Rng, true);
      const std::string What = Name + " micro-op reloads beside the ALU, seed " + std::to_string(Seed);
      const Agreement A = agree(P, What);
      EXPECT_TRUE(A.agreed()) << What;
      std::vector<uint8_t> ScDram;
      auto S = runTimed(P, ScDram);
      ASSERT_TRUE(S.isOk()) << What;
      // An ALU that starts before the GEMM right before it has ended ran beside it.
      for (size_t I = 1; I < P.Insns.size(); ++I)
        Beside += P.Insns[I].opcode() == npu::isa::Opcode::Alu &&
                  P.Insns[I - 1].opcode() == npu::isa::Opcode::Gemm && S->Insns[I].Start < S->Insns[I - 1].End;
    }
    EXPECT_GT(Beside, 0) << Name << ": no ALU ran beside a GEMM, so the scanner rule was never exercised";
  }
}

// Token FIFOs: 0 load->compute, 1 compute->load, 2 compute->store, 3 store->compute; per unit (0 load,
// 1 compute, 2 store) the FIFO each flag names, -1 where the flag names none.
constexpr int PopPrevFifo[3] = {-1, 0, 2}, PopNextFifo[3] = {1, 3, -1};
constexpr int PushPrevFifo[3] = {-1, 1, 3}, PushNextFifo[3] = {0, 2, -1};

/// A program whose token FIFOs fill up: phases of instructions mostly on one unit, token flags drawn so that
/// program order is a valid execution (a pop only of a token there, a push only into room), which keeps
/// every timing deadlock-free, with pushes favoured so that a unit running ahead fills its FIFOs. The data
/// instructions never touch each other's rows (loads write inp/wgt, GEMMs reset accumulator rows 0..7,
/// stores read rows in the upper half no one writes), so any order gives func's data.
Program tokenPressureProgram(const HardwareConfig &C, std::mt19937 &Rng) {
  auto Pick = [&](int64_t Lo, int64_t Hi) { return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng); };
  const npu::DerivedConfig &D = C.D;
  ProgramBuilder B(C);
  const uint64_t In = B.data("inp", randomValues(Rng, 4 * C.Batch * C.BlockIn, C.inputBits()), C.inputBits());
  const uint64_t Out = B.reserve(4 * D.AccRowBytes);
  std::vector<MicroOp> Uops;
  for (int64_t U = 0; U < 8; ++U)
    Uops.push_back(MicroOp{U, 0, 0});
  B.uops(Uops);
  B.add(B.loadUops());
  const int64_t Qt = int64_t(C.TokenQueueDepth);
  std::array<int64_t, 4> Count{};
  int Unit = 0;
  for (int K = 0; K < 160; ++K) {
    if (K % 12 == 0)
      Unit = int(Pick(0, 2));
    const int U = Pick(0, 3) == 0 ? int(Pick(0, 2)) : Unit;
    Instruction I;
    const bool Data = Pick(0, 2) == 0;
    if (U == 0)
      I = Data ? load(MemType::Input, Pick(0, 3), int64_t(In), 1, Pick(1, 4), 4) : load(MemType::Input, 0, 0, 0, 0, 0);
    else if (U == 1)
      I = Data ? gemm(true, Pick(0, 3), Pick(4, 8), Pick(1, 2), 1, {1, 0, 0, 0, 0, 0}) : gemm(true, 0, 0, 1, 1, {});
    else
      I = Data ? store(MemType::Acc, int64_t(D.AccDepth / 2), int64_t(Out), 1, Pick(1, 4), 4)
               : store(MemType::Output, 0, 0, 0, 0, 0);
    auto Flag = [&](int Fifo, bool Pop) {
      if (Fifo < 0)
        return false;
      const bool Ok = Pop ? Count[size_t(Fifo)] > 0 : Count[size_t(Fifo)] < Qt;
      return Ok && Pick(0, 9) < (Pop ? 4 : 7);
    };
    const bool PopPrev = Flag(PopPrevFifo[U], true), PopNext = Flag(PopNextFifo[U], true);
    const bool PushPrev = Flag(PushPrevFifo[U], false), PushNext = Flag(PushNextFifo[U], false);
    Count[size_t(std::max(PopPrevFifo[U], 0))] -= PopPrev;
    Count[size_t(std::max(PopNextFifo[U], 0))] -= PopNext;
    Count[size_t(std::max(PushPrevFifo[U], 0))] += PushPrev;
    Count[size_t(std::max(PushNextFifo[U], 0))] += PushNext;
    B.add(tokens(I, PopPrev, PopNext, PushPrev, PushNext));
  }
  B.add(finish());
  return B.build(0, false);
}

/// The most tokens FIFO F held at once in a timed run: pops at their instruction's start, pushes at its end
/// (for the compute unit at its in-order retirement, the latest end so far in program order).
int64_t peakTokens(const Program &P, const TimingStats &T, int F) {
  std::map<uint64_t, int64_t> Delta;
  uint64_t Retire = 0;
  for (size_t K = 0; K < P.Insns.size(); ++K) {
    const npu::isa::Instruction &I = P.Insns[K];
    const int U = I.opcode() == npu::isa::Opcode::Store ? 2
                  : I.opcode() == npu::isa::Opcode::Load &&
                          (I.memType() == MemType::Input || I.memType() == MemType::Weight)
                      ? 0
                      : 1;
    uint64_t PushAt = T.Insns[K].End;
    if (U == 1)
      PushAt = Retire = std::max(Retire, PushAt);
    Delta[T.Insns[K].Start] -= (I.H.PopPrev && PopPrevFifo[U] == F) + (I.H.PopNext && PopNextFifo[U] == F);
    Delta[PushAt] += (I.H.PushPrev && PushPrevFifo[U] == F) + (I.H.PushNext && PushNextFifo[U] == F);
  }
  int64_t Level = 0, Peak = 0;
  for (const auto &[Cycle, Change] : Delta)
    Peak = std::max(Peak, Level += Change);
  return Peak;
}

// Token FIFOs filled to their depth: units wait for room that a pop of the other unit frees, in the same
// cycle (timing.md, "Units and tokens"); every instruction's cycles must be the SystemC model's.
TEST(RtlAgreement, FullTokenFifos) {
  const std::vector<std::string> Names = rtlConfigNames();
  for (size_t N = 0; N < Names.size(); ++N) {
    const HardwareConfig C = repoConfig(Names[N]);
    int Full = 0;
    for (uint32_t K = 0; K < 6; ++K) {
      const uint32_t Seed = 11000 + 100 * uint32_t(N) + K;
      std::mt19937 Rng(Seed);
      const Program P = tokenPressureProgram(C, Rng);
      const Agreement A = agree(P, Names[N] + " token pressure, seed " + std::to_string(Seed));
      EXPECT_TRUE(A.agreed()) << Names[N] << " seed " << Seed;
      if (A.Ran)
        for (int F = 0; F < 4; ++F)
          Full += peakTokens(P, A.SystemC, F) == int64_t(C.TokenQueueDepth);
    }
    EXPECT_GT(Full, 0) << Names[N] << ": no token FIFO ever filled";
  }
}

// Two units each waiting for room that only the other's start would free (both FIFOs between them full):
// timing.md counts only room that exists or that a start not itself waiting frees, so neither starts, as in
// the functional simulator's sequential execution: all three report the same deadlock.
TEST(RtlAgreement, MutualWaitForRoomIsADeadlock) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    ProgramBuilder B(C);
    B.reserve(64);
    const Instruction LoadNop = load(MemType::Input, 0, 0, 0, 0, 0), GemmNop = gemm(true, 0, 0, 1, 1, {});
    for (uint64_t K = 0; K < C.TokenQueueDepth; ++K)
      B.add(tokens(LoadNop, false, false, false, true)); // fills load->compute
    for (uint64_t K = 0; K < C.TokenQueueDepth; ++K)
      B.add(tokens(GemmNop, false, false, true, false)); // fills compute->load
    B.add(tokens(LoadNop, false, true, false, true));    // pops compute->load, needs room in load->compute
    B.add(tokens(GemmNop, true, false, true, false));    // pops load->compute, needs room in compute->load
    B.add(finish());
    const Program P = B.build(0, false);
    std::vector<uint8_t> FuncDram, ScDram;
    auto F = runProgram(P, FuncDram);
    auto S = runTimed(P, ScDram);
    ASSERT_FALSE(F.isOk()) << Name;
    EXPECT_NE(F.message().find("deadlock"), std::string::npos) << F.message();
    ASSERT_FALSE(S.isOk()) << Name;
    EXPECT_EQ(S.message(), F.message()) << Name;
    const Agreement A = agree(P, Name + " mutual wait for room");
    EXPECT_TRUE(A.Refused) << Name << ": the RTL must report func's deadlock";
  }
}

} // namespace
