// The RTL agrees with the functional simulator (final DRAM, operation counts) and the SystemC model (every
// instruction's dispatch, start and end cycle): the example programs and random token-correct programs on
// every config with a built model (default: alu.concurrent 1, edge: alu.concurrent 0).
#include "RtlTestUtil.h"

#include "npu/isa/Assembler.h"
#include "npu/timing/TimingRules.h"

#include <filesystem>
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

} // namespace
