// The RTL agrees with the functional simulator (final DRAM, operation counts) and the SystemC model (every
// instruction's dispatch, start and end cycle): the example programs and random token-correct programs on
// every config with a built model (default: alu.concurrent 1, edge: alu.concurrent 0).
#include "RtlTestUtil.h"

#include "npu/isa/Assembler.h"

#include <filesystem>

using namespace rtltest;

namespace {

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
      if (A.Ran && A.Divergent == 0) {
        EXPECT_EQ(A.Rtl.TotalCycles, A.SystemC.TotalCycles) << Name << " " << E.path();
        EXPECT_EQ(A.Rtl.DramBursts, A.SystemC.DramBursts) << Name << " " << E.path();
      }
      ++Count;
      Ran += A.Ran;
    }
    EXPECT_GE(Count, 4);
    // conv3x3.s needs more DRAM than wide's layout of it leaves; the others fit every bundled config.
    EXPECT_GE(Ran, 3) << Name << ": example programs that ran";
  }
}

TEST(RtlAgreement, RandomSerialPrograms) {
  const std::vector<std::string> Names = rtlConfigNames();
  for (size_t N = 0; N < Names.size(); ++N) {
    const HardwareConfig C = repoConfig(Names[N]);
    for (uint32_t K = 0; K < 12; ++K) {
      const uint32_t Seed = 5000 + 100 * uint32_t(N) + K; // randomSerialProgram(C, std::mt19937(Seed))
      std::mt19937 Rng(Seed);
      agree(randomSerialProgram(C, Rng), Names[N] + " serial program, seed " + std::to_string(Seed));
    }
  }
}

TEST(RtlAgreement, RandomPipelinedPrograms) {
  const std::vector<std::string> Names = rtlConfigNames();
  for (size_t N = 0; N < Names.size(); ++N) {
    const HardwareConfig C = repoConfig(Names[N]);
    for (uint32_t K = 0; K < 12; ++K) {
      const uint32_t Seed = 7000 + 100 * uint32_t(N) + K; // randomPipelinedProgram(C, std::mt19937(Seed))
      std::mt19937 Rng(Seed);
      const Agreement A = agree(randomPipelinedProgram(C, Rng),
                                Names[N] + " pipelined program, seed " + std::to_string(Seed));
      EXPECT_TRUE(A.Ran) << Names[N] << " pipelined program, seed " << Seed << " should run";
    }
  }
}

} // namespace
