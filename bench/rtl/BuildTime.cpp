// Timing a fresh Verilator model build (see BuildTime.h).
#include "BuildTime.h"

#include "npu/isa/Generators.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/wait.h>

namespace npubench {

using namespace npu;
namespace fs = std::filesystem;

namespace {

/// A fresh temporary folder, removed with its contents when this goes out of scope.
class TempFolder {
public:
  TempFolder() {
    std::string Template = (fs::temp_directory_path() / "npu-bench-rtl-XXXXXX").string();
    if (::mkdtemp(Template.data()))
      Path = Template;
  }
  ~TempFolder() {
    std::error_code Ec;
    if (!Path.empty())
      fs::remove_all(Path, Ec);
  }
  const fs::path &path() const { return Path; }

private:
  fs::path Path;
};

std::string quoted(const std::string &S) {
  std::string R = "'";
  for (char Ch : S)
    R += Ch == '\'' ? std::string("'\\''") : std::string(1, Ch);
  return R + "'";
}

} // namespace

Expected<ModelBuild> timeModelBuild(const HardwareConfig &C) {
  TempFolder Tmp;
  if (Tmp.path().empty())
    return makeError("cannot create a temporary folder for the model build");
  const fs::path Pkg = Tmp.path() / "npu_isa_pkg.sv";
  std::ofstream(Pkg) << isa::generateSvPackage(C);
  ModelBuild B;
  B.Jobs = std::max(1u, std::thread::hardware_concurrency());
  // ccache off: a build from a warm cache would time only the link.
  const std::string Cmd = "NPU_RTL_NO_CCACHE=1 sh " +
                          quoted(std::string(NPU_SOURCE_DIR) + "/hw/verilator/build-model.sh") + " " +
                          quoted(Pkg.string()) + " " + quoted(std::string(NPU_SOURCE_DIR) + "/hw/rtl") + " " +
                          quoted((Tmp.path() / "out").string()) + " " +
                          quoted((Tmp.path() / "work").string()) + " " + std::to_string(B.Jobs) + " 1>&2";
  const auto Begin = std::chrono::steady_clock::now();
  const int Rc = std::system(Cmd.c_str());
  B.Seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - Begin).count();
  if (Rc != 0)
    return makeError("the model build of config '", C.Name, "' failed (exit ",
                     WIFEXITED(Rc) ? WEXITSTATUS(Rc) : Rc, ")");
  for (const auto &E : fs::directory_iterator(Tmp.path() / "out"))
    if (E.path().extension() == ".so")
      B.LibraryBytes += E.file_size();
  return B;
}

} // namespace npubench
