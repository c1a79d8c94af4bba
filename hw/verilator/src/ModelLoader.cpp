// Model libraries: the search path (the build's rtl-models directory, then the user cache), building a
// missing model (plain or traced) into the cache with build-model.sh, and loading it with dlopen once per
// process.
#include "ModelLoader.h"

#include "npu/isa/Generators.h"
#include "npu/support/InstallLayout.h"
#include "npu/support/Sha256.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace npu::rtl {

namespace {

std::string homeDir() {
  if (const char *H = std::getenv("HOME"); H && *H)
    return H;
  if (const passwd *Pw = getpwuid(getuid()); Pw && Pw->pw_dir)
    return Pw->pw_dir;
  return "/tmp";
}

/// Where the RTL sources, the model build script (with its shim) and the prebuilt models are: those of the
/// install the program runs from (cmake --install copies them to PREFIX/share/npu/rtl and
/// PREFIX/lib/npu/rtl-models, cmake/Install.cmake), else the source tree and the build's rtl-models folder.
struct RtlLayout {
  std::string Sources, Harness, Models;
};

const RtlLayout &rtlLayout() {
  static const RtlLayout L = [] {
    if (const std::string Rtl = installedRtlDir(); !Rtl.empty())
      return RtlLayout{Rtl + "/rtl", Rtl + "/verilator", installPrefix() + "/lib/npu/rtl-models"};
    return RtlLayout{NPU_RTL_SOURCE_DIR, NPU_RTL_HARNESS_DIR, NPU_RTL_MODEL_DIR};
  }();
  return L;
}

// The XDG cache folder (tests point it into the build tree), else ~/.cache.
fs::path cacheDir(const HardwareConfig &C) {
  if (const char *X = std::getenv("XDG_CACHE_HOME"); X && *X)
    return fs::path(X) / "npu/rtl" / C.Hash;
  return fs::path(homeDir()) / ".cache/npu/rtl" / C.Hash;
}

/// "" for the plain model, "_vcd" or "_fst" for a traced one: the suffix of its library and its stamp.
std::string variantSuffix(WaveformKind W) {
  return W == WaveformKind::None ? std::string() : std::string("_") + waveformName(W);
}

/// The stamp next to a cached library: the digest of the sources it was built from.
fs::path stampPath(const fs::path &Dir, WaveformKind W) {
  return Dir / ("sources" + variantSuffix(W) + ".sha256");
}

bool readText(const fs::path &P, std::string &Out) {
  std::ifstream In(P, std::ios::binary);
  if (!In)
    return false;
  std::ostringstream OS;
  OS << In.rdbuf();
  Out = OS.str();
  return true;
}

bool writeText(const fs::path &P, const std::string &Text) {
  std::ofstream OS(P, std::ios::binary | std::ios::trunc);
  OS << Text;
  OS.close();
  return bool(OS);
}

/// A digest of everything a model is built from besides the config: the RTL sources, the build script, the
/// shim and its ABI header. A cached model built from other sources is rebuilt.
std::string sourcesDigest() {
  std::vector<fs::path> Files;
  std::error_code Ec;
  for (const auto &E : fs::directory_iterator(rtlLayout().Sources, Ec))
    if (E.path().extension() == ".sv")
      Files.push_back(E.path());
  std::sort(Files.begin(), Files.end());
  for (const char *F : {"build-model.sh", "src/ModelShim.cpp", "src/ModelAbi.h"})
    Files.push_back(fs::path(rtlLayout().Harness) / F);
  std::string All;
  for (const fs::path &F : Files) {
    std::string Text;
    if (!readText(F, Text))
      return "";
    All += F.filename().string() + '\0' + sha256Hex(Text) + '\0';
  }
  return sha256Hex(All);
}

/// Holds an exclusive flock on a file for its lifetime: one process builds a cache entry at a time.
class FileLock {
public:
  explicit FileLock(const fs::path &P) : Fd(::open(P.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (Fd >= 0)
      ::flock(Fd, LOCK_EX);
  }
  ~FileLock() {
    if (Fd >= 0)
      ::close(Fd);
  }
  FileLock(const FileLock &) = delete;
  FileLock &operator=(const FileLock &) = delete;

private:
  int Fd;
};

std::string shellQuote(const std::string &S) {
  std::string Q = "'";
  for (char Ch : S)
    Q += Ch == '\'' ? std::string("'\\''") : std::string(1, Ch);
  return Q + "'";
}

std::string howToBuild(const HardwareConfig &C, WaveformKind W) {
  if (W != WaveformKind::None)
    return std::string("let the harness build it into ") + cacheDir(C).string() +
           " (RtlOptions::BuildMissing; npuc run builds it), or run hw/verilator/build-model.sh --trace " +
           waveformName(W) + " with the package of `npu-isagen sv`";
  // The configs the build makes models of (NPU_RTL_CONFIGS, ','-separated here).
  std::string Built = NPU_RTL_CONFIGS;
  const bool Listed = ("," + Built + ",").find("," + C.Name + ",") != std::string::npos;
  std::replace(Built.begin(), Built.end(), ',', ';');
  return (Listed ? "build the target rtl_models (" + C.Name + " is in NPU_RTL_CONFIGS)"
                 : "configure the build with -DNPU_RTL_CONFIGS=\"" + Built + ";" + C.Name +
                       "\" if it is configs/" + C.Name + ".yaml and build the target rtl_models") +
         ", or let the harness build it into " + cacheDir(C).string() + " (RtlOptions::BuildMissing)";
}

} // namespace

const char *waveformName(WaveformKind W) {
  switch (W) {
  case WaveformKind::None:
    return "none";
  case WaveformKind::Vcd:
    return "vcd";
  case WaveformKind::Fst:
    return "fst";
  }
  return "?";
}

Status checkRtlConfig(const HardwareConfig &C) {
  if (C.FetchLatency == 0)
    return makeError("config '", C.Name,
                     "': the RTL cannot be built with pipeline.fetch 0 (fetch dispatches "
                     "one instruction per cycle at most)");
  if (C.LoadLatency == 0)
    return makeError("config '", C.Name,
                     "': the RTL cannot be built with pipeline.load 0 (a LOAD issues its "
                     "DRAM request at least one cycle after its start)");
  if (C.StoreLatency == 0)
    return makeError("config '", C.Name,
                     "': the RTL cannot be built with pipeline.store 0 (a STORE issues its "
                     "DRAM request at least one cycle after its start)");
  return Status::ok();
}

std::string modelFileName(const HardwareConfig &C, WaveformKind W) {
  return "npu_rtl_" + C.shortHash() + variantSuffix(W) + ".so";
}

std::vector<std::string> modelSearchDirs(const HardwareConfig &C) { return {rtlLayout().Models, cacheDir(C).string()}; }

Expected<std::string> buildModel(const HardwareConfig &C, WaveformKind W) {
  NPU_TRY(checkRtlConfig(C));
  const fs::path Dir = cacheDir(C);
  std::error_code Ec;
  fs::create_directories(Dir, Ec);
  if (Ec)
    return makeError(Dir.string(), ": cannot create the RTL model cache: ", Ec.message());
  FileLock Lock(Dir / ".lock");
  const fs::path Lib = Dir / modelFileName(C, W);
  const std::string Digest = sourcesDigest();
  std::string Built;
  if (fs::exists(Lib) && readText(stampPath(Dir, W), Built) && Built == Digest)
    return Lib.string(); // another process built it while we waited for the lock
  const fs::path Pkg = Dir / "npu_isa_pkg.sv";
  if (!writeText(Pkg, isa::generateSvPackage(C)))
    return makeError(Pkg.string(), ": cannot write the RTL package");
  std::cerr << "npu rtl: building the RTL model of config '" << C.Name << "' (" << C.shortHash() << ")"
            << (W == WaveformKind::None ? "" : std::string(" with ") + waveformName(W) + " tracing")
            << " into " << Dir.string() << "; this takes a few minutes\n";
  const unsigned Jobs = std::max(1u, std::thread::hardware_concurrency());
  const std::string Trace = W == WaveformKind::None ? "" : std::string("--trace ") + waveformName(W) + " ";
  const std::string Cmd = "sh " + shellQuote(rtlLayout().Harness + "/build-model.sh") + " " + Trace +
                          shellQuote(Pkg.string()) + " " + shellQuote(rtlLayout().Sources) + " " +
                          shellQuote(Dir.string()) + " " + shellQuote((Dir / "build").string()) + " " +
                          std::to_string(Jobs) + " 1>&2";
  const int Rc = std::system(Cmd.c_str());
  if (Rc != 0 || !fs::exists(Lib))
    return makeError("building the RTL model of config '", C.Name, "' failed (", Cmd, " exited with ",
                     WIFEXITED(Rc) ? WEXITSTATUS(Rc) : Rc, "); see the messages above");
  if (!writeText(stampPath(Dir, W), Digest))
    return makeError(stampPath(Dir, W).string(), ": cannot write");
  fs::remove_all(Dir / "build", Ec); // the objects are in ccache; the Verilated sources are large
  return Lib.string();
}

Expected<std::string> findModel(const HardwareConfig &C, bool Build, const std::vector<std::string> &Extra,
                                WaveformKind W) {
  NPU_TRY(checkRtlConfig(C));
  const std::string File = modelFileName(C, W);
  std::vector<std::string> Dirs = Extra;
  std::vector<std::string> Builtin = modelSearchDirs(C);
  Dirs.insert(Dirs.end(), Builtin.begin(), Builtin.end());
  const std::string Cache = cacheDir(C).string();
  for (const std::string &D : Dirs) {
    const fs::path P = fs::path(D) / File;
    if (!fs::exists(P))
      continue;
    if (D == Cache) {
      // A cached model is only as fresh as the sources it was built from.
      std::string Built;
      if (!readText(stampPath(D, W), Built) || Built != sourcesDigest())
        break;
    }
    return P.string();
  }
  if (Build)
    return buildModel(C, W);
  std::string Where;
  for (const std::string &D : Dirs)
    Where += "\n  " + D;
  return makeError("no RTL model for config '", C.Name, "' (", File, ") in:", Where, "\nTo build it, ",
                   howToBuild(C, W));
}

Expected<const ModelApi *> loadModel(const HardwareConfig &C, const RtlOptions &O) {
  static std::mutex Mutex;
  static std::map<std::string, std::unique_ptr<ModelApi>> Loaded;
  std::lock_guard<std::mutex> Lock(Mutex);
  const std::string Key = C.Hash + variantSuffix(O.Waveform);
  if (auto It = Loaded.find(Key); It != Loaded.end())
    return It->second.get();
  auto Path = findModel(C, O.BuildMissing, O.ModelDirs, O.Waveform);
  if (!Path)
    return Path.error();
  // RTLD_LOCAL: every model carries its own Verilator runtime; models of several configs coexist.
  void *H = dlopen(Path->c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!H)
    return makeError(*Path, ": cannot load the RTL model: ", dlerror());
  auto Api = std::make_unique<ModelApi>();
  bool Missing = false;
  auto Sym = [&](auto &Fn, const char *Name) {
    Fn = reinterpret_cast<std::remove_reference_t<decltype(Fn)>>(dlsym(H, Name));
    Missing |= Fn == nullptr;
  };
  const NpuRtlInfo *(*Info)() = nullptr;
  Sym(Info, "npu_rtl_info");
  Sym(Api->Create, "npu_rtl_create");
  Sym(Api->Destroy, "npu_rtl_destroy");
  Sym(Api->SetInputs, "npu_rtl_set_inputs");
  Sym(Api->Outputs, "npu_rtl_outputs");
  Sym(Api->WriteData, "npu_rtl_write_data");
  Sym(Api->Grant, "npu_rtl_grant");
  Sym(Api->Clock, "npu_rtl_clock");
  Sym(Api->PerfCounters, "npu_rtl_perf_counters");
  Sym(Api->TraceOpen, "npu_rtl_trace_open");
  Sym(Api->TraceClose, "npu_rtl_trace_close");
  if (Missing) {
    dlclose(H);
    return makeError(*Path, ": not an RTL model library (an npu_rtl_* entry point is missing)");
  }
  Api->Info = Info();
  if (Api->Info->AbiVersion != NPU_RTL_ABI_VERSION) {
    const unsigned V = Api->Info->AbiVersion;
    dlclose(H);
    return makeError(*Path, ": built for harness ABI ", V, ", this harness speaks ", NPU_RTL_ABI_VERSION,
                     "; rebuild it (", howToBuild(C, O.Waveform), ")");
  }
  const unsigned WantTrace = O.Waveform == WaveformKind::Vcd   ? NPU_RTL_TRACE_VCD
                             : O.Waveform == WaveformKind::Fst ? NPU_RTL_TRACE_FST
                                                               : NPU_RTL_TRACE_NONE;
  if (Api->Info->PerfCounters != NPU_RTL_PERF_COUNT || Api->Info->Trace != WantTrace) {
    const unsigned Counters = Api->Info->PerfCounters, Trace = Api->Info->Trace;
    dlclose(H);
    return makeError(*Path, ": has ", Counters, " performance counters and trace kind ", Trace, ", expected ",
                     NPU_RTL_PERF_COUNT, " and ", WantTrace, "; rebuild it (", howToBuild(C, O.Waveform),
                     ")");
  }
  if (C.Hash != Api->Info->ConfigHash) {
    const std::string Other = Api->Info->ConfigName;
    dlclose(H);
    return makeError(*Path, ": built for config '", Other, "', not '", C.Name, "' (", C.shortHash(), ")");
  }
  const ModelApi *Result = Api.get();
  Loaded.emplace(Key, std::move(Api)); // never unloaded: runs may share it for the process's lifetime
  return Result;
}

} // namespace npu::rtl
