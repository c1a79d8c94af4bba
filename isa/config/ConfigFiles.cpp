// Looks up shipped configs by name: the install's share/npu/configs first, then the source tree's configs/.
#include "npu/config/ConfigFiles.h"
#include "npu/support/InstallLayout.h"

#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace npu {

std::vector<std::string> shippedConfigDirs() {
  std::vector<std::string> Dirs;
  std::error_code Ec;
  if (const std::string Data = installedDataDir(); !Data.empty() && fs::is_directory(Data + "/configs", Ec))
    Dirs.push_back(Data + "/configs");
  // NPU_SOURCE_DIR: the checkout this library was built from (isa/CMakeLists.txt).
  if (const std::string Src = std::string(NPU_SOURCE_DIR) + "/configs"; fs::is_directory(Src, Ec))
    Dirs.push_back(Src);
  return Dirs;
}

std::vector<std::string> shippedConfigNames() {
  std::set<std::string> Names;
  for (const std::string &D : shippedConfigDirs()) {
    std::error_code Ec;
    for (const auto &E : fs::directory_iterator(D, Ec))
      if (E.path().extension() == ".yaml" && E.is_regular_file(Ec))
        Names.insert(E.path().stem().string());
  }
  return {Names.begin(), Names.end()};
}

Expected<std::string> resolveConfigPath(const std::string &PathOrName) {
  std::error_code Ec;
  const bool IsPath = PathOrName.find('/') != std::string::npos || PathOrName.ends_with(".yaml") ||
                      (fs::exists(PathOrName, Ec) && !fs::is_directory(PathOrName, Ec));
  if (IsPath || PathOrName.empty())
    return PathOrName;
  const std::vector<std::string> Dirs = shippedConfigDirs();
  for (const std::string &D : Dirs)
    if (fs::path P = fs::path(D) / (PathOrName + ".yaml"); fs::is_regular_file(P, Ec))
      return P.string();
  std::string Known;
  for (const std::string &N : shippedConfigNames())
    Known += (Known.empty() ? "" : ", ") + N;
  std::string Where;
  for (const std::string &D : Dirs)
    Where += (Where.empty() ? "" : ", ") + D;
  return makeError("no config file or shipped config named '", PathOrName,
                   "' (shipped configs: ", Known.empty() ? "none found" : Known, Where.empty() ? "" : " in " + Where,
                   "; give a path to use another file)");
}

} // namespace npu
