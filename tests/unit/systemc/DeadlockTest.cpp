// Deadlocking programs end with a diagnosis naming the stuck instructions, word for word the functional
// simulator's: hand-made deadlocks and random token-correct programs with one token flag removed.
#include "ScTestUtil.h"

using namespace sctest;
using ::testing::HasSubstr;

namespace {

Program build(const HardwareConfig &C, const std::vector<Instruction> &Insns) {
  ProgramBuilder B(C);
  B.reserve(1024);
  for (const Instruction &I : Insns)
    B.add(I);
  return B.build(0, false);
}

std::string deadlockMessage(const Program &P) {
  std::vector<uint8_t> Dram;
  auto T = runTimed(P, Dram);
  EXPECT_FALSE(T.isOk());
  runBothAndCompare(P, "deadlock"); // the same message as the functional simulator
  return T ? "" : T.message();
}

TEST(ScDeadlock, MissingTokenNamesTheWaitingInstruction) {
  const HardwareConfig C = repoConfig("default");
  const std::string M = deadlockMessage(
      build(C, {load(MemType::Input, 0, 64, 1, 1, 1),
                tokens(gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0}), true, false, false, false), finish()}));
  EXPECT_THAT(M, HasSubstr("deadlock after 1 of 3 instructions"));
  EXPECT_THAT(M, HasSubstr("compute queue: instruction 1 (gemm pop_prev reset"));
  EXPECT_THAT(M, HasSubstr("waits for a load->compute token"));
}

TEST(ScDeadlock, FullCommandQueueBlocksFetch) {
  HardwareConfig C = repoConfig("default");
  C.CommandQueueDepth = 1;
  const std::string M = deadlockMessage(build(
      C, {tokens(store(MemType::Output, 0, 64, 1, 1, 1), true, false, false, false),
          store(MemType::Output, 1, 80, 1, 1, 1),
          tokens(alu(AluOp::Add, true, 0, 1, 1, 1, {0, 0, 0, 0}, 1), false, false, false, true), finish()}));
  EXPECT_THAT(M, HasSubstr("store queue: instruction 0 (store.out pop_prev"));
  EXPECT_THAT(M, HasSubstr("fetch: instruction 1 (store.out"));
  EXPECT_THAT(M, HasSubstr("waits for room in the store command queue (depth 1)"));
}

TEST(ScDeadlock, FullTokenQueueBlocksBothProducers) {
  HardwareConfig C = repoConfig("default");
  C.TokenQueueDepth = 1;
  const Instruction Add = alu(AluOp::Add, true, 0, 1, 1, 1, {0, 0, 0, 0}, 1);
  const std::string M = deadlockMessage(
      build(C, {tokens(Add, false, false, false, true), tokens(Add, false, false, false, true),
                tokens(store(MemType::Output, 0, 64, 1, 1, 1), false, false, true, false),
                tokens(store(MemType::Output, 0, 64, 1, 1, 1), false, false, true, false),
                tokens(store(MemType::Output, 0, 64, 1, 1, 1), true, false, false, false),
                tokens(finish(), false, true, false, false)}));
  EXPECT_THAT(M, HasSubstr("room in the compute->store token queue (depth 1)"));
  EXPECT_THAT(M, HasSubstr("room in the store->compute token queue (depth 1)"));
}

// Dropping one token flag from a token-correct program either leaves it runnable (a pop removed: a race, so
// the data may differ) or deadlocks it; both simulators must agree on which, and on the diagnosis.
TEST(ScDeadlock, RandomTokenRemovalsAgreeWithTheFunctionalSimulator) {
  std::mt19937 Rng(11);
  int Deadlocks = 0;
  for (const char *Name : {"default", "edge", "large"}) {
    HardwareConfig C = repoConfig(Name);
    for (int K = 0; K < 25; ++K) {
      C.CommandQueueDepth = 1 + K % 4;
      C.TokenQueueDepth = 1 + K % 3;
      Program P = randomPipelinedProgram(C, Rng);
      std::vector<std::pair<size_t, int64_t *>> Flags;
      for (size_t I = 0; I < P.Insns.size(); ++I)
        for (int64_t *F :
             {&P.Insns[I].H.PopPrev, &P.Insns[I].H.PopNext, &P.Insns[I].H.PushPrev, &P.Insns[I].H.PushNext})
          if (*F)
            Flags.push_back({I, F});
      ASSERT_FALSE(Flags.empty());
      *Flags[std::uniform_int_distribution<size_t>(0, Flags.size() - 1)(Rng)].second = 0;
      std::vector<uint8_t> FuncDram, ScDram;
      auto F = runProgram(P, FuncDram);
      auto S = runTimed(P, ScDram);
      ASSERT_EQ(F.isOk(), S.isOk()) << Name << " " << K << ": " << (F ? S.message() : F.message());
      if (!F.isOk()) {
        EXPECT_EQ(S.message(), F.message()) << Name << " " << K;
        Deadlocks += F.message().find("deadlock") != std::string::npos;
      }
    }
  }
  EXPECT_GT(Deadlocks, 10); // the test does exercise deadlocks
}

} // namespace
