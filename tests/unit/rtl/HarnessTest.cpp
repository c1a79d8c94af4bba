// The RTL harness itself: the checks before a run (config, DRAM size, illegal instructions, transfers out of
// bounds, configs the RTL cannot build, missing models), deadlock reports identical to the functional
// simulator's, statistics, and the simulation rate.
#include "RtlTestUtil.h"

#include <chrono>

using namespace rtltest;
using ::testing::HasSubstr;

namespace {

TEST(RtlHarness, ProgramAndDramAreChecked) {
  const HardwareConfig C = repoConfig("default");
  ProgramBuilder B(C);
  B.reserve(64);
  B.add(finish());
  const Program P = B.build();
  npu::rtl::RtlSim Sim(C);
  std::vector<uint8_t> Small(P.DramBytes - 1);
  auto R = Sim.run(P, Small);
  ASSERT_FALSE(R.isOk());
  EXPECT_THAT(R.message(), HasSubstr("DRAM image has"));
  const HardwareConfig Edge = repoConfig("edge");
  npu::rtl::RtlSim Other(Edge);
  std::vector<uint8_t> Dram(P.DramBytes);
  auto M = Other.run(P, Dram);
  ASSERT_FALSE(M.isOk());
  EXPECT_THAT(M.message(), HasSubstr("built for config 'default'"));
}

TEST(RtlHarness, IllegalAndOutOfBoundsInstructionsAreRefusedLikeFunc) {
  const HardwareConfig C = repoConfig("edge");
  ProgramBuilder D(C);
  D.reserve(64);
  D.add(load(MemType::Weight, 0, 0, 1, 4, 4)); // 4 weight rows are more than the 64-byte DRAM
  D.add(finish());
  const Program Outside = D.build();
  std::vector<uint8_t> FuncDram, RtlDram;
  auto F = runProgram(Outside, FuncDram);
  auto R = runRtl(Outside, RtlDram);
  ASSERT_FALSE(F.isOk());
  ASSERT_FALSE(R.isOk());
  EXPECT_EQ(R.message(), F.message());

  Program Illegal = Outside;
  Illegal.Insns[0].Mem.Mem = int64_t(MemType::Output); // load.out
  std::vector<uint8_t> Image(Illegal.DramBytes);
  npu::rtl::RtlSim Sim(C);
  auto I = Sim.run(Illegal, Image);
  ASSERT_FALSE(I.isOk());
  EXPECT_THAT(I.message(), HasSubstr("instruction 0 (load.out): illegal instruction"));
}

/// Runs P on func and on the RTL; both must fail, the RTL with func's message (first offending row = last
/// here) and the RTL's suffix.
void expectOutOfBoundsLikeFunc(const Program &P, const std::string &What, const std::string &Insn,
                               const std::string &Field) {
  std::vector<uint8_t> FuncDram, RtlDram;
  auto F = runProgram(P, FuncDram);
  auto R = runRtl(P, RtlDram);
  ASSERT_FALSE(F.isOk()) << What;
  ASSERT_FALSE(R.isOk()) << What;
  EXPECT_THAT(F.message(), HasSubstr(Insn)) << What;
  EXPECT_THAT(R.message(), HasSubstr(Insn)) << What;
  EXPECT_THAT(R.message(), HasSubstr(Field)) << What;
  EXPECT_EQ(R.message(), F.message() + " (detected by the RTL)") << What;
}

/// Both simulators run P without error.
void expectRuns(const Program &P, const std::string &What) {
  std::vector<uint8_t> FuncDram, RtlDram;
  auto F = runProgram(P, FuncDram);
  auto R = runRtl(P, RtlDram);
  EXPECT_TRUE(F.isOk()) << What << ": " << F.message();
  EXPECT_TRUE(R.isOk()) << What << ": " << R.message();
}

TEST(RtlHarness, MicroOpIndicesOutOfBoundsAreDetectedByTheRtl) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    const int64_t Acc = int64_t(C.D.AccDepth), Wgt = int64_t(C.D.WeightDepth), Inp = int64_t(C.D.InputDepth);
    {
      // GEMM: micro-op 1's weight row passes the buffer at the loop's last iteration (row Wgt, which the
      // buffer's index width would wrap to 0).
      ProgramBuilder B(C);
      B.uops({MicroOp{0, 0, 0}, MicroOp{1, 1, Wgt - 2}});
      B.add(B.loadUops());
      B.add(gemm(false, 0, 2, 3, 1, {0, 0, 0, 0, 1, 0}));
      B.add(finish());
      expectOutOfBoundsLikeFunc(B.build(), Name + " gemm wgt", "instruction 1 (gemm",
                                "micro-op 1 field wgt=" + std::to_string(Wgt - 2) +
                                    " reaches weight buffer row " + std::to_string(Wgt) + " (at i=2, j=0)");
    }
    {
      // GEMM: the destination over both loops.
      ProgramBuilder B(C);
      B.uops({MicroOp{Acc - 4, 0, 0}});
      B.add(B.loadUops());
      B.add(gemm(false, 0, 1, 2, 2, {3, 1, 0, 0, 0, 0}));
      B.add(finish());
      expectOutOfBoundsLikeFunc(B.build(), Name + " gemm dst", "instruction 1 (gemm",
                                "micro-op 0 field dst=" + std::to_string(Acc - 4) +
                                    " reaches accumulator buffer row " + std::to_string(Acc) +
                                    " (at i=1, j=1)");
    }
    {
      // ALU: the source over both loops.
      ProgramBuilder B(C);
      B.uops({MicroOp{0, Acc - 4, 0}});
      B.add(B.loadUops());
      B.add(alu(AluOp::Add, false, 0, 1, 2, 2, {0, 0, 3, 1}));
      B.add(finish());
      expectOutOfBoundsLikeFunc(B.build(), Name + " alu src", "instruction 1 (alu",
                                "micro-op 0 field src=" + std::to_string(Acc - 4) +
                                    " reaches accumulator buffer row " + std::to_string(Acc) +
                                    " (at i=1, j=1)");
    }
    {
      // ALU: micro-op 1's destination through the inner loop.
      ProgramBuilder B(C);
      B.uops({MicroOp{0, 0, 0}, MicroOp{Acc - 1, 0, 0}});
      B.add(B.loadUops());
      B.add(alu(AluOp::Max, true, 0, 2, 1, 2, {0, 1, 0, 0}, 5));
      B.add(finish());
      expectOutOfBoundsLikeFunc(B.build(), Name + " alu dst", "instruction 1 (alu",
                                "micro-op 1 field dst=" + std::to_string(Acc - 1) +
                                    " reaches accumulator buffer row " + std::to_string(Acc) +
                                    " (at i=0, j=1)");
    }
    {
      // Fields an instruction does not read may be anything: an immediate ALU's src, a reset GEMM's src and
      // wgt.
      ProgramBuilder B(C);
      B.uops({MicroOp{0, Inp - 1, Wgt - 1}, MicroOp{1, Acc - 1, 0}});
      B.add(B.loadUops());
      B.add(gemm(true, 0, 1, 2, 1, {1, 0, 1, 0, 1, 0}));
      B.add(alu(AluOp::Add, true, 1, 2, 1, 2, {0, 0, 1, 1}, 7));
      B.add(finish());
      expectRuns(B.build(), Name + " unread fields");
    }
  }
}

TEST(RtlHarness, ConfigsTheRtlCannotBuildAreRefused) {
  for (const char *Key : {"fetch", "load", "store"}) {
    const std::string Pipe = std::string("pipeline:\n  fetch: 1\n  load: 2\n  gemm: 3\n  store: 2\n");
    std::string Zeroed = Pipe;
    Zeroed.replace(Zeroed.find(std::string(Key) + ": "), std::string(Key).size() + 3,
                   std::string(Key) + ": 0");
    const HardwareConfig C = timingConfig(Zeroed);
    auto S = npu::rtl::checkRtlConfig(C);
    ASSERT_FALSE(S.isOk()) << Key;
    EXPECT_THAT(S.message(), HasSubstr(std::string("pipeline.") + Key + " 0"));
  }
}

TEST(RtlHarness, AMissingModelSaysHowToBuildIt) {
  const HardwareConfig C = timingConfig("queues:\n  command_depth: 3\n  token_depth: 3\n");
  auto M = npu::rtl::findModel(C, false);
  if (M.isOk())
    GTEST_SKIP() << "a model of the test config exists: " << *M;
  EXPECT_THAT(M.message(), HasSubstr(npu::rtl::modelFileName(C)));
  EXPECT_THAT(M.message(), HasSubstr("NPU_RTL_CONFIGS"));
}

TEST(RtlHarness, TokenDeadlockIsReportedAsFuncReportsIt) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    ProgramBuilder B(C);
    const uint64_t Out = B.reserve(256);
    B.add(tokens(load(MemType::Input, 0, 0, 0, 0, 0), false, false, false, true)); // l2c token
    B.add(
        tokens(store(MemType::Output, 0, int64_t(Out), 1, 1, 1), true, false, false, false)); // waits for c2s
    B.add(tokens(finish(), true, false, false, false));
    const Program P = B.build(0, false);
    std::vector<uint8_t> FuncDram, RtlDram;
    auto F = runProgram(P, FuncDram);
    const auto T0 = std::chrono::steady_clock::now();
    auto R = runRtl(P, RtlDram);
    const double Seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - T0).count();
    ASSERT_FALSE(F.isOk()) << Name;
    ASSERT_FALSE(R.isOk()) << Name;
    EXPECT_EQ(R.message(), F.message()) << Name;
    EXPECT_LT(Seconds, 30.0) << Name << ": a deadlock is found when the RTL goes quiet, not by the watchdog";
  }
}

TEST(RtlHarness, StatisticsMatchTheSystemCModelsOnAPipelinedProgram) {
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    std::mt19937 Rng(99);
    const Agreement A = agree(randomPipelinedProgram(C, Rng), Name + " pipelined program, seed 99");
    if (!A.Ran || A.Divergent)
      continue;
    for (unsigned U = 0; U < npu::sim::NumUnits; ++U) {
      EXPECT_EQ(A.Rtl.Units[U].Busy, A.SystemC.Units[U].Busy) << Name << " unit " << U;
      EXPECT_EQ(A.Rtl.Units[U].StallToken, A.SystemC.Units[U].StallToken) << Name << " unit " << U;
      EXPECT_EQ(A.Rtl.Units[U].StallDram, A.SystemC.Units[U].StallDram) << Name << " unit " << U;
      EXPECT_EQ(A.Rtl.Units[U].Idle, A.SystemC.Units[U].Idle) << Name << " unit " << U;
    }
    EXPECT_EQ(A.Rtl.toJson(C), A.SystemC.toJson(C)) << Name;
  }
}

TEST(RtlHarness, SimulationRate) {
  // A GEMM-bound program: 8 micro-ops x 64 x 64 per GEMM, a few GEMMs. Prints simulated cycles per second.
  for (const std::string &Name : rtlConfigNames()) {
    const HardwareConfig C = repoConfig(Name);
    ProgramBuilder B(C);
    std::vector<MicroOp> U;
    for (int K = 0; K < 8; ++K)
      U.push_back(MicroOp{K, K, K});
    B.uops(U);
    B.add(B.loadUops());
    for (int K = 0; K < 4; ++K)
      B.add(gemm(false, 0, 8, 64, 64, {0, 0, 0, 0, 0, 0}));
    B.add(finish());
    const Program P = B.build(0, false);
    std::vector<uint8_t> Dram = *P.dramImage();
    npu::rtl::RtlOptions O;
    O.BuildMissing = false;
    npu::rtl::RtlSim Sim(C, O);
    const auto T0 = std::chrono::steady_clock::now();
    auto R = Sim.run(P, Dram);
    const double Seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - T0).count();
    ASSERT_TRUE(R.isOk()) << R.message();
    const double Rate = double(Sim.clockedCycles()) / Seconds;
    std::printf("[ rate     ] %s: %llu cycles in %.3f s: %.2f M cycles/s\n", Name.c_str(),
                static_cast<unsigned long long>(Sim.clockedCycles()), Seconds, Rate / 1e6);
    RecordProperty(Name + "_cycles_per_second", std::to_string(uint64_t(Rate)));
    EXPECT_GT(R->TotalCycles, 4u * 8 * 64 * 64);
  }
}

} // namespace
