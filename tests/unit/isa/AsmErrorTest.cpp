// Assembler errors: each names the file and line and says what is wrong; nothing is silently truncated.
#include "AsmTestUtil.h"

#include <gtest/gtest.h>

using namespace npu;
using namespace npu::isa;
using namespace npu::isa::test;

namespace {

/// Expects Text to fail at Line with a message containing Want.
void expectError(const std::string &Text, unsigned Line, const std::string &Want) {
  HardwareConfig C = loadConfig("default");
  std::string Msg = assembleError(Text, C);
  std::string Prefix = "t.s:" + std::to_string(Line) + ": ";
  EXPECT_EQ(Msg.rfind(Prefix, 0), 0u) << "expected the error at line " << Line << ", got: " << Msg;
  EXPECT_NE(Msg.find(Want), std::string::npos) << "expected '" << Want << "' in: " << Msg;
}

TEST(AsmErrors, UnknownMnemonic) {
  expectError("finish\nlod.inp y=1 x=1\nfinish\n", 2, "unknown mnemonic 'lod.inp'");
  expectError("load.foo y=1 x=1\nfinish\n", 1, "unknown mnemonic 'load.foo'");
  expectError("load y=1 x=1\nfinish\n", 1, "'load' needs a mem suffix: load.{uop|inp|wgt|acc|out|lut}");
  expectError("finish.now\n", 1, "'finish' takes no suffix");
}

TEST(AsmErrors, UnknownOrMisplacedField) {
  expectError("\nload.inp foo=3\nfinish\n", 2, "load.inp: unknown field 'foo'");
  expectError("gemm sram=1\nfinish\n", 1, "gemm: field 'sram' does not belong to gemm");
  expectError("load.inp y=1 x=1 y=2\nfinish\n", 1, "load.inp: duplicate field 'y'");
  expectError("load.inp mem=1\nfinish\n", 1, "'mem' is written as the mnemonic suffix");
  expectError("load.inp opcode=1\nfinish\n", 1, "'opcode' is given by the mnemonic");
  expectError("load.inp push_next=1\nfinish\n", 1, "flag 'push_next' is written as a bare word");
  expectError("load.inp sram\nfinish\n", 1, "field 'sram' needs a value (sram=...)");
  expectError(".uops at 0\nuop dst=1 foo=2\n", 2, "uop: unknown field 'foo'");
}

TEST(AsmErrors, ValueTooWideForField) {
  HardwareConfig C = loadConfig("default");
  IsaLayout L(C);
  const FieldLayout *Sram = nullptr;
  for (const FieldLayout *F : L.fieldsOf(Opcode::Load))
    if (std::string(F->Name) == "sram")
      Sram = F;
  ASSERT_NE(Sram, nullptr);
  ASSERT_LT(Sram->maxValue(), 1 << 20);
  expectError("load.inp sram=1048576 y=1 x=1\nfinish\n", 1,
              "load.inp: field 'sram' value 1048576 does not fit its " + std::to_string(Sram->Width) +
                  "-bit field (range 0.." + std::to_string(Sram->maxValue()) + ")");
  expectError("load.inp sram=-1 y=1 x=1\nfinish\n", 1, "field 'sram' value -1 does not fit");
  expectError("alu.add use_imm imm=0x100000000\nfinish\n", 1, "field 'imm' value 4294967296 does not fit");
  expectError("load.inp dram=99999999999999999999\nfinish\n", 1, "does not fit in 64 bits");
  expectError(".uops at 0\nuop dst=1048576\nfinish\n", 2, "uop: field 'dst' value 1048576 does not fit");
}

TEST(AsmErrors, IllegalFlagsAndOperands) {
  expectError("load.inp y=1 x=1 pop_prev\nfinish\n", 1,
              "load on the load queue cannot use pop_prev/push_prev");
  expectError("store.out y=1 x=1 push_next\nfinish\n", 1, "cannot use pop_next/push_next");
  expectError("alu.clip imm=1 imm2=2 uop_end=1\nfinish\n", 1, "alu.clip takes its bounds from imm and imm2");
  expectError("load.out y=1 x=1\nfinish\n", 1, "load cannot target the output buffer");
  expectError("load.inp y=1\nfinish\n", 1, "load: y and x must both be zero");
}

TEST(AsmErrors, MissingFinish) {
  expectError("load.inp y=1 x=1\n\n; trailing comment\n", 1,
              "the program must end with finish (the last instruction is load)");
  expectError("; nothing\n\n", 2, "the program has no instructions");
}

TEST(AsmErrors, OverlappingSegments) {
  expectError(".segment A at 0x10\n.zero 32\n.segment B at 0x20\n.zero 4\nfinish\n", 3,
              "segment 'B' [0x20, 0x24) overlaps segment 'A' [0x10, 0x30) (line 1)");
  expectError(".segment A at 0x10\n.zero 32\n.uops at 0x2c\nuop\nuop\nfinish\n", 3,
              "micro-op table [0x2c, 0x34) overlaps segment 'A'");
  expectError(".dram 0x1000\n.segment A at 0xff0\n.zero 32\nfinish\n", 2, "lies outside DRAM of 4096 bytes");
  expectError(".segment A at 0\n.segment A at 64\nfinish\n", 2, "symbol 'A' is already defined at line 1");
}

TEST(AsmErrors, ConfigHashMismatch) {
  HardwareConfig Edge = loadConfig("edge");
  expectError(".config_hash " + Edge.Hash + "\nfinish\n", 1,
              ".config_hash " + Edge.Hash + " does not match config 'default'");
  expectError(".config_hash abc\nfinish\n", 1, "does not match config 'default'");
}

TEST(AsmErrors, BadRandom) {
  expectError(".segment A at 0\n.random int7 4 seed=1\nfinish\n", 2, ".random: unknown dtype 'int7'");
  expectError(".segment A at 0\n.random float32 4 seed=1\nfinish\n", 2, ".random: unknown dtype 'float32'");
  expectError(".segment A at 0\n.random int8 4\nfinish\n", 2, "seed=S is required");
  expectError(".segment A at 0\n.random int8 4 seed=1 min=5 max=4\nfinish\n", 2, "min 5 is above max 4");
  expectError(".segment A at 0\n.random int4 4 seed=1 max=8\nfinish\n", 2, "max 8 is outside the int4 range");
  expectError(".segment A at 0\n.random int8 4 seed=1 bias=2\nfinish\n", 2, ".random: unexpected 'bias=2'");
}

TEST(AsmErrors, DataAndDirectives) {
  expectError(".i8 1\nfinish\n", 1, ".i8 outside a segment");
  expectError(".segment A at 0\n.i8 128\nfinish\n", 2, ".i8: value 128 is outside the int8 range -128..127");
  expectError(".segment A at 0\n.i4 -9\nfinish\n", 2, "outside the int4 range");
  expectError(".segment A at 0\n.hex abc\nfinish\n", 2, "not an even number of hex digits");
  expectError(".segment A at 0\n.hex zz\nfinish\n", 2, "not an even number of hex digits");
  expectError(".segment A at 0\n.uops at 64\n.i8 1\nfinish\n", 3, ".i8 outside a segment");
  expectError(".bogus 1\nfinish\n", 1, "unknown directive '.bogus'");
  expectError("uop dst=1\n.uops at 0\nfinish\n", 1, "uop line before any '.uops at ADDR'");
  expectError(".uops at 0\n.uops at 8\nfinish\n", 2, ".uops appears twice");
  expectError(".dram 4096\n.dram 8192\nfinish\n", 2, ".dram appears twice");
  expectError(".input x int9 4 at 0\nfinish\n", 1, "unknown dtype 'int9'");
  expectError(".input x int8 4x0 at 0\nfinish\n", 1, "bad dimensions '4x0'");
  expectError(".input x int8 4 at 0\n.output x int8 4 at 0\nfinish\n", 2, "tensor 'x' is already bound");
  expectError(".meta key\nfinish\n", 1, ".meta expects");
  expectError(".meta key \"open\nfinish\n", 1, "unterminated string");
  expectError(".meta key \"\\q\"\nfinish\n", 1, "unknown escape");
  expectError(".node a b\nfinish\n", 1, ".node expects");
  expectError(".node name=a\nfinish\n", 1, ".node expects");
  expectError(".node \"\"\nfinish\n", 1, ".node: the node name is empty");
}

TEST(AsmErrors, Symbols) {
  expectError("load.inp dram=nowhere y=1 x=1\nfinish\n", 1, "undefined symbol 'nowhere'");
  expectError(".equ A B\n.equ B 1\nfinish\n", 1,
              "undefined symbol 'B' (.equ, .segment and .uops may only use");
  expectError(".equ A 1\n.equ A 2\nfinish\n", 2, "symbol 'A' is already defined at line 1");
  expectError(".equ uops 1\nfinish\n", 1, "'uops' is reserved");
  expectError("load.inp dram=1+*2 y=1 x=1\nfinish\n", 1, "is not a number or symbol");
  expectError("load.inp dram=\"str\" y=1 x=1\nfinish\n", 1, "not the string \"str\"");
  expectError("load.inp dram=uops y=1 x=1\nfinish\n", 1, "undefined symbol 'uops'");
}

} // namespace
