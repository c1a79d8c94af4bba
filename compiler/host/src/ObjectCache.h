// Cache of compiled objects keyed by a hash of the generated IR and the target: in memory and on disk.
#pragma once

#include <optional>
#include <string>

namespace npu::host {

struct CacheLookup {
  std::string Bytes;
  std::string Source; ///< "memory" or "disk"
};

/// Looks Key up in the process's memory cache, then (when Dir is not empty) in Dir/Key.o.
std::optional<CacheLookup> cacheLookup(const std::string &Key, const std::string &Dir, bool UseMemory);
/// Stores Bytes under Key in memory (when UseMemory) and atomically as Dir/Key.o (when Dir is not empty).
void cacheStore(const std::string &Key, const std::string &Bytes, const std::string &Dir, bool UseMemory);

} // namespace npu::host
