// Area and energy against figures computed by hand from configs/tech/45nm.yaml, the technology file's errors,
// and the static operation counts against the functional simulator's on the example programs.
#include "npu/codesign/Tech.h"

#include "npu/isa/Assembler.h"
#include "npu/sim/FuncSim.h"
#include "npu/support/Json.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace npu;
using namespace npu::codesign;

namespace {

const std::string Src = NPU_SOURCE_DIR;

HardwareConfig config(const std::string &Yaml) {
  auto C = parseHardwareConfig(Yaml, "t.yaml");
  EXPECT_TRUE(C) << (C ? "" : C.message());
  return C ? C.takeValue() : defaultHardwareConfig();
}

} // namespace

TEST(Tech, BuiltInEqualsTheFile) {
  auto T = loadTech(Src + "/configs/tech/45nm.yaml");
  ASSERT_TRUE(T) << T.message();
  const TechModel &D = defaultTech();
  EXPECT_EQ(D.Int8MulPj, 0.2);
  EXPECT_EQ(D.Int8AddPj, 0.03);
  EXPECT_EQ(D.Int32AddPj, 0.1);
  EXPECT_EQ(D.Int32MulPj, 3.1);
  EXPECT_EQ(D.DramPj64, 1300);
  EXPECT_EQ(D.SramPj64, T->SramPj64);
  EXPECT_EQ(D.Int32MulUm2, 3495);
  EXPECT_EQ(D.SramBitUm2, T->SramBitUm2);
}

TEST(Tech, SramEnergyInterpolatesLogLog) {
  const TechModel &T = defaultTech();
  EXPECT_DOUBLE_EQ(T.sramPjPerByte(8192), 10.0 / 8);
  EXPECT_DOUBLE_EQ(T.sramPjPerByte(32768), 20.0 / 8);
  EXPECT_NEAR(T.sramPjPerByte(1 << 20), 100.0 / 8, 1e-9);
  // 256 KiB: 20 pJ x 5^(log 8 / log 32) = 20 x 5^0.6 = 52.530 pJ per 64 bits.
  EXPECT_NEAR(T.sramPjPerByte(256 * 1024), 52.5306 / 8, 1e-3);
  // Below the table: the first segment extended (4 KiB: 10 x 2^(-1/2) pJ).
  EXPECT_NEAR(T.sramPjPerByte(4096), 7.0711 / 8, 1e-3);
}

TEST(Tech, EnergyByHand) {
  // Buffers at the table's sizes: uop, input, output 8 KiB (1.25 pJ/B), weight 32 KiB (2.5), acc 1 MiB (12.5).
  HardwareConfig C = config("buffers:\n  uop: 8KiB\n  input: 8KiB\n  weight: 32KiB\n  accumulator: 1MiB\n"
                            "  output: 8KiB\n");
  sim::SimStats S;
  S.GemmUops = 10, S.Macs = 10 * 256, S.AluUops = 2, S.AluLaneOps = 2 * 16;
  S.BytesLoaded[1] = 160, S.BytesLoaded[2] = 512, S.BytesStored[4] = 32;
  EnergyBreakdown E = runEnergy(S, C, defaultTech());
  EXPECT_NEAR(E.Mac, 2560 * (0.2 + 0.1), 1e-9);
  EXPECT_NEAR(E.Alu, 32 * 0.1, 1e-9);
  ASSERT_EQ(E.Buffers.size(), 5u);
  // uop: 12 micro-ops read an 8-byte word each.
  EXPECT_EQ(E.Buffers[0].ReadBytes, 96u);
  EXPECT_NEAR(E.Buffers[0].Pj, 96 * 1.25, 1e-9);
  // inp: 10 rows of 16 B read, 160 B loaded.
  EXPECT_NEAR(E.Buffers[1].Pj, 320 * 1.25, 1e-9);
  // wgt: 10 rows of 256 B read, 512 B loaded.
  EXPECT_NEAR(E.Buffers[2].Pj, 3072 * 2.5, 1e-9);
  // acc: GEMM reads 10 rows and ALU 2 x 2 rows of 64 B; 12 rows written.
  EXPECT_EQ(E.Buffers[3].ReadBytes, 896u);
  EXPECT_EQ(E.Buffers[3].WriteBytes, 768u);
  EXPECT_NEAR(E.Buffers[3].Pj, 1664 * 12.5, 1e-6);
  // out: 32 B stored, 2 rows of 16 B mirrored.
  EXPECT_NEAR(E.Buffers[4].Pj, 64 * 1.25, 1e-9);
  EXPECT_NEAR(E.Dram, 704 * 1300.0 / 8, 1e-6);
  EXPECT_NEAR(E.total(), 768 + 3.2 + 120 + 400 + 7680 + 20800 + 80 + 114400, 1e-6);
  const npu::Json J = npu::Json::parse(E.toJson(defaultTech()));
  EXPECT_EQ(J["total_pj"], 144251.0) << J; // six significant digits
  EXPECT_EQ(J["sram"]["acc"]["read_bytes"], 896) << J;
  EXPECT_EQ(J["sram"]["acc"]["write_bytes"], 768) << J;
}

TEST(Tech, AreaByHand) {
  auto C = loadHardwareConfig(Src + "/configs/default.yaml");
  ASSERT_TRUE(C);
  AreaBreakdown A = configArea(*C, defaultTech());
  EXPECT_NEAR(A.MacArray, 256 * (282 + 137), 1e-9);            // 1x16x16 int8 multipliers, int32 adders
  EXPECT_NEAR(A.AluLanes, 16 * (137 + 3495), 1e-9);            // 16 lanes: int32 adder and multiplier
  const double Bits = (32 + 32 + 256 + 128 + 32) * 1024.0 * 8; // uop, inp, wgt, acc, out
  EXPECT_NEAR(A.Sram, Bits * 0.346 / 0.6, 1e-3);
  EXPECT_NEAR(A.total(), A.MacArray + A.AluLanes + A.Sram, 1e-9);
  // int16 inputs: a 16x8-bit multiplier is the 32-bit one scaled by 128/1024.
  TechModel T = defaultTech();
  EXPECT_NEAR(T.mulUm2(16, 8), 3495 * 128.0 / 1024, 1e-9);
  EXPECT_NEAR(T.mulPj(4, 8), 0.2 * 32 / 64, 1e-12);
  EXPECT_NEAR(T.addPj(16), 0.1 / 2, 1e-12);
}

TEST(Tech, FileErrors) {
  auto Err = [](const std::string &Text) {
    auto T = parseTech(Text, "tech.yaml");
    return T ? std::string() : T.message();
  };
  const std::string Ok = "name: x\nsource: y\n"
                         "energy_pj: {int8_mul: 1, int8_add: 1, int32_add: 1, int32_mul: 1, dram_64bit: 1,\n"
                         "            sram_64bit: {8KiB: 1}}\n"
                         "area_um2: {int8_mul: 1, int8_add: 1, int32_add: 1, int32_mul: 1, sram_bit: 1,\n"
                         "           sram_array_efficiency: 1, transistor: 1}\n";
  EXPECT_EQ(Err(Ok), "");
  EXPECT_EQ(Err("name: x\nsource: y\narea_um2: {}\n"), "tech.yaml: energy_pj: missing");
  std::string Bad = Ok;
  Bad.replace(Bad.find("int8_add: 1"), 11, "int8_add: -1");
  EXPECT_EQ(Err(Bad), "tech.yaml:3:36: energy_pj.int8_add: expected a positive number");
  std::string Unknown = Ok;
  Unknown.replace(Unknown.find("transistor"), 10, "transistr");
  EXPECT_EQ(Err(Unknown), "tech.yaml:6:38: area_um2.transistr: unknown key (configs/tech/45nm.yaml lists them)");
}

TEST(Tech, StaticCountsEqualTheFunctionalSimulator) {
  int Programs = 0;
  for (const char *Cfg : {"default", "edge", "wide"}) {
    auto C = loadHardwareConfig(Src + "/configs/" + Cfg + ".yaml");
    ASSERT_TRUE(C);
    for (auto &E : std::filesystem::directory_iterator(Src + "/examples/asm")) {
      auto P = isa::assembleFile(E.path().string(), *C);
      if (!P)
        continue; // an example written for another config
      auto Dram = P->dramImage();
      ASSERT_TRUE(Dram) << Dram.message();
      auto Run = sim::FuncSim(*C).run(*P, *Dram);
      if (!Run)
        continue; // an example whose DRAM layout assumes another config's row sizes
      sim::SimStats Static = staticCounts({&*P});
      Static.PaddingRowsWritten = Run->PaddingRowsWritten; // not counted statically
      std::copy(std::begin(Run->TokensPushed), std::end(Run->TokensPushed), std::begin(Static.TokensPushed));
      EXPECT_EQ(Static, *Run) << E.path() << " on " << Cfg << ":\n" << Static.toJson(*C) << "\n" << Run->toJson(*C);
      ++Programs;
    }
  }
  EXPECT_GE(Programs, 4);
}

TEST(Tech, AddJsonMember) {
  EXPECT_EQ(addJsonMember("{\n  \"a\": 1\n}", "e", "{}"), "{\n  \"a\": 1,\n  \"e\": {}\n}\n");
  EXPECT_EQ(addJsonMember("{}", "e", "2"), "{\n  \"e\": 2\n}\n");
  EXPECT_EQ(addJsonMember("{\"b\":[1,2],\"a\":0.5}", "e", "\"x\""),
            "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": 0.5,\n  \"e\": \"x\"\n}\n"); // order kept
  EXPECT_EQ(addJsonMember("[1]", "e", "2"), "[1]");                                    // no object: unchanged
  EXPECT_EQ(addJsonMember("{}", "e", "{"), "{}");                                      // no JSON value: unchanged
}
