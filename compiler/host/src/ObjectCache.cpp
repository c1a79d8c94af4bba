// Object cache: a process-wide map guarded by a mutex, and files written under a temporary name then renamed.
#include "ObjectCache.h"
#include "npu/host/HostModel.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace npu::host {

namespace fs = std::filesystem;

namespace {

std::mutex CacheMutex;
std::unordered_map<std::string, std::string> &memoryCache() {
  static std::unordered_map<std::string, std::string> C;
  return C;
}
std::atomic<int64_t> MemoryHits{0}, DiskHits{0}, Misses{0}, Stores{0};

} // namespace

CacheCounters cacheCounters() { return {MemoryHits.load(), DiskHits.load(), Misses.load(), Stores.load()}; }

std::string defaultCacheDir() {
  if (const char *X = std::getenv("XDG_CACHE_HOME"); X && *X)
    return (fs::path(X) / "npu" / "host-jit").string();
  if (const char *H = std::getenv("HOME"); H && *H)
    return (fs::path(H) / ".cache" / "npu" / "host-jit").string();
  return (fs::temp_directory_path() / "npu-host-jit").string();
}

std::optional<CacheLookup> cacheLookup(const std::string &Key, const std::string &Dir, bool UseMemory) {
  if (UseMemory) {
    std::lock_guard<std::mutex> L(CacheMutex);
    auto It = memoryCache().find(Key);
    if (It != memoryCache().end()) {
      ++MemoryHits;
      return CacheLookup{It->second, "memory"};
    }
  }
  if (!Dir.empty()) {
    std::ifstream In(fs::path(Dir) / (Key + ".o"), std::ios::binary);
    if (In) {
      std::ostringstream SS;
      SS << In.rdbuf();
      std::string Bytes = SS.str();
      if (!Bytes.empty()) {
        ++DiskHits;
        if (UseMemory) {
          std::lock_guard<std::mutex> L(CacheMutex);
          memoryCache()[Key] = Bytes;
        }
        return CacheLookup{std::move(Bytes), "disk"};
      }
    }
  }
  ++Misses;
  return std::nullopt;
}

void cacheStore(const std::string &Key, const std::string &Bytes, const std::string &Dir, bool UseMemory) {
  if (UseMemory) {
    std::lock_guard<std::mutex> L(CacheMutex);
    memoryCache()[Key] = Bytes;
  }
  if (Dir.empty())
    return;
  std::error_code EC;
  fs::create_directories(Dir, EC);
  std::ostringstream Tmp;
  Tmp << Key << ".tmp." << ::getpid() << "." << std::hash<std::thread::id>()(std::this_thread::get_id());
  fs::path TmpPath = fs::path(Dir) / Tmp.str();
  {
    std::ofstream Out(TmpPath, std::ios::binary);
    if (!Out)
      return; // an unwritable cache only costs a recompile next time
    Out.write(Bytes.data(), static_cast<std::streamsize>(Bytes.size()));
    if (!Out)
      return;
  }
  fs::rename(TmpPath, fs::path(Dir) / (Key + ".o"), EC);
  if (EC)
    fs::remove(TmpPath, EC);
  else
    ++Stores;
}

} // namespace npu::host
