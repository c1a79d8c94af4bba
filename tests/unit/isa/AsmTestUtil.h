// Helpers shared by the assembler tests: the bundled configs and assembling with a readable failure.
#pragma once

#include "npu/isa/Assembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace npu::isa::test {

inline HardwareConfig loadConfig(const std::string &Name) {
  auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
  EXPECT_TRUE(C) << C.message();
  return C ? *C : defaultHardwareConfig();
}

/// Every configs/*.yaml, in name order.
inline std::vector<HardwareConfig> bundledConfigs() {
  std::vector<std::filesystem::path> Paths;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/configs"))
    if (E.path().extension() == ".yaml")
      Paths.push_back(E.path());
  std::sort(Paths.begin(), Paths.end());
  std::vector<HardwareConfig> Out;
  for (auto &P : Paths) {
    auto C = loadHardwareConfig(P.string());
    EXPECT_TRUE(C) << C.message();
    if (C)
      Out.push_back(*C);
  }
  return Out;
}

/// The bundled configs plus a narrow-type point, so int4 and int16 field widths are exercised too.
inline std::vector<HardwareConfig> roundTripConfigs() {
  std::vector<HardwareConfig> Out = bundledConfigs();
  auto N = parseHardwareConfig(
      "name: narrow\ndtypes: {input: int4, weight: int4, accumulator: int16, output: int4}\n", "narrow.yaml");
  EXPECT_TRUE(N) << N.message();
  if (N)
    Out.push_back(*N);
  return Out;
}

/// Assembles Text for C, failing the test with the assembler's message if it is rejected.
inline Program assembleOk(const std::string &Text, const HardwareConfig &C) {
  auto P = assemble(Text, C, "t.s");
  EXPECT_TRUE(P) << P.message() << "\n--- source ---\n" << Text;
  return P ? *P : Program{};
}

/// The assembler's error message for Text (empty, and a test failure, if it assembles).
inline std::string assembleError(const std::string &Text, const HardwareConfig &C) {
  auto P = assemble(Text, C, "t.s");
  EXPECT_FALSE(P) << "assembled, but an error was expected:\n" << Text;
  return P ? std::string() : P.message();
}

} // namespace npu::isa::test
