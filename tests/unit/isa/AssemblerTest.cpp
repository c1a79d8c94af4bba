// The assembly language: instructions, flags, values, symbols, data directives, micro-ops, I/O and metadata.
#include "AsmTestUtil.h"

#include <gtest/gtest.h>

#include <set>

using namespace npu;
using namespace npu::isa;
using namespace npu::isa::test;

namespace {

/// The reference splitmix64 step (Steele, Lea, Flood 2014), written out here independently of the assembler.
uint64_t referenceSplitmix(uint64_t &S) {
  uint64_t Z = (S += 0x9e3779b97f4a7c15ull);
  Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ull;
  Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebull;
  return Z ^ (Z >> 31);
}

TEST(Assembler, MinimalProgram) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk("finish\n", C);
  ASSERT_EQ(P.Insns.size(), 1u);
  EXPECT_EQ(P.Insns[0].opcode(), Opcode::Finish);
  EXPECT_EQ(P.DramBytes, 4096u);
  EXPECT_EQ(P.Config.Hash, C.Hash);
  EXPECT_TRUE(P.Segments.empty() && P.Uops.empty() && P.IO.empty());
}

TEST(Assembler, MemoryInstructionFields) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk("load.inp sram=3 dram=0x40 y=2 x=4 stride=8 pad_top=1 pad_left=2 push_next\n"
                         "store.acc sram=7 dram=100 y=1 x=2 stride=2 pop_prev push_prev\n"
                         "finish\n",
                         C);
  ASSERT_EQ(P.Insns.size(), 3u);
  Instruction Want;
  Want.H.Op = int64_t(Opcode::Load);
  Want.H.PushNext = 1;
  Want.Mem.Mem = int64_t(MemType::Input);
  Want.Mem.SramBase = 3;
  Want.Mem.DramBase = 0x40;
  Want.Mem.YSize = 2;
  Want.Mem.XSize = 4;
  Want.Mem.XStride = 8;
  Want.Mem.PadTop = 1;
  Want.Mem.PadLeft = 2;
  EXPECT_TRUE(P.Insns[0] == Want);
  const Instruction &S = P.Insns[1];
  EXPECT_EQ(S.opcode(), Opcode::Store);
  EXPECT_EQ(S.memType(), MemType::Acc);
  EXPECT_EQ(S.Mem.SramBase, 7);
  EXPECT_EQ(S.Mem.DramBase, 100);
  EXPECT_EQ(S.H.PopPrev, 1);
  EXPECT_EQ(S.H.PushPrev, 1);
  EXPECT_EQ(S.H.PopNext, 0);
  EXPECT_EQ(S.H.PushNext, 0);
}

TEST(Assembler, ComputeInstructionFields) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk("gemm reset uop_begin=1 uop_end=3 loop_out=4 loop_in=5 dst_out=6 dst_in=7 src_out=8 "
                         "src_in=9 wgt_out=10 wgt_in=11 pop_prev push_next\n"
                         "alu.requant use_imm imm=-5 imm2=3 shift=7 uop_end=1 loop_out=1 loop_in=1\n"
                         "alu.clip use_imm imm=-8, imm2=8, uop_end=1, loop_out=2, loop_in=1, dst_out=1\n"
                         "finish pop_next\n",
                         C);
  ASSERT_EQ(P.Insns.size(), 4u);
  const GemmFields &G = P.Insns[0].Gemm;
  EXPECT_EQ(G.Reset, 1);
  EXPECT_EQ(G.UopBegin, 1);
  EXPECT_EQ(G.UopEnd, 3);
  EXPECT_EQ(G.LoopOut, 4);
  EXPECT_EQ(G.LoopIn, 5);
  EXPECT_EQ(G.DstOut, 6);
  EXPECT_EQ(G.DstIn, 7);
  EXPECT_EQ(G.SrcOut, 8);
  EXPECT_EQ(G.SrcIn, 9);
  EXPECT_EQ(G.WgtOut, 10);
  EXPECT_EQ(G.WgtIn, 11);
  const AluFields &A = P.Insns[1].Alu;
  EXPECT_EQ(P.Insns[1].aluOp(), AluOp::Requant);
  EXPECT_EQ(A.UseImm, 1);
  EXPECT_EQ(A.Imm, -5);
  EXPECT_EQ(A.Imm2, 3);
  EXPECT_EQ(A.Shift, 7);
  EXPECT_EQ(P.Insns[2].aluOp(), AluOp::Clip);
  EXPECT_EQ(P.Insns[2].Alu.Imm, -8);
  EXPECT_EQ(P.Insns[3].H.PopNext, 1);
}

TEST(Assembler, ValuesSymbolsAndComments) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk("; a comment line\n"
                         "# another comment\n"
                         ".equ ROWS 8\n"
                         ".equ BASE 0x100\n"
                         ".equ BACK BASE-ROWS-ROWS   ; symbols defined above may be used\n"
                         "load.inp sram=ROWS dram=late+0x10-2 y=1 x=ROWS stride=ROWS  # forward ref\n"
                         "load.acc sram=-0+3 dram=uops-4 y=1 x=1\n"
                         "load.wgt dram=BACK y=1 x=1\n"
                         "finish\n"
                         ".uops at BASE+64\n"
                         ".segment late at 0x200\n"
                         ".i8 1\n",
                         C);
  ASSERT_EQ(P.Insns.size(), 4u);
  EXPECT_EQ(P.Insns[0].Mem.SramBase, 8);
  EXPECT_EQ(P.Insns[0].Mem.DramBase, 0x200 + 0x10 - 2);
  EXPECT_EQ(P.Insns[0].Mem.XSize, 8);
  EXPECT_EQ(P.Insns[1].Mem.SramBase, 3);
  EXPECT_EQ(P.Insns[1].Mem.DramBase, 0x100 + 64 - 4);
  EXPECT_EQ(P.Insns[2].Mem.DramBase, 0x100 - 16);
  EXPECT_EQ(P.UopBase, 0x140u);
}

TEST(Assembler, DataDirectives) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk(".segment a at 16\n"
                         ".i4 1, 2, 3\n"
                         ".i4 4 -1\n" // continues the half-filled byte
                         ".i8 -1 127 -128\n"
                         ".i16 0x1234 -2\n"
                         ".i32 -2147483648 305419896\n"
                         ".hex 00a1FF 7e\n"
                         ".zero 3\n"
                         ".i4 -8\n" // after a whole-byte directive: starts a new byte
                         ".segment b at 0x100\n"
                         ".i8 a+1\n"
                         "finish\n",
                         C);
  ASSERT_EQ(P.Segments.size(), 2u);
  EXPECT_EQ(P.Segments[0].Name, "a");
  EXPECT_EQ(P.Segments[0].Address, 16u);
  std::vector<uint8_t> Want = {0x21, 0x43, 0x0f, 0xff, 0x7f, 0x80, 0x34, 0x12, 0xfe, 0xff, 0x00, 0x00, 0x00,
                               0x80, 0x78, 0x56, 0x34, 0x12, 0x00, 0xa1, 0xff, 0x7e, 0,    0,    0,    0x08};
  EXPECT_EQ(P.Segments[0].Data, Want);
  EXPECT_EQ(P.Segments[1].Data, std::vector<uint8_t>{17});
}

TEST(Assembler, RandomIsSplitmix64) {
  HardwareConfig C = loadConfig("default");
  // A published value: the first splitmix64 output for seed 0.
  uint64_t S0 = 0;
  ASSERT_EQ(referenceSplitmix(S0), 0xe220a8397b1dcdafull);

  Program P = assembleOk(".segment r at 0\n"
                         ".random int8 300 seed=7 min=-3 max=5\n"
                         ".random int32 10 seed=0\n"
                         ".random int4 5 seed=-1 min=-8 max=7\n"
                         ".random int16 4 seed=123 min=-1000 max=1000\n"
                         "finish\n",
                         C);
  std::vector<uint8_t> Want;
  uint64_t S = 7;
  for (int I = 0; I < 300; ++I)
    Want.push_back(uint8_t(int8_t(-3 + int64_t(referenceSplitmix(S) % 9))));
  S = 0;
  for (int I = 0; I < 10; ++I) {
    int64_t V = INT32_MIN + int64_t(referenceSplitmix(S) % (uint64_t(1) << 32));
    for (int B = 0; B < 4; ++B)
      Want.push_back(uint8_t(uint32_t(V) >> (8 * B)));
  }
  S = ~uint64_t(0);
  uint8_t Nibbles[6] = {0, 0, 0, 0, 0, 0};
  for (int I = 0; I < 5; ++I)
    Nibbles[I] = uint8_t((-8 + int64_t(referenceSplitmix(S) % 16)) & 15);
  for (int I = 0; I < 6; I += 2)
    Want.push_back(uint8_t(Nibbles[I] | (Nibbles[I + 1] << 4)));
  S = 123;
  for (int I = 0; I < 4; ++I) {
    int64_t V = -1000 + int64_t(referenceSplitmix(S) % 2001);
    Want.push_back(uint8_t(V));
    Want.push_back(uint8_t(uint16_t(V) >> 8));
  }
  ASSERT_EQ(P.Segments.size(), 1u);
  EXPECT_EQ(P.Segments[0].Data, Want);
  // Every value stays in [min, max], and the generator is not stuck.
  std::set<int> Seen;
  for (int I = 0; I < 300; ++I) {
    int V = int8_t(P.Segments[0].Data[I]);
    EXPECT_GE(V, -3);
    EXPECT_LE(V, 5);
    Seen.insert(V);
  }
  EXPECT_EQ(Seen.size(), 9u);
}

TEST(Assembler, MicroOps) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk(".uops at 0x800\n"
                         "uop dst=1 src=2 wgt=3\n"
                         "uop wgt=9\n"
                         "uop\n"
                         "finish\n",
                         C);
  EXPECT_EQ(P.UopBase, 0x800u);
  ASSERT_EQ(P.Uops.size(), 3u);
  EXPECT_EQ(P.Uops[0], (MicroOp{1, 2, 3}));
  EXPECT_EQ(P.Uops[1], (MicroOp{0, 0, 9}));
  EXPECT_EQ(P.Uops[2], (MicroOp{0, 0, 0}));
  EXPECT_EQ(P.DramBytes, 4096u); // 0x800 + 12 bytes, rounded up to a page
}

TEST(Assembler, IOBindingsAndMeta) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk(".segment x at 0x1000\n"
                         ".zero 64\n"
                         ".input x int8 4x16 at x\n"
                         ".input \"odd name:0\" float32 scalar at 0x2000 layout=\"NCHW16c, tiled\"\n"
                         ".output y int32 2x3x4 at 0x3000 layout=NCHWc\n"
                         ".meta source \"a \\\"quoted\\\" \\\\ value\\n\\x01\"\n"
                         ".meta \"key with spaces\" plain\n"
                         "finish\n",
                         C);
  ASSERT_EQ(P.IO.size(), 3u);
  EXPECT_EQ(P.IO[0], (TensorBinding{"x", true, "int8", {4, 16}, 0x1000, "row-major"}));
  EXPECT_EQ(P.IO[1], (TensorBinding{"odd name:0", true, "float32", {}, 0x2000, "NCHW16c, tiled"}));
  EXPECT_EQ(P.IO[2], (TensorBinding{"y", false, "int32", {2, 3, 4}, 0x3000, "NCHWc"}));
  ASSERT_EQ(P.Meta.size(), 2u);
  EXPECT_EQ(P.Meta[0].first, "source");
  EXPECT_EQ(P.Meta[0].second, "a \"quoted\" \\ value\n\x01");
  EXPECT_EQ(P.Meta[1].first, "key with spaces");
  EXPECT_EQ(P.Meta[1].second, "plain");
  // Default DRAM: the end of the highest binding (0x3000 + 96 bytes) rounded up to 4 KiB.
  EXPECT_EQ(P.DramBytes, 0x4000u);
}

TEST(Assembler, DramAndConfigHash) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk(".config_hash " + C.Hash + "\n.dram 0x10000\nfinish\n", C);
  EXPECT_EQ(P.DramBytes, 0x10000u);
  // The 16-digit short hash that reports print is accepted too.
  assembleOk(".config_hash " + C.shortHash() + "\nfinish\n", C);
}

TEST(Assembler, FormatInstructionPrintsSetFieldsOnly) {
  HardwareConfig C = loadConfig("default");
  IsaLayout L(C);
  Program P = assembleOk("load.inp y=2 x=4 stride=8 pad_left=2 sram=3 dram=0x40 push_next\n"
                         "alu.max use_imm uop_end=1 loop_out=1 loop_in=1 imm=-1\n"
                         "finish\n",
                         C);
  EXPECT_EQ(formatInstruction(L, P.Insns[0]),
            "load.inp push_next sram=3 dram=0x40 y=2 x=4 stride=8 pad_left=2");
  EXPECT_EQ(formatInstruction(L, P.Insns[1]), "alu.max use_imm uop_end=1 loop_out=1 loop_in=1 imm=-1");
  EXPECT_EQ(formatInstruction(L, P.Insns[2]), "finish");
}

TEST(Disassembler, PrintsEverySection) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk(".segment w at 0x40\n"
                         ".random int8 40 seed=3\n"
                         ".uops at 0x100\n"
                         "uop dst=1 src=2 wgt=3\n"
                         ".input w int8 40 at w\n"
                         ".meta example \"x\"\n"
                         "load.uop dram=uops y=1 x=1\n"
                         "finish\n",
                         C);
  std::string Text = disassemble(P);
  for (std::string Want :
       {".config_hash " + C.Hash, std::string(".dram 0x1000"), std::string(".segment w at 0x40"),
        std::string(".uops at 0x100"), std::string("uop dst=1 src=2 wgt=3"),
        std::string(".input w int8 40 at 0x40"), std::string(".meta example \"x\""),
        std::string("load.uop dram=0x100 y=1 x=1"), std::string("; #1")})
    EXPECT_NE(Text.find(Want), std::string::npos) << "missing '" << Want << "' in:\n" << Text;
  EXPECT_NE(Text.find("'default'"), std::string::npos) << Text;
  // 40 bytes: one full .hex line of 32 bytes and one of 8.
  size_t First = Text.find(".hex ");
  ASSERT_NE(First, std::string::npos);
  EXPECT_EQ(Text.find('\n', First) - First, 5u + 64u);
}

TEST(Assembler, NodeProvenance) {
  HardwareConfig C = loadConfig("default");
  Program P = assembleOk("load.inp y=1 x=1\n"
                         ".node \"conv1/Conv\"\n"
                         "load.wgt y=1 x=1\n"
                         "load.wgt y=1 x=1\n"
                         ".node relu\n"
                         "load.inp y=1 x=1\n"
                         ".node \"conv1/Conv\"\n"
                         "load.inp y=1 x=1\n"
                         ".node\n"
                         "finish\n",
                         C);
  ASSERT_EQ(P.NodeNames, (std::vector<std::string>{"conv1/Conv", "relu"}));
  const uint32_t None = Program::NoNode;
  EXPECT_EQ(P.InsnNode, (std::vector<uint32_t>{None, 0, 0, 1, 0, None}));
  EXPECT_EQ(P.nodeOf(0), "");
  EXPECT_EQ(P.nodeOf(3), "relu");
  // The disassembly marks each change of node, and assembles back to the same tags.
  std::string Text = disassemble(P);
  EXPECT_NE(Text.find(".node \"conv1/Conv\"\nload.wgt"), std::string::npos) << Text;
  EXPECT_NE(Text.find(".node \"relu\"\nload.inp"), std::string::npos) << Text;
  EXPECT_NE(Text.find(".node\nfinish"), std::string::npos) << Text;
  Program Q = assembleOk(Text, C);
  EXPECT_EQ(Q.NodeNames, P.NodeNames);
  EXPECT_EQ(Q.InsnNode, P.InsnNode);
  // Without .node there is no provenance at all.
  Program Plain = assembleOk("finish\n", C);
  EXPECT_TRUE(Plain.NodeNames.empty());
  EXPECT_TRUE(Plain.InsnNode.empty());
}

} // namespace
