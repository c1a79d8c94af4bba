// Finds the install prefix of the running executable from /proc/self/exe: relocatable, no path baked in at
// build time (cmake --install --prefix chooses it after the build).
#include "npu/support/InstallLayout.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace npu {

std::string installPrefix() {
  std::error_code Ec;
  const fs::path Exe = fs::canonical("/proc/self/exe", Ec);
  if (Ec)
    return "";
  const fs::path Bin = Exe.parent_path();
  const fs::path Prefix = Bin.parent_path();
  if (Bin.filename() != "bin" || !fs::is_directory(Prefix / "share/npu", Ec))
    return "";
  return Prefix.string();
}

std::string installedDataDir() {
  const std::string Prefix = installPrefix();
  return Prefix.empty() ? "" : (fs::path(Prefix) / "share/npu").string();
}

std::string installedRtlDir() {
  const std::string Data = installedDataDir();
  std::error_code Ec;
  return !Data.empty() && fs::is_directory(Data + "/rtl/rtl", Ec) ? Data + "/rtl" : "";
}

} // namespace npu
