// Encode/decode round trips for every opcode on every bundled config, and range errors instead of truncation.
#include "npu/config/HardwareConfig.h"
#include "npu/isa/Isa.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

using namespace npu;
using namespace npu::isa;

namespace {

std::vector<HardwareConfig> bundledConfigs() {
  std::vector<HardwareConfig> Out;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/configs"))
    if (E.path().extension() == ".yaml") {
      auto C = loadHardwareConfig(E.path().string());
      EXPECT_TRUE(C) << C.message();
      if (C)
        Out.push_back(*C);
    }
  // A narrow-type point too, so int4 and int16 field widths are exercised.
  auto N = parseHardwareConfig("dtypes: {input: int4, weight: int4, accumulator: int16, output: int4}\n", "int4");
  EXPECT_TRUE(N) << N.message();
  Out.push_back(*N);
  return Out;
}

int64_t randomIn(std::mt19937_64 &R, int64_t Lo, int64_t Hi) {
  std::uniform_int_distribution<int64_t> D(Lo, Hi);
  return D(R);
}

Instruction randomInstruction(const IsaLayout &L, Opcode Op, std::mt19937_64 &R) {
  Instruction I;
  for (const FieldLayout *F : L.fieldsOf(Op))
    F->Ref(I) = randomIn(R, F->minValue(), F->maxValue());
  I.H.Op = int64_t(Op);
  if (opcodeFormat(Op) == Format::Mem) {
    auto Types = allMemTypes();
    I.Mem.Mem = int64_t(Types[R() % Types.size()]);
  }
  if (opcodeFormat(Op) == Format::Alu) {
    auto Ops = allAluOps();
    I.Alu.AluOp = int64_t(Ops[R() % Ops.size()]);
  }
  return I;
}

} // namespace

TEST(Encoding, RoundTripEveryOpcodeEveryConfig) {
  std::mt19937_64 R(42);
  for (const HardwareConfig &C : bundledConfigs()) {
    IsaLayout L(C);
    ASSERT_EQ(L.instructionBits(), C.D.InstructionBits);
    std::vector<uint8_t> Buf(L.instructionBytes());
    for (Opcode Op : allOpcodes())
      for (int Trial = 0; Trial < 200; ++Trial) {
        Instruction I = randomInstruction(L, Op, R);
        ASSERT_TRUE(encode(L, I, Buf.data())) << C.Name << " " << opcodeName(Op);
        auto Back = decode(L, Buf.data());
        ASSERT_TRUE(Back) << Back.message();
        ASSERT_TRUE(*Back == I) << C.Name << " " << opcodeName(Op) << " trial " << Trial;
        // Every field decodes to exactly the value written, extreme values included.
        for (const FieldLayout *F : L.fieldsOf(Op))
          ASSERT_EQ(F->get(*Back), F->get(I)) << F->Name;
      }
  }
}

TEST(Encoding, ExtremeValuesSurvive) {
  for (const HardwareConfig &C : bundledConfigs()) {
    IsaLayout L(C);
    std::vector<uint8_t> Buf(L.instructionBytes());
    for (Opcode Op : allOpcodes())
      for (bool UseMax : {false, true}) {
        Instruction I;
        I.H.Op = int64_t(Op);
        for (const FieldLayout *F : L.fieldsOf(Op))
          if (F->Kind != FieldKind::Suffix && std::string(F->Name) != "opcode")
            F->Ref(I) = UseMax ? F->maxValue() : F->minValue();
        ASSERT_TRUE(encode(L, I, Buf.data()));
        auto Back = decode(L, Buf.data());
        ASSERT_TRUE(Back && *Back == I) << C.Name << " " << opcodeName(Op);
      }
  }
}

TEST(Encoding, FieldsDoNotOverlapAndFitTheWord) {
  for (const HardwareConfig &C : bundledConfigs()) {
    IsaLayout L(C);
    for (Opcode Op : allOpcodes()) {
      std::vector<bool> Used(L.instructionBits(), false);
      for (const FieldLayout *F : L.fieldsOf(Op)) {
        ASSERT_LE(F->Lsb + F->Width, L.instructionBits()) << F->Name;
        for (unsigned B = F->Lsb; B < F->Lsb + F->Width; ++B) {
          ASSERT_FALSE(Used[B]) << C.Name << " " << opcodeName(Op) << " " << F->Name << " bit " << B;
          Used[B] = true;
        }
      }
    }
  }
}

TEST(Encoding, OutOfRangeIsAnErrorNotATruncation) {
  for (const HardwareConfig &C : bundledConfigs()) {
    IsaLayout L(C);
    std::vector<uint8_t> Buf(L.instructionBytes());
    for (Opcode Op : allOpcodes())
      for (const FieldLayout *F : L.fieldsOf(Op)) {
        if (std::string(F->Name) == "opcode")
          continue;
        Instruction I;
        I.H.Op = int64_t(Op);
        F->Ref(I) = F->maxValue() + 1;
        Status S = encode(L, I, Buf.data());
        ASSERT_FALSE(S) << C.Name << " " << F->Name;
        EXPECT_NE(S.message().find(std::string("field '") + F->Name + "'"), std::string::npos) << S.message();
        if (F->Kind == FieldKind::S || F->minValue() == 0) {
          F->Ref(I) = F->minValue() - 1;
          EXPECT_FALSE(encode(L, I, Buf.data())) << F->Name;
        }
      }
  }
}

TEST(Encoding, MicroOpsRoundTripAndRangeCheck) {
  std::mt19937_64 R(7);
  for (const HardwareConfig &C : bundledConfigs()) {
    IsaLayout L(C);
    EXPECT_EQ(L.uopBytes(), C.D.UopRowBytes);
    std::vector<uint8_t> Buf(L.uopBytes());
    for (int Trial = 0; Trial < 500; ++Trial) {
      MicroOp U;
      for (const UopFieldLayout &F : L.uopFields())
        F.Ref(U) = randomIn(R, 0, (int64_t(1) << F.Width) - 1);
      ASSERT_TRUE(encodeUop(L, U, Buf.data()));
      EXPECT_EQ(decodeUop(L, Buf.data()), U);
    }
    MicroOp Bad;
    Bad.Dst = int64_t(1) << L.uopFields()[0].Width;
    EXPECT_FALSE(encodeUop(L, Bad, Buf.data()));
  }
}

TEST(Encoding, InvalidEnumsAreRejectedOnDecode) {
  HardwareConfig C = defaultHardwareConfig();
  IsaLayout L(C);
  std::vector<uint8_t> Buf(L.instructionBytes(), 0);
  Buf[0] = 7; // opcode 7 does not exist
  EXPECT_FALSE(decode(L, Buf.data()));
  Instruction I;
  I.H.Op = int64_t(Opcode::Load);
  I.Mem.Mem = 7;
  EXPECT_FALSE(encode(L, I, Buf.data()) && decode(L, Buf.data()));
}

TEST(Legality, TokenFlagsFollowTheQueues) {
  HardwareConfig C = defaultHardwareConfig();
  Instruction I;
  I.H.Op = int64_t(Opcode::Load);
  I.Mem.Mem = int64_t(MemType::Input);
  I.H.PopPrev = 1;
  EXPECT_FALSE(checkInstruction(C, I));
  I.H.PopPrev = 0;
  I.H.PushNext = 1;
  EXPECT_TRUE(checkInstruction(C, I));
  I.Mem.Mem = int64_t(MemType::Uop); // on the compute queue, pop_prev is legal
  I.H.PopPrev = 1;
  EXPECT_EQ(I.queue(), Queue::Compute);
  EXPECT_TRUE(checkInstruction(C, I));
  Instruction S;
  S.H.Op = int64_t(Opcode::Store);
  S.Mem.Mem = int64_t(MemType::Output);
  S.H.PushNext = 1;
  EXPECT_FALSE(checkInstruction(C, S));
  S.H.PushNext = 0;
  S.Mem.PadTop = 1;
  EXPECT_FALSE(checkInstruction(C, S));
}

TEST(Legality, OperandRules) {
  HardwareConfig C = defaultHardwareConfig();
  Instruction G;
  G.H.Op = int64_t(Opcode::Gemm);
  G.Gemm.UopBegin = 5;
  G.Gemm.UopEnd = 4;
  EXPECT_FALSE(checkInstruction(C, G));
  G.Gemm.UopEnd = int64_t(C.D.UopDepth) + 1;
  EXPECT_FALSE(checkInstruction(C, G));
  Instruction A;
  A.H.Op = int64_t(Opcode::Alu);
  A.Alu.AluOp = int64_t(AluOp::Clip);
  A.Alu.Imm = 5;
  A.Alu.Imm2 = 1;
  A.Alu.UseImm = 1;
  EXPECT_FALSE(checkInstruction(C, A));
  A.Alu.AluOp = int64_t(AluOp::Requant);
  A.Alu.Shift = 0;
  A.Alu.Imm2 = 0;
  EXPECT_FALSE(checkInstruction(C, A));
  A.Alu.Shift = 8;
  A.Alu.Imm2 = 300; // outside int8
  EXPECT_FALSE(checkInstruction(C, A));
  A.Alu.Imm2 = -128;
  EXPECT_TRUE(checkInstruction(C, A));
}
