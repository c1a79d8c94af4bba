// SHA-256 digest (FIPS 180-4): the project's one SHA-256 (config hashes, container digests, cache keys; why not
// LLVM's: docs/architecture.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace npu {

std::array<uint8_t, 32> sha256(std::string_view Data);
/// Lower-case hex of the whole digest (64 characters).
std::string sha256Hex(std::string_view Data);

} // namespace npu
