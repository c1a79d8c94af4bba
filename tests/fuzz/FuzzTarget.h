// Shared pieces of the fuzz targets: the libFuzzer entry point each defines and the config they compile for.
#pragma once

#include "npu/config/HardwareConfig.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// Runs one input. Every error of the code under test must come back as a Status; a crash, an abort, a hang or
/// a sanitizer report is a finding. Always returns 0 (libFuzzer's convention).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size);

namespace npu::fuzz {

/// configs/default.yaml (the examples' and the seeds' config), loaded once.
const HardwareConfig &fuzzConfig();

inline std::string_view asText(const uint8_t *Data, size_t Size) {
  return std::string_view(reinterpret_cast<const char *>(Data), Size);
}

inline std::vector<uint8_t> asBytes(const uint8_t *Data, size_t Size) {
  return std::vector<uint8_t>(Data, Data + Size);
}

/// With NPU_FUZZ_VERBOSE set in the environment, prints how far an input got (Stage) and why it stopped
/// there: for checking that the seeds reach the code under test. Returns 0 for `return note(...)`.
int note(const char *Stage, const std::string &Why);

/// Aborts with Message: for a broken invariant of the code under test (a round trip that does not hold),
/// which the fuzzer then reports as a crash.
[[noreturn]] void invariantFailed(const std::string &Message);

} // namespace npu::fuzz
