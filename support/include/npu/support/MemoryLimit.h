// The memory bound of one command (--max-memory): the most bytes it may allocate for one tensor, DRAM image,
// data segment or set of live interpreter values; inputs that need more are refused before allocating.
#pragma once

#include "npu/support/Status.h"

#include <cstdint>
#include <string>

namespace npu {

struct MemoryLimit {
  /// Without --max-memory: 2 GiB, so a hostile or corrupt shape, initializer or DRAM size is an error, not
  /// an exhausted machine (docs/cli.md).
  static constexpr uint64_t DefaultBytes = uint64_t(2) << 30;
  uint64_t Bytes = DefaultBytes;

  /// Count values of ElemBytes bytes each: ok when they fit (no overflow, count not negative), else an error
  /// "What needs N bytes, above the memory limit of L (--max-memory)".
  Status check(int64_t Count, uint64_t ElemBytes, const std::string &What) const {
    if (Count >= 0 && (ElemBytes == 0 || uint64_t(Count) <= Bytes / ElemBytes))
      return Status::ok();
    std::string Need = Count < 0 ? std::string("more elements than int64 counts")
                       : uint64_t(Count) > UINT64_MAX / ElemBytes
                           ? std::string("more than 2^64 bytes")
                           : std::to_string(uint64_t(Count) * ElemBytes) + " bytes";
    return makeError(What, " needs ", Need, ", above the memory limit of ", formatBytes(Bytes), " (--max-memory)");
  }

  /// "2 GiB", "16 MiB", "1000 bytes": whole units where they divide evenly.
  static std::string formatBytes(uint64_t B) {
    for (auto [Shift, Unit] : {std::pair{40, "TiB"}, std::pair{30, "GiB"}, std::pair{20, "MiB"}, std::pair{10, "KiB"}})
      if (B >= (uint64_t(1) << Shift) && B % (uint64_t(1) << Shift) == 0)
        return std::to_string(B >> Shift) + " " + Unit;
    return std::to_string(B) + " bytes";
  }
};

} // namespace npu
