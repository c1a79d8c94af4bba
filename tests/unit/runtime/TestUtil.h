// Helpers for the runtime tests: a scratch directory per test and a minimal program with I/O bindings.
#pragma once

#include "npu/isa/Program.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

namespace npu::runtime::test {

/// A fresh directory under the system temp dir, removed when the test ends.
class ScratchDir {
public:
  ScratchDir() {
    const auto *Info = ::testing::UnitTest::GetInstance()->current_test_info();
    Path = std::filesystem::temp_directory_path() / ("npu-runtime-" + std::string(Info->test_suite_name()) +
                                                     "-" + Info->name() + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(Path);
    std::filesystem::create_directories(Path);
  }
  ~ScratchDir() {
    std::error_code Ec;
    std::filesystem::remove_all(Path, Ec);
  }
  std::string file(const std::string &Name) const { return (Path / Name).string(); }
  std::string str() const { return Path.string(); }

private:
  std::filesystem::path Path;
};

inline isa::TensorBinding binding(std::string Name, bool IsInput, std::string DType,
                                  std::vector<int64_t> Shape, uint64_t Address) {
  isa::TensorBinding B;
  B.Name = std::move(Name);
  B.IsInput = IsInput;
  B.DType = std::move(DType);
  B.Shape = std::move(Shape);
  B.Address = Address;
  return B;
}

/// A program that only finishes, with 4 KiB of DRAM, for the default config; tests add bindings.
inline isa::Program finishOnlyProgram(const HardwareConfig &C) {
  isa::Program P;
  P.Config = C;
  isa::Instruction Finish;
  Finish.H.Op = int64_t(isa::Opcode::Finish);
  P.Insns.push_back(Finish);
  P.DramBytes = 4096;
  return P;
}

} // namespace npu::runtime::test
