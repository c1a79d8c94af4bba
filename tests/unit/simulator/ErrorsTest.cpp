// Errors: SRAM out of bounds for every buffer, DRAM out of bounds, illegal instructions and mismatched
// inputs are reported with the instruction index, opcode, buffer and the offending index against the depth.
#include "TestUtil.h"

using namespace simtest;
using ::testing::HasSubstr;

namespace {

class Errors : public ::testing::TestWithParam<std::string> {
protected:
  HardwareConfig C = configByName(GetParam());

  /// Runs: [0] LOAD of one micro-op {Dst, Src, Wgt} at row 0, then Body, then FINISH; returns the error.
  std::string errorOf(const std::vector<Instruction> &Body, MicroOp U = {}, uint64_t Extra = 0) {
    ProgramBuilder B(C);
    B.reserve(256);
    B.uops({U});
    B.add(B.loadUops());
    for (const Instruction &I : Body)
      B.add(I);
    B.add(finish());
    std::vector<uint8_t> Dram;
    auto S = runProgram(B.build(Extra), Dram);
    EXPECT_FALSE(S.isOk());
    return S ? std::string() : S.message();
  }
  static std::string depth(uint64_t D) { return "depth " + std::to_string(D); }
};

TEST_P(Errors, LoadOutOfEachBuffer) {
  const npu::DerivedConfig &D = C.D;
  struct Case {
    MemType M;
    uint64_t Depth;
    const char *Name;
  };
  for (const Case &K :
       {Case{MemType::Uop, D.UopDepth, "micro-op buffer"}, Case{MemType::Input, D.InputDepth, "input buffer"},
        Case{MemType::Weight, D.WeightDepth, "weight buffer"},
        Case{MemType::Acc, D.AccDepth, "accumulator buffer"}}) {
    // Two rows from depth-1: the second is out of bounds.
    const std::string E = errorOf({load(K.M, int64_t(K.Depth) - 1, 64, 1, 2, 2)}, {}, 4096);
    EXPECT_THAT(E, HasSubstr("instruction 1 (load"));
    EXPECT_THAT(E, HasSubstr(std::string(K.Name) + " row " + std::to_string(K.Depth)));
    EXPECT_THAT(E, HasSubstr(depth(K.Depth)));
    // Padding rows count too.
    Pads P;
    P.Bottom = 1;
    const std::string Ep = errorOf({load(K.M, int64_t(K.Depth) - 1, 64, 1, 1, 1, P)}, {}, 4096);
    EXPECT_THAT(Ep, HasSubstr(std::string(K.Name) + " row " + std::to_string(K.Depth)));
  }
}

TEST_P(Errors, StoreOutOfOutAndAcc) {
  const std::string Eo =
      errorOf({store(MemType::Output, int64_t(C.D.OutputDepth) - 1, 64, 1, 2, 2)}, {}, 4096);
  EXPECT_THAT(Eo, HasSubstr("instruction 1 (store"));
  EXPECT_THAT(Eo, HasSubstr("output buffer row " + std::to_string(C.D.OutputDepth)));
  EXPECT_THAT(Eo, HasSubstr(depth(C.D.OutputDepth)));
  const std::string Ea = errorOf({store(MemType::Acc, int64_t(C.D.AccDepth) - 1, 64, 1, 2, 2)}, {}, 4096);
  EXPECT_THAT(Ea, HasSubstr("accumulator buffer row " + std::to_string(C.D.AccDepth)));
}

TEST_P(Errors, GemmIndicesOutOfBounds) {
  const npu::DerivedConfig &D = C.D;
  // dst reaches AccDepth at i = 2.
  std::string E =
      errorOf({gemm(false, 0, 1, 3, 1, {1, 0, 0, 0, 0, 0})}, MicroOp{int64_t(D.AccDepth) - 2, 0, 0});
  EXPECT_THAT(E, HasSubstr("instruction 1 (gemm"));
  EXPECT_THAT(E, HasSubstr("dst"));
  EXPECT_THAT(E, HasSubstr("accumulator buffer row " + std::to_string(D.AccDepth)));
  EXPECT_THAT(E, HasSubstr(depth(D.AccDepth)));
  E = errorOf({gemm(false, 0, 1, 1, 2, {0, 0, 0, 1, 0, 0})}, MicroOp{0, int64_t(D.InputDepth) - 1, 0});
  EXPECT_THAT(E, HasSubstr("input buffer row " + std::to_string(D.InputDepth)));
  E = errorOf({gemm(false, 0, 1, 2, 2, {0, 0, 0, 0, 1, 1})}, MicroOp{0, 0, int64_t(D.WeightDepth) - 2});
  EXPECT_THAT(E, HasSubstr("weight buffer row " + std::to_string(D.WeightDepth)));
  EXPECT_THAT(E, HasSubstr(depth(D.WeightDepth)));
}

TEST_P(Errors, AluIndicesOutOfBounds) {
  const npu::DerivedConfig &D = C.D;
  std::string E =
      errorOf({alu(AluOp::Add, false, 0, 1, 1, 2, {0, 0, 0, 1})}, MicroOp{0, int64_t(D.AccDepth) - 1, 0});
  EXPECT_THAT(E, HasSubstr("instruction 1 (alu"));
  EXPECT_THAT(E, HasSubstr("src"));
  EXPECT_THAT(E, HasSubstr("accumulator buffer row " + std::to_string(D.AccDepth)));
  E = errorOf({alu(AluOp::Max, true, 0, 1, 2, 1, {1, 0, 0, 0})}, MicroOp{int64_t(D.AccDepth) - 1, 0, 0});
  EXPECT_THAT(E, HasSubstr("dst"));
  EXPECT_THAT(E, HasSubstr(depth(D.AccDepth)));
}

TEST_P(Errors, DramOutOfBounds) {
  // The program's DRAM ends right after 256 reserved bytes, the micro-op and 16 spare bytes.
  ProgramBuilder B(C);
  B.reserve(256);
  B.uops({MicroOp{}});
  const uint64_t Size = B.build(16).DramBytes;
  for (const Instruction &I :
       {load(MemType::Input, 0, int64_t(Size) - 1, 1, 1, 1),
        store(MemType::Acc, 0, int64_t(Size) - 1, 1, 1, 1), load(MemType::Acc, 0, 0, 2, 1, int64_t(Size))}) {
    const std::string E = errorOf({I}, {}, 16);
    EXPECT_THAT(E, HasSubstr("instruction 1 ("));
    EXPECT_THAT(E, HasSubstr("DRAM bytes ["));
    EXPECT_THAT(E, HasSubstr("outside the program's DRAM of " + std::to_string(Size) + " bytes"));
  }
}

// A transfer ending exactly at the end of DRAM is fine; one byte further is an error.
TEST_P(Errors, DramBoundaryExact) {
  for (int64_t Over : {0, 1}) {
    ProgramBuilder B(C);
    B.reserve(256);
    B.uops({MicroOp{}});
    const int64_t Size = int64_t(B.build(16).DramBytes);
    B.add(B.loadUops());
    B.add(store(MemType::Acc, 0, Size - int64_t(C.D.AccRowBytes) + Over, 1, 1, 1));
    B.add(load(MemType::Acc, 1, Size - 2 * int64_t(C.D.AccRowBytes) + Over, 2, 1, 1));
    B.add(finish());
    std::vector<uint8_t> Dram;
    auto S = runProgram(B.build(16), Dram);
    EXPECT_EQ(S.isOk(), Over == 0) << (S ? "" : S.message());
  }
}

INSTANTIATE_TEST_SUITE_P(FuncSim, Errors, ::testing::Values("default", "edge", "mixed"),
                         [](const auto &Info) { return Info.param; });

// Operands a reset GEMM or an immediate ALU does not read are not bounds-checked.
TEST(SimErrorsUnused, NotChecked) {
  const HardwareConfig C = repoConfig("edge");
  ProgramBuilder B(C);
  B.uops({MicroOp{0, int64_t(C.D.AccDepth) + 5, int64_t(C.D.WeightDepth) + 3}});
  B.add(B.loadUops());
  B.add(gemm(true, 0, 1, 1, 1, {0, 0, 0, 0, 0, 0}));
  B.add(alu(AluOp::Mov, true, 0, 1, 1, 1, {0, 0, 0, 0}, 3));
  B.add(finish());
  std::vector<uint8_t> Dram;
  auto S = runProgram(B.build(), Dram);
  EXPECT_TRUE(S.isOk()) << S.message();
}

TEST(SimErrorsProgram, IllegalInstructionsNamed) {
  const HardwareConfig C = repoConfig("default");
  auto Check = [&](Instruction I, const std::string &Want) {
    npu::isa::Program P;
    P.Config = C;
    P.DramBytes = 1024;
    P.Insns = {finish(), finish(), I, finish()};
    std::vector<uint8_t> Dram(1024);
    npu::sim::FuncSim Sim(C);
    auto S = Sim.run(P, Dram);
    ASSERT_FALSE(S.isOk());
    EXPECT_THAT(S.message(), HasSubstr("instruction 2 ("));
    EXPECT_THAT(S.message(), HasSubstr("illegal"));
    EXPECT_THAT(S.message(), HasSubstr(Want));
  };
  Check(load(MemType::Output, 0, 0, 1, 1, 1), "output buffer");
  Instruction Clip = alu(AluOp::Clip, false, 0, 1, 1, 1, {0, 0, 0, 0});
  Check(Clip, "use_imm");
  Check(load(MemType::Input, 0, 0, -1, 1, 1), "field 'y'");
  Check(load(MemType::Input, int64_t(1) << 40, 0, 1, 1, 1), "field 'sram'");
  Check(tokens(load(MemType::Input, 0, 0, 1, 1, 1), true, false, false, false), "pop_prev");
  // pad_value is an activation's zero point: load.inp only, and within the input width.
  Instruction PadW = load(MemType::Weight, 0, 0, 1, 1, 1);
  PadW.Mem.PadValue = 3;
  Check(PadW, "pad_value 3 is only for load.inp");
  Instruction PadS = store(MemType::Acc, 0, 0, 1, 1, 1);
  PadS.Mem.PadValue = -1;
  Check(PadS, "pad_value -1 is only for load.inp");
  Instruction PadWide = load(MemType::Input, 0, 0, 1, 1, 1);
  PadWide.Mem.PadValue = 128;
  Check(PadWide, "field 'pad_value'");
  Instruction Bad;
  Bad.H.Op = 7;
  Check(Bad, "invalid opcode");
}

TEST(SimErrorsProgram, DramSizeAndConfigMismatch) {
  const HardwareConfig C = repoConfig("default"), E = repoConfig("edge");
  npu::isa::Program P;
  P.Config = C;
  P.DramBytes = 1024;
  P.Insns = {finish()};
  std::vector<uint8_t> Dram(1000);
  npu::sim::FuncSim Sim(C);
  auto S = Sim.run(P, Dram);
  ASSERT_FALSE(S.isOk());
  EXPECT_THAT(S.message(), HasSubstr("1000 bytes"));
  EXPECT_THAT(S.message(), HasSubstr("1024"));
  Dram.resize(1024);
  npu::sim::FuncSim Other(E);
  auto S2 = Other.run(P, Dram);
  ASSERT_FALSE(S2.isOk());
  EXPECT_THAT(S2.message(), HasSubstr("config 'default'"));
  EXPECT_THAT(S2.message(), HasSubstr("'edge'"));
}

// A work limit refuses the instruction that would exceed it, naming it, before it runs; the same program runs
// under a limit it fits in.
TEST(FuncSimErrors, WorkLimit) {
  const HardwareConfig C = repoConfig("default");
  ProgramBuilder B(C);
  B.reserve(256);
  B.uops({MicroOp{}});
  B.add(B.loadUops());
  B.add(gemm(true, 0, 1, 10, 10, {0, 0, 0, 0, 0, 0}));
  B.add(finish());
  const npu::isa::Program P = B.build(0);
  EXPECT_EQ(npu::sim::FuncSim::instructionWork(P.Insns[1]), 100u);
  npu::sim::FuncSim Sim(C);
  Sim.setWorkLimit(50);
  auto Dram = P.dramImage();
  ASSERT_TRUE(Dram.isOk()) << Dram.message();
  auto S = Sim.run(P, *Dram);
  ASSERT_FALSE(S.isOk());
  EXPECT_THAT(S.message(), HasSubstr("instruction 1 (gemm"));
  EXPECT_THAT(S.message(), HasSubstr("work limit of 50"));
  Sim.setWorkLimit(102);
  auto Again = P.dramImage();
  auto Ok = Sim.run(P, *Again);
  EXPECT_TRUE(Ok.isOk()) << Ok.message();
}

} // namespace
