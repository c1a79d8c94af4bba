// The SystemC model computes the same data as the functional simulator: the example programs, random
// token-correct programs on every config, and identical errors for illegal and out-of-bounds programs.
#include "ScTestUtil.h"

#include "npu/isa/Assembler.h"

#include <filesystem>

using namespace sctest;
using ::testing::HasSubstr;

namespace {

std::vector<std::string> configNames() {
  std::vector<std::string> Names;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/configs"))
    if (E.path().extension() == ".yaml")
      Names.push_back(E.path().stem().string());
  std::sort(Names.begin(), Names.end());
  return Names;
}

TEST(ScEquivalence, ExamplePrograms) {
  const HardwareConfig C = repoConfig("default");
  int Count = 0;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/examples/asm")) {
    if (E.path().extension() != ".s")
      continue;
    auto P = npu::isa::assembleFile(E.path().string(), C);
    ASSERT_TRUE(P) << P.message();
    auto T = runBothAndCompare(*P, E.path().filename().string());
    ASSERT_TRUE(T.has_value()) << E.path();
    EXPECT_GT(T->TotalCycles, 0u);
    ++Count;
  }
  EXPECT_GE(Count, 4);
}

TEST(ScEquivalence, RandomSerialProgramsOnEveryConfig) {
  std::vector<std::string> Names = configNames();
  for (const char *Inline : {"int4", "int16", "acc16", "mixed"})
    Names.push_back(Inline);
  std::mt19937 Rng(2024);
  for (const std::string &Name : Names) {
    const HardwareConfig C = configByName(Name);
    for (int K = 0; K < 12; ++K) {
      const Program P = randomSerialProgram(C, Rng);
      runBothAndCompare(P, Name + " serial program " + std::to_string(K));
    }
  }
}

TEST(ScEquivalence, RandomPipelinedProgramsOnEveryConfig) {
  std::vector<std::string> Names = configNames();
  for (const char *Inline : {"int4", "mixed"})
    Names.push_back(Inline);
  std::mt19937 Rng(77);
  for (const std::string &Name : Names) {
    HardwareConfig C = configByName(Name);
    const uint64_t CmdDepth = C.CommandQueueDepth, TokDepth = C.TokenQueueDepth;
    for (int K = 0; K < 16; ++K) {
      // Small queues make the units block on each other in every way.
      C.CommandQueueDepth = K % 4 == 0 ? CmdDepth : uint64_t(1 + K % 3);
      C.TokenQueueDepth = K % 5 == 0 ? TokDepth : uint64_t(2 + K % 3);
      const Program P = randomPipelinedProgram(C, Rng);
      auto T = runBothAndCompare(P, Name + " pipelined program " + std::to_string(K));
      if (!T) {
        std::vector<uint8_t> Dram;
        ADD_FAILURE() << Name << " pipelined program " << K << " should run: " << runTimed(P, Dram).message();
      }
    }
  }
}

TEST(ScEquivalence, ExecutionErrorsMatchTheFunctionalSimulator) {
  const HardwareConfig C = repoConfig("edge");
  ProgramBuilder B(C);
  B.reserve(256);
  B.add(load(MemType::Input, 0, 64, 1, 2, 2));
  B.add(gemm(false, 0, 1, 2, 1, {int64_t(C.D.AccDepth), 0, 0, 0, 0, 0})); // dst reaches past the buffer
  B.add(finish());
  const Program P = B.build();
  std::vector<uint8_t> Dram;
  auto T = runTimed(P, Dram);
  ASSERT_FALSE(T.isOk());
  EXPECT_THAT(T.message(), HasSubstr("instruction 1 (gemm"));
  EXPECT_THAT(T.message(), HasSubstr("out of bounds"));
  runBothAndCompare(P, "gemm out of bounds");

  ProgramBuilder D(C);
  D.reserve(64);
  D.add(load(MemType::Weight, 0, 0, 1, 4, 4)); // 4 weight rows are more than the 64-byte DRAM
  D.add(finish());
  runBothAndCompare(D.build(), "dram out of bounds");

  Program Illegal = D.build();
  Illegal.Insns[0].Mem.Mem = int64_t(MemType::Output); // load.out
  std::vector<uint8_t> Image(Illegal.DramBytes);
  npu::sim::SystemCSim Sim(C);
  auto I = Sim.run(Illegal, Image);
  ASSERT_FALSE(I.isOk());
  EXPECT_THAT(I.message(), HasSubstr("instruction 0 (load.out): illegal instruction"));
}

TEST(ScEquivalence, ConfigAndDramSizeAreChecked) {
  const HardwareConfig C = repoConfig("default");
  ProgramBuilder B(C);
  B.reserve(64);
  B.add(finish());
  const Program P = B.build();
  std::vector<uint8_t> Small(P.DramBytes - 1);
  npu::sim::SystemCSim Sim(C);
  auto R = Sim.run(P, Small);
  ASSERT_FALSE(R.isOk());
  EXPECT_THAT(R.message(), HasSubstr("DRAM image has"));
  const HardwareConfig Edge = repoConfig("edge");
  npu::sim::SystemCSim Other(Edge);
  std::vector<uint8_t> Dram(P.DramBytes);
  auto M = Other.run(P, Dram);
  ASSERT_FALSE(M.isOk());
  EXPECT_THAT(M.message(), HasSubstr("built for config 'default'"));
}

} // namespace
