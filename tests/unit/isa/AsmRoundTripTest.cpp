// Round trips through disassemble -> assemble, as container bytes: examples, random instructions, programs.
#include "AsmTestUtil.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace npu;
using namespace npu::isa;
using namespace npu::isa::test;

namespace {

std::vector<uint8_t> containerBytes(const Program &P) {
  auto B = writeContainer(P);
  EXPECT_TRUE(B) << B.message();
  return B ? *B : std::vector<uint8_t>{};
}

/// disassemble(P), assembled again for the same config, must give the same container bytes.
void expectRoundTrip(const Program &P, const std::string &What) {
  std::string Text = disassemble(P);
  auto Q = assemble(Text, P.Config, What + ".dis.s");
  ASSERT_TRUE(Q) << Q.message() << "\n--- disassembly ---\n" << Text;
  EXPECT_EQ(containerBytes(*Q), containerBytes(P)) << What << ": container bytes differ after the round trip";
  // The text is a fixpoint: printing the re-assembled program gives the same text.
  EXPECT_EQ(disassemble(*Q), Text) << What;
}

std::vector<std::filesystem::path> examplePrograms() {
  std::vector<std::filesystem::path> Out;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/examples/asm"))
    if (E.path().extension() == ".s")
      Out.push_back(E.path());
  std::sort(Out.begin(), Out.end());
  return Out;
}

TEST(AsmRoundTrip, ExamplesAssembleAndRoundTrip) {
  HardwareConfig C = loadConfig("default");
  auto Paths = examplePrograms();
  std::set<std::string> Stems;
  for (auto &Path : Paths)
    Stems.insert(Path.stem().string());
  for (const char *Required : {"matmul_tiled", "requant", "pipelined"})
    EXPECT_TRUE(Stems.count(Required)) << "examples/asm/" << Required << ".s is missing";
  for (auto &Path : Paths) {
    SCOPED_TRACE(Path.string());
    auto P = assembleFile(Path.string(), C);
    ASSERT_TRUE(P) << P.message();
    const std::string Stem = Path.stem().string();
    auto Example =
        std::find_if(P->Meta.begin(), P->Meta.end(), [](auto &KV) { return KV.first == "example"; });
    ASSERT_NE(Example, P->Meta.end()) << "missing .meta example";
    EXPECT_EQ(Example->second, Stem);
    bool HasInput = false, HasOutput = false;
    for (const TensorBinding &B : P->IO)
      (B.IsInput ? HasInput : HasOutput) = true;
    EXPECT_TRUE(HasInput && HasOutput) << "an example binds its inputs and outputs";
    // Each example opens with a comment block saying what it computes.
    std::ifstream In(Path);
    std::string First;
    std::getline(In, First);
    EXPECT_EQ(First.rfind(";", 0), 0u) << "the first line should be the description comment";
    expectRoundTrip(*P, Stem);
  }
}

int64_t biasedValue(std::mt19937_64 &R, int64_t Lo, int64_t Hi) {
  // Zero and the extremes are where truncation and sign bugs hide, so they come up often.
  switch (R() % 6) {
  case 0:
  case 1:
    return 0 >= Lo && 0 <= Hi ? 0 : Lo;
  case 2:
    return Hi;
  case 3:
    return Lo;
  default:
    return std::uniform_int_distribution<int64_t>(Lo, Hi)(R);
  }
}

/// A random instruction of opcode Op that passes checkInstruction (rejection sampling).
Instruction randomLegalInstruction(const HardwareConfig &C, const IsaLayout &L, Opcode Op,
                                   std::mt19937_64 &R) {
  for (int Attempt = 0; Attempt < 1000000; ++Attempt) {
    Instruction I;
    I.H.Op = int64_t(Op);
    for (const FieldLayout *F : L.fieldsOf(Op)) {
      if (F->Fmt == Format::Common && F->Kind != FieldKind::Flag)
        continue;
      if (F->Kind == FieldKind::Suffix) {
        int64_t V = Op == Opcode::Alu ? int64_t(allAluOps()[R() % allAluOps().size()])
                                      : int64_t(allMemTypes()[R() % allMemTypes().size()]);
        F->Ref(I) = V;
        continue;
      }
      F->Ref(I) = biasedValue(R, F->minValue(), F->maxValue());
    }
    if (checkInstruction(C, I))
      return I;
  }
  ADD_FAILURE() << "no legal " << opcodeName(Op) << " found";
  return Instruction{};
}

TEST(AsmRoundTrip, RandomInstructionsOnEveryConfig) {
  std::mt19937_64 R(20240611);
  for (const HardwareConfig &C : roundTripConfigs()) {
    SCOPED_TRACE(C.Name);
    IsaLayout L(C);
    for (Opcode Op : allOpcodes()) {
      std::vector<Instruction> Want;
      std::string Text;
      for (int K = 0; K < 300; ++K) {
        Want.push_back(randomLegalInstruction(C, L, Op, R));
        Text += formatInstruction(L, Want.back()) + "\n";
      }
      Text += "finish\n";
      Program P = assembleOk(Text, C);
      ASSERT_EQ(P.Insns.size(), Want.size() + 1);
      for (size_t K = 0; K < Want.size(); ++K)
        EXPECT_TRUE(P.Insns[K] == Want[K]) << "instruction " << K << ": " << formatInstruction(L, Want[K])
                                           << "\nassembled as: " << formatInstruction(L, P.Insns[K]);
    }
  }
}

std::string randomText(std::mt19937_64 &R) {
  static const std::string Alphabet = "abcXYZ019 _-.:/=,;#\"\\\n\t\x01\x7f\xc3\xa9";
  std::string S;
  for (size_t N = R() % 12; N > 0; --N)
    S += Alphabet[R() % Alphabet.size()];
  return S;
}

/// A random, verifiable program exercising every section, including names that need quoting.
Program randomProgram(const HardwareConfig &C, std::mt19937_64 &R, int Index) {
  IsaLayout L(C);
  Program P;
  P.Config = C;
  uint64_t Addr = R() % 64;
  for (size_t S = R() % 4; S > 0; --S) {
    Segment Seg;
    Seg.Name = R() % 2 ? "seg" + std::to_string(S) : "odd name " + std::to_string(S) + randomText(R);
    Seg.Address = Addr;
    Seg.Data.resize(R() % 100);
    for (uint8_t &B : Seg.Data)
      B = uint8_t(R());
    Addr += Seg.Data.size() + R() % 40;
    P.Segments.push_back(std::move(Seg));
  }
  if (R() % 3) {
    P.UopBase = Addr;
    for (size_t U = R() % 20; U > 0; --U) {
      MicroOp M;
      for (const UopFieldLayout &F : L.uopFields())
        F.Ref(M) = biasedValue(R, 0, (int64_t(1) << F.Width) - 1);
      P.Uops.push_back(M);
    }
    Addr += P.uopTableBytes();
  }
  static const char *DTypes[] = {"int4", "int8", "int16", "int32", "uint8", "float32"};
  for (size_t B = R() % 4; B > 0; --B) {
    TensorBinding T;
    T.Name = "t" + std::to_string(B) + randomText(R);
    T.IsInput = R() % 2;
    T.DType = DTypes[R() % 6];
    for (size_t D = R() % 4; D > 0; --D)
      T.Shape.push_back(int64_t(1 + R() % 7));
    T.Address = R() % (Addr + 1);
    if (R() % 2)
      T.Layout = randomText(R);
    P.IO.push_back(std::move(T));
  }
  for (size_t M = R() % 4; M > 0; --M)
    P.Meta.push_back({randomText(R), randomText(R)});
  P.DramBytes = Addr + 4096 + R() % 5000;
  for (size_t I = R() % 30; I > 0; --I)
    P.Insns.push_back(randomLegalInstruction(C, L, allOpcodes()[R() % allOpcodes().size()], R));
  Instruction Finish;
  Finish.H.Op = int64_t(Opcode::Finish);
  P.Insns.push_back(Finish);
  // Node provenance on some programs: runs of tagged and untagged instructions, names that need quoting.
  if (R() % 2) {
    std::vector<std::string> Names = {"conv_" + std::to_string(Index), "odd node " + randomText(R), "relu"};
    for (size_t I = 0; I < P.Insns.size(); ++I)
      if (size_t Pick = R() % 4; Pick < Names.size())
        P.setNode(I, Names[Pick]);
  }
  Status S = P.verify();
  EXPECT_TRUE(S) << "program " << Index << ": " << (S ? "" : S.message());
  return P;
}

TEST(AsmRoundTrip, RandomProgramsOnEveryConfig) {
  std::mt19937_64 R(7);
  for (const HardwareConfig &C : roundTripConfigs())
    for (int K = 0; K < 60; ++K)
      expectRoundTrip(randomProgram(C, R, K), C.Name + " random program " + std::to_string(K));
}

} // namespace
