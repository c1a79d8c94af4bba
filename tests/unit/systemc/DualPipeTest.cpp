// alu.concurrent: the ALU pipe beside the GEMM core (docs/timing.md): cycle-exact issue at the rule's
// boundaries, in-order retirement of tokens, and on random pipelined programs that two instructions running
// at once never touch the same accumulator row (rows enumerated here, independently of the model's hulls).
#include "ScTestUtil.h"

#include "npu/support/Json.h"

#include <set>

using namespace sctest;

namespace {

HardwareConfig dualConfig() { return timingConfig("alu:\n  lanes: 4\n  latency: 3\n  concurrent: 1\n"); }

/// loadUops, then a 40-row GEMM on accumulator rows 0..39 (two with GemmAhead), then an ALU add over 4 rows
/// from AluDst (and the extra instructions); no tokens between them.
Program gemmThenAlu(const HardwareConfig &C, int64_t AluDst, std::vector<Instruction> After = {},
                    bool GemmAhead = false) {
  ProgramBuilder B(C);
  B.uops({MicroOp{0, 0, 0}, MicroOp{AluDst, 0, 0}});
  B.add(B.loadUops());
  if (GemmAhead)
    B.add(gemm(false, 0, 1, 40, 1, {1, 0, 0, 0, 0, 0}));
  B.add(gemm(false, 0, 1, 40, 1, {1, 0, 0, 0, 0, 0}));
  B.add(alu(AluOp::Add, true, 1, 2, 4, 1, {1, 0, 0, 0}, 1));
  for (const Instruction &I : After)
    B.add(I);
  B.add(finish());
  return B.build(1024, false);
}

TimingStats timed(const Program &P) {
  auto T = runBothAndCompare(P, "dual-pipe program");
  EXPECT_TRUE(T.has_value());
  return T ? *T : TimingStats{};
}

TEST(ScDualPipe, DisjointAluStartsBesideTheGemm) {
  const TimingStats T = timed(gemmThenAlu(dualConfig(), 100));
  const uint64_t G = T.Insns[1].Start;
  EXPECT_EQ(T.Insns[1].Start, T.Insns[0].End); // after the micro-op LOAD, which holds both pipes
  EXPECT_EQ(T.Insns[1].End, G + 40 + 5);
  // Issued in order in the GEMM's start cycle, but the footprints are read after the micro-op LOAD: the
  // GEMM's one micro-op in cycle G, the ALU's in G + 1, both known from G + 2 (timing::FootprintScanner).
  EXPECT_EQ(T.Insns[2].Start, G + 2);
  EXPECT_EQ(T.Insns[2].End, G + 2 + 4 * 4 + 3);
  EXPECT_EQ(T.Insns[3].Start, G + 45); // FINISH waits for both pipes
  // The compute unit is busy while either pipe is, counted once.
  const auto &U = T.Units[unsigned(Unit::Compute)];
  EXPECT_EQ(U.Busy + U.StallToken + U.StallDram + U.Idle, T.TotalCycles);
  EXPECT_EQ(T.GemmBusy, 45u);
  EXPECT_EQ(T.AluBusy, 19u);
  const npu::Json J = npu::Json::parse(T.toJson(dualConfig()));
  EXPECT_EQ(J["pipes"]["gemm_busy"], 45);
  EXPECT_EQ(J["pipes"]["alu_busy"], 19);
  // Behind a first GEMM the queue runs ahead: both footprints are read while it runs, and the ALU starts in
  // the second GEMM's start cycle.
  const TimingStats Ahead = timed(gemmThenAlu(dualConfig(), 100, {}, true));
  EXPECT_EQ(Ahead.Insns[2].Start, Ahead.Insns[1].End);
  EXPECT_EQ(Ahead.Insns[3].Start, Ahead.Insns[2].Start);
}

TEST(ScDualPipe, OverlappingRowsWaitForTheOtherPipe) {
  for (int64_t Dst : {0, 36, 39}) { // the ALU's rows Dst..Dst+3 meet the GEMM's 0..39
    SCOPED_TRACE(Dst);
    const TimingStats T = timed(gemmThenAlu(dualConfig(), Dst));
    EXPECT_EQ(T.Insns[2].Start, T.Insns[1].End);
  }
  const TimingStats Next = timed(gemmThenAlu(dualConfig(), 40)); // first row past the GEMM's
  EXPECT_EQ(Next.Insns[2].Start, Next.Insns[1].Start + 2); // once both footprints are read
  // Without alu.concurrent the compute unit runs one instruction at a time.
  const TimingStats Serial = timed(gemmThenAlu(timingConfig(), 100));
  EXPECT_EQ(Serial.Insns[2].Start, Serial.Insns[1].End);
}

TEST(ScDualPipe, TokensArePushedAtInOrderRetirement) {
  const HardwareConfig C = dualConfig();
  // The ALU (starting 2 cycles after the GEMM, once both footprints are read, and ending 19 cycles later)
  // pushes a token to the store; it retires only when the earlier GEMM does, 45 cycles after that start, and
  // the store starts then.
  ProgramBuilder B(C);
  B.uops({MicroOp{0, 0, 0}, MicroOp{100, 0, 0}});
  B.add(B.loadUops());
  B.add(gemm(false, 0, 1, 40, 1, {1, 0, 0, 0, 0, 0}));
  B.add(tokens(alu(AluOp::Add, true, 1, 2, 4, 1, {1, 0, 0, 0}, 1), false, false, false, true));
  const uint64_t Out = B.reserve(256);
  B.add(tokens(store(MemType::Output, 100, int64_t(Out), 1, 4, 4), true, false, false, false));
  B.add(finish());
  const TimingStats T = timed(B.build(0, false));
  const uint64_t G = T.Insns[1].Start;
  EXPECT_EQ(T.Insns[2].End, G + 2 + 19);
  EXPECT_EQ(T.Insns[3].Start, G + 45);
}

/// Accumulator rows an instruction touches (written, and read by an ALU), with the micro-op table loaded
/// at buffer row 0.
std::set<int64_t> rowsOf(const Instruction &I, const std::vector<MicroOp> &Uops, bool Written) {
  std::set<int64_t> R;
  const bool Gemm = I.opcode() == npu::isa::Opcode::Gemm;
  if (!Written && (Gemm || I.Alu.UseImm))
    return R;
  const int64_t B = Gemm ? I.Gemm.UopBegin : I.Alu.UopBegin, E = Gemm ? I.Gemm.UopEnd : I.Alu.UopEnd;
  const int64_t Lo = Gemm ? I.Gemm.LoopOut : I.Alu.LoopOut, Li = Gemm ? I.Gemm.LoopIn : I.Alu.LoopIn;
  for (int64_t U = B; U < E; ++U)
    for (int64_t O = 0; O < Lo; ++O)
      for (int64_t K = 0; K < Li; ++K) {
        if (Gemm)
          R.insert(Uops[size_t(U)].Dst + O * I.Gemm.DstOut + K * I.Gemm.DstIn);
        else if (Written)
          R.insert(Uops[size_t(U)].Dst + O * I.Alu.DstOut + K * I.Alu.DstIn);
        else
          R.insert(Uops[size_t(U)].Src + O * I.Alu.SrcOut + K * I.Alu.SrcIn);
      }
  return R;
}

bool meet(const std::set<int64_t> &A, const std::set<int64_t> &B) {
  for (int64_t V : A)
    if (B.count(V))
      return true;
  return false;
}

/// A random compute-heavy program: inputs and weights loaded once, then GEMMs and ALU operations (immediate
/// or source rows) on random, often overlapping accumulator row ranges of 64 rows, then the rows stored.
Program randomComputeProgram(const HardwareConfig &C, std::mt19937 &Rng) {
  auto Pick = [&](int64_t Lo, int64_t Hi) { return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng); };
  ProgramBuilder B(C);
  const uint64_t In = B.data("inp", randomValues(Rng, 64 * C.Batch * C.BlockIn, C.inputBits()), C.inputBits());
  const uint64_t W =
      B.data("wgt", randomValues(Rng, 4 * C.BlockOut * C.BlockIn, C.weightBits()), C.weightBits());
  const uint64_t Out = B.reserve(64 * C.D.OutputRowBytes);
  std::vector<MicroOp> Uops;
  std::vector<Instruction> Body;
  const AluOp Ops[] = {AluOp::Add, AluOp::Max, AluOp::Min};
  for (int N = Pick(8, 24); N > 0; --N) {
    const int64_t U0 = int64_t(Uops.size()), NU = Pick(1, 3);
    const bool Gemm = Pick(0, 1);
    for (int64_t U = 0; U < NU; ++U)
      Uops.push_back(MicroOp{Pick(0, 40), Pick(0, Gemm ? 20 : 40), Gemm ? Pick(0, 3) : 0});
    const int64_t Lo = Pick(1, 8), Li = Pick(1, 4), DO = Pick(0, 2), DI = Pick(0, 1);
    if (Gemm) {
      Body.push_back(gemm(Pick(0, 3) == 0, U0, U0 + NU, Lo, Li, {DO, DI, Pick(0, 2), Pick(0, 1), 0, 0}));
      continue;
    }
    const bool Imm = Pick(0, 1);
    Body.push_back(alu(Ops[Pick(0, 2)], Imm, U0, U0 + NU, Lo, Li, {DO, DI, Pick(0, 2), Pick(0, 1)}, Pick(-9, 9)));
  }
  B.uops(Uops);
  B.add(load(MemType::Input, 0, int64_t(In), 1, 64, 64));
  B.add(tokens(load(MemType::Weight, 0, int64_t(W), 1, 4, 4), false, false, false, true));
  B.add(tokens(B.loadUops(), true, false, false, false));
  for (const Instruction &I : Body)
    B.add(I);
  B.add(tokens(load(MemType::Acc, 0, 0, 0, 0, 0), false, false, false, true)); // a no-op: waits for both pipes
  B.add(tokens(store(MemType::Output, 0, int64_t(Out), 1, 64, 64), true, false, false, false));
  B.add(finish());
  return B.build(0, false);
}

TEST(ScDualPipe, InstructionsRunningAtOnceNeverShareAnAccumulatorRow) {
  std::mt19937 Rng(4242);
  uint64_t Overlaps = 0, Waits = 0;
  for (const std::string &Name : {"default", "large"}) {
    HardwareConfig C = configByName(Name);
    ASSERT_EQ(C.AluConcurrent, 1u) << Name;
    for (int K = 0; K < 40; ++K) {
      const Program P = randomComputeProgram(C, Rng);
      auto T = runBothAndCompare(P, Name + " random compute program " + std::to_string(K));
      ASSERT_TRUE(T.has_value());
      for (size_t G = 0; G < P.Insns.size(); ++G) {
        if (P.Insns[G].opcode() != npu::isa::Opcode::Gemm)
          continue;
        const std::set<int64_t> GemmRows = rowsOf(P.Insns[G], P.Uops, true);
        for (size_t A = 0; A < P.Insns.size(); ++A) {
          if (P.Insns[A].opcode() != npu::isa::Opcode::Alu)
            continue;
          const bool Share =
              meet(GemmRows, rowsOf(P.Insns[A], P.Uops, true)) || meet(GemmRows, rowsOf(P.Insns[A], P.Uops, false));
          if (T->Insns[A].Start >= T->Insns[G].End || T->Insns[G].Start >= T->Insns[A].End) {
            Waits += Share && (A == G + 1 || G == A + 1);
            continue;
          }
          ++Overlaps;
          EXPECT_FALSE(Share) << Name << " program " << K << ": instructions " << G << " and " << A
                              << " share a row and run at once";
        }
      }
    }
  }
  // Not vacuous: both outcomes of the rule happen.
  EXPECT_GT(Overlaps, 20u);
  EXPECT_GT(Waits, 20u);
}

} // namespace
