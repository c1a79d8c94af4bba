// The config the fuzz targets compile for and the invariant check they share.
#include "FuzzTarget.h"

#include <cstdio>
#include <cstdlib>

namespace npu::fuzz {

const HardwareConfig &fuzzConfig() {
  static const HardwareConfig C = [] {
    auto Loaded = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/default.yaml");
    if (!Loaded)
      invariantFailed("the bundled config does not load: " + Loaded.message());
    return *Loaded;
  }();
  return C;
}

int note(const char *Stage, const std::string &Why) {
  static const bool Verbose = std::getenv("NPU_FUZZ_VERBOSE") != nullptr;
  if (Verbose)
    std::fprintf(stderr, "  stopped at %s: %s\n", Stage, Why.c_str());
  return 0;
}

void invariantFailed(const std::string &Message) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n", Message.c_str());
  std::abort();
}

} // namespace npu::fuzz
