// The .npub container: exact round trip, determinism, and clear errors for truncated, corrupted or foreign
// files.
#include "npu/isa/Program.h"
#include "npu/support/Sha256.h"

#include <gtest/gtest.h>

using namespace npu;
using namespace npu::isa;

namespace {

Program sampleProgram(const HardwareConfig &C) {
  Program P;
  P.Config = C;
  P.DramBytes = 8192;
  P.UopBase = 4096;
  P.Uops = {MicroOp{0, 0, 0}, MicroOp{1, 1, 1}, MicroOp{2, 3, 4}};
  P.Segments.push_back(Segment{"a", 0, std::vector<uint8_t>(64, 3)});
  P.Segments.push_back(Segment{"w", 256, std::vector<uint8_t>(256, 5)});
  P.IO.push_back(TensorBinding{"A", true, "int8", {4, 16}, 0, "row-major"});
  P.IO.push_back(TensorBinding{"C", false, "int32", {1, 16}, 1024, "row-major"});
  P.Meta.push_back({"tool", "unit-test"});
  Instruction L;
  L.H.Op = int64_t(Opcode::Load);
  L.Mem.Mem = int64_t(MemType::Input);
  L.Mem.YSize = 4;
  L.Mem.XSize = 1;
  L.Mem.XStride = 1;
  L.Mem.PadBottom = 2;
  L.H.PushNext = 1;
  Instruction G;
  G.H.Op = int64_t(Opcode::Gemm);
  G.H.PopPrev = 1;
  G.Gemm.UopEnd = 3;
  G.Gemm.LoopOut = 2;
  G.Gemm.LoopIn = 1;
  Instruction A;
  A.H.Op = int64_t(Opcode::Alu);
  A.Alu.AluOp = int64_t(AluOp::Requant);
  A.Alu.UseImm = 1;
  A.Alu.Imm = -123456;
  A.Alu.Imm2 = -7;
  A.Alu.Shift = 20;
  A.Alu.UopEnd = 1;
  A.Alu.LoopOut = 1;
  A.Alu.LoopIn = 1;
  Instruction F;
  F.H.Op = int64_t(Opcode::Finish);
  P.Insns = {L, G, A, F};
  return P;
}

} // namespace

TEST(Container, RoundTripIsExactAndDeterministic) {
  HardwareConfig C = defaultHardwareConfig();
  Program P = sampleProgram(C);
  auto Bytes = writeContainer(P);
  ASSERT_TRUE(Bytes) << Bytes.message();
  auto Again = writeContainer(P);
  ASSERT_TRUE(Again);
  EXPECT_EQ(*Bytes, *Again);
  auto Back = readContainer(*Bytes, "p.npub");
  ASSERT_TRUE(Back) << Back.message();
  EXPECT_EQ(Back->Config.Hash, C.Hash);
  EXPECT_EQ(Back->Insns.size(), P.Insns.size());
  for (size_t I = 0; I < P.Insns.size(); ++I)
    EXPECT_TRUE(Back->Insns[I] == P.Insns[I]) << I;
  EXPECT_EQ(Back->Uops, P.Uops);
  EXPECT_EQ(Back->Segments, P.Segments);
  EXPECT_EQ(Back->IO, P.IO);
  EXPECT_EQ(Back->Meta, P.Meta);
  EXPECT_EQ(Back->UopBase, P.UopBase);
  EXPECT_EQ(Back->DramBytes, P.DramBytes);
  auto Rewritten = writeContainer(*Back);
  ASSERT_TRUE(Rewritten);
  EXPECT_EQ(*Rewritten, *Bytes);
}

TEST(Container, DramImageHoldsSegmentsAndPackedMicroOps) {
  HardwareConfig C = defaultHardwareConfig();
  Program P = sampleProgram(C);
  auto Dram = P.dramImage();
  ASSERT_TRUE(Dram) << Dram.message();
  ASSERT_EQ(Dram->size(), P.DramBytes);
  EXPECT_EQ((*Dram)[0], 3);
  EXPECT_EQ((*Dram)[256 + 255], 5);
  EXPECT_EQ((*Dram)[300 + 256], 0);
  IsaLayout L(C);
  EXPECT_EQ(decodeUop(L, Dram->data() + P.UopBase + 2 * C.D.UopRowBytes), P.Uops[2]);
}

TEST(Container, EveryTruncationIsAnError) {
  Program P = sampleProgram(defaultHardwareConfig());
  auto Bytes = writeContainer(P);
  ASSERT_TRUE(Bytes);
  for (size_t Len = 0; Len < Bytes->size(); Len += (Len < 64 ? 1 : 37)) {
    std::vector<uint8_t> Cut(Bytes->begin(), Bytes->begin() + Len);
    auto R = readContainer(Cut, "cut.npub");
    ASSERT_FALSE(R) << "length " << Len;
    EXPECT_EQ(R.message().rfind("cut.npub", 0), 0u) << R.message();
  }
}

TEST(Container, BitFlipsAreDetected) {
  Program P = sampleProgram(defaultHardwareConfig());
  auto Bytes = writeContainer(P);
  ASSERT_TRUE(Bytes);
  for (size_t Pos = 0; Pos < Bytes->size(); Pos += 13) {
    std::vector<uint8_t> Bad = *Bytes;
    Bad[Pos] ^= 0x10;
    auto R = readContainer(Bad, "flip.npub");
    ASSERT_FALSE(R) << "flip at " << Pos;
  }
  std::vector<uint8_t> Bad = *Bytes;
  Bad[Bad.size() / 2] ^= 1;
  EXPECT_EQ(readContainer(Bad, "f.npub").message(),
            "f.npub: corrupted or truncated container (checksum mismatch)");
}

TEST(Container, ForeignFilesAndVersions) {
  EXPECT_NE(readContainer({'E', 'L', 'F', 0, 1, 2, 3, 4}, "x").message().find("bad magic"),
            std::string::npos);
  Program P = sampleProgram(defaultHardwareConfig());
  auto Bytes = writeContainer(P);
  ASSERT_TRUE(Bytes);
  std::vector<uint8_t> Newer = *Bytes;
  Newer[4] = 99;
  EXPECT_NE(readContainer(Newer, "n").message().find("version 99 is not supported"), std::string::npos);
}

/// Rewrites a version-2 container as version 1: drops the node section and recomputes the digest.
static std::vector<uint8_t> asVersion1(std::vector<uint8_t> Bytes) {
  Bytes.resize(Bytes.size() - 32);
  size_t Pos = 8;
  auto U64 = [&](size_t At) {
    uint64_t V = 0;
    for (int I = 0; I < 8; ++I)
      V |= uint64_t(Bytes[At + I]) << (8 * I);
    return V;
  };
  Pos += 8 + U64(Pos); // config hash string
  Pos += 8;            // DRAM size
  while (Pos < Bytes.size()) {
    const uint32_t Tag = Bytes[Pos];
    if (Tag == 7) {
      Bytes.resize(Pos);
      break;
    }
    Pos += 4 + 8 + U64(Pos + 4);
  }
  Bytes[4] = 1;
  auto Digest = sha256(std::string_view(reinterpret_cast<const char *>(Bytes.data()), Bytes.size()));
  Bytes.insert(Bytes.end(), Digest.begin(), Digest.end());
  return Bytes;
}

TEST(Container, NodeProvenanceRoundTripsAndVersion1IsRead) {
  Program P = sampleProgram(defaultHardwareConfig());
  P.NodeNames = {"unused", "relu", "conv"};
  P.InsnNode = {2, 2, 1, Program::NoNode};
  auto Bytes = writeContainer(P);
  ASSERT_TRUE(Bytes) << Bytes.message();
  EXPECT_EQ((*Bytes)[4], ContainerVersion);
  auto Back = readContainer(*Bytes, "p.npub");
  ASSERT_TRUE(Back) << Back.message();
  // Stored canonically: the names in use, in order of first use.
  EXPECT_EQ(Back->NodeNames, (std::vector<std::string>{"conv", "relu"}));
  EXPECT_EQ(Back->InsnNode, (std::vector<uint32_t>{0, 0, 1, Program::NoNode}));
  for (size_t I = 0; I < P.Insns.size(); ++I)
    EXPECT_EQ(Back->nodeOf(I), P.nodeOf(I)) << I;

  // A version-1 file (no node section) still reads, without provenance.
  auto Old = readContainer(asVersion1(*Bytes), "old.npub");
  ASSERT_TRUE(Old) << Old.message();
  EXPECT_TRUE(Old->InsnNode.empty());
  EXPECT_EQ(Old->Insns.size(), P.Insns.size());

  P.InsnNode = {0, 1};
  EXPECT_FALSE(writeContainer(P));
  P.InsnNode = {0, 1, 7, 0};
  EXPECT_FALSE(writeContainer(P));
}

TEST(Container, ConfigMismatchIsRefused) {
  Program P = sampleProgram(defaultHardwareConfig());
  auto Bytes = writeContainer(P);
  ASSERT_TRUE(Bytes);
  auto Other = parseHardwareConfig("name: other\ncore: {block_out: 8}\n", "other.yaml");
  ASSERT_TRUE(Other);
  auto R = readContainer(*Bytes, "p.npub", &*Other);
  ASSERT_FALSE(R);
  EXPECT_NE(R.message().find("but the selected config is 'other'"), std::string::npos) << R.message();
  HardwareConfig Same = defaultHardwareConfig();
  EXPECT_TRUE(readContainer(*Bytes, "p.npub", &Same));
}

TEST(Container, InvalidProgramsAreNotWritten) {
  HardwareConfig C = defaultHardwareConfig();
  Program P = sampleProgram(C);
  P.Insns.pop_back(); // no finish
  EXPECT_NE(writeContainer(P).message().find("must end with finish"), std::string::npos);
  P = sampleProgram(C);
  P.Segments.push_back(Segment{"overlap", 32, std::vector<uint8_t>(64, 1)});
  EXPECT_NE(writeContainer(P).message().find("overlaps"), std::string::npos);
  P = sampleProgram(C);
  P.Segments.push_back(Segment{"far", 8190, std::vector<uint8_t>(16, 1)});
  EXPECT_NE(writeContainer(P).message().find("outside DRAM"), std::string::npos);
  P = sampleProgram(C);
  P.Insns[1].Gemm.LoopOut = int64_t(1) << 20; // wider than loop_bits
  auto R = writeContainer(P);
  ASSERT_FALSE(R);
  EXPECT_NE(R.message().find("instruction 1"), std::string::npos) << R.message();
  P = sampleProgram(C);
  P.IO[0].DType = "float64";
  EXPECT_NE(writeContainer(P).message().find("unknown dtype"), std::string::npos);
}
