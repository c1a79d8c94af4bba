// Runs Yosys on the processing element and the ALU lane of hw/rtl for one config and caches the figures (keyed
// by the config's hash and the two sources').
#include "npu/hw/Area.h"

#include "npu/isa/Generators.h"
#include "npu/support/InstallLayout.h"
#include "npu/support/Json.h"
#include "npu/support/Sha256.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace npu::hw {

namespace {

std::string defaultCacheDir() {
  if (const char *X = std::getenv("XDG_CACHE_HOME"); X && *X)
    return std::string(X) + "/npu/area";
  if (const char *H = std::getenv("HOME"); H && *H)
    return std::string(H) + "/.cache/npu/area";
  return (fs::temp_directory_path() / "npu-area").string();
}

std::string readFile(const fs::path &P) {
  std::ifstream In(P);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

/// The number after Label on its line of Yosys's `stat` output (0 when absent).
uint64_t statValue(const std::string &Stat, const std::string &Label) {
  const size_t At = Stat.rfind(Label);
  if (At == std::string::npos)
    return 0;
  return std::strtoull(Stat.c_str() + At + Label.size(), nullptr, 10);
}

/// The names the package declares (`localparam longint NAME = ...;`).
std::vector<std::string> packageNames(const std::string &Pkg) {
  std::vector<std::string> Names;
  const std::regex Decl(R"(localparam\s+longint\s+(\w+))");
  for (auto It = std::sregex_iterator(Pkg.begin(), Pkg.end(), Decl); It != std::sregex_iterator(); ++It)
    Names.push_back((*It)[1]);
  return Names;
}

// Yosys 0.23 reads packages but not `import`: the copy it synthesizes names every package value qualified
// (npu_isa_pkg::CFG_...), and the package is read first. The RTL itself keeps lowRISC's header import.
std::string qualifyImports(std::string Src, const std::vector<std::string> &Names) {
  const std::regex Import(R"(\bimport\s+npu_isa_pkg::\*\s*;)");
  if (!std::regex_search(Src, Import))
    return Src; // already names the package's values qualified
  Src = std::regex_replace(Src, Import, "");
  for (const std::string &N : Names)
    Src = std::regex_replace(Src, std::regex("\\b" + N + "\\b"), "npu_isa_pkg::" + N);
  return Src;
}

Expected<CellArea> synthesize(const std::string &Module, const fs::path &Pkg, const fs::path &Source,
                              const fs::path &Work, const std::string &Yosys) {
  const fs::path Stat = Work / (Module + ".stat"), Log = Work / (Module + ".log");
  const fs::path Copy = Work / Source.filename();
  if (!fs::exists(Source))
    return makeError("no RTL source ", Source.string());
  std::ofstream(Copy) << qualifyImports(readFile(Source), packageNames(readFile(Pkg)));
  const std::string Script = "read_verilog -sv " + Pkg.string() + " " + Copy.string() + "; synth -top " +
                             Module + "; tee -q -o " + Stat.string() + " stat -tech cmos";
  const std::string Cmd = Yosys + " -q -p \"" + Script + "\" > " + Log.string() + " 2>&1";
  if (std::system(Cmd.c_str()) != 0 || !fs::exists(Stat))
    return makeError("yosys failed on ", Source.string(), " (is Debian's yosys installed?): ",
                     readFile(Log).substr(0, 2000));
  const std::string S = readFile(Stat);
  CellArea A{Module, statValue(S, "Number of cells:"), statValue(S, "Estimated number of transistors:")};
  if (A.Cells == 0)
    return makeError("no cells in Yosys's statistics of ", Module, " (", Stat.string(), ")");
  return A;
}

std::string cacheText(const AreaReport &R) {
  std::ostringstream OS;
  OS << "pe " << R.Pe.Cells << " " << R.Pe.Transistors << "\nlane " << R.AluLane.Cells << " "
     << R.AluLane.Transistors << "\n";
  return OS.str();
}

bool readCache(const fs::path &File, AreaReport &R) {
  std::ifstream In(File);
  std::string Pe, Lane;
  if (!(In >> Pe >> R.Pe.Cells >> R.Pe.Transistors >> Lane >> R.AluLane.Cells >> R.AluLane.Transistors))
    return false;
  return Pe == "pe" && Lane == "lane" && R.Pe.Cells && R.AluLane.Cells;
}

} // namespace

uint64_t AreaReport::sramBits() const {
  uint64_t Sum = 0;
  for (const auto &[Name, Bits] : SramBits)
    Sum += Bits;
  return Sum;
}

std::string AreaReport::summary() const {
  std::ostringstream OS;
  OS << "area of '" << ConfigName << "' (hash " << ConfigHash.substr(0, 16) << ")"
     << (FromCache ? ", from the cache" : "") << ": Yosys generic gates, `stat -tech cmos` transistors\n";
  auto Row = [&](const std::string &What, uint64_t N, const CellArea &A) {
    OS << "  " << What << ": " << N << " x " << A.Cells << " cells, " << A.Transistors << " transistors each = "
       << N * A.Transistors << " transistors\n";
  };
  Row("GEMM processing elements (npu_gemm_pe)", PeCount, Pe);
  Row("ALU lanes (npu_alu_lane)", LaneCount, AluLane);
  OS << "  datapath total: " << datapathTransistors() << " transistors\n  SRAM:";
  for (const auto &[Name, Bits] : SramBits)
    OS << " " << Name << " " << Bits << " bits,";
  OS << " total " << sramBits() << " bits (" << sramBits() / 8 / 1024 << " KiB)\n";
  return OS.str();
}

std::string AreaReport::toJson() const {
  auto Cell = [](const CellArea &A) {
    return Json{{"module", A.Module}, {"cells", A.Cells}, {"transistors", A.Transistors}};
  };
  Json Sram = Json::object();
  for (const auto &[Name, Bits] : SramBits)
    Sram[Name] = Bits;
  return jsonText({{"config", ConfigName},
                   {"config_hash", ConfigHash},
                   {"pe", Cell(Pe)},
                   {"pe_count", PeCount},
                   {"alu_lane", Cell(AluLane)},
                   {"alu_lanes", LaneCount},
                   {"datapath_transistors", datapathTransistors()},
                   {"sram_bits", std::move(Sram)},
                   {"sram_bits_total", sramBits()}});
}

Expected<AreaReport> estimateArea(const HardwareConfig &C, const AreaOptions &O) {
  AreaReport R;
  R.ConfigName = C.Name;
  R.ConfigHash = C.Hash;
  R.PeCount = C.Batch * C.BlockOut;
  R.LaneCount = C.AluLanes;
  const DerivedConfig &D = C.D;
  R.SramBits = {{"uop", D.UopDepth * D.UopRowBytes * 8},
                {"inp", D.InputDepth * D.InputRowBytes * 8},
                {"wgt", D.WeightDepth * D.WeightRowBytes * 8},
                {"acc", D.AccDepth * D.AccRowBytes * 8},
                {"out", D.OutputDepth * D.OutputRowBytes * 8},
                // One table shared by every ALU lane (each lane has its own mux into it, in its cells).
                {"lut", D.LutDepth * D.LutRowBytes * 8}};
  const fs::path Rtl = !O.RtlDir.empty()           ? fs::path(O.RtlDir)
                       : installedRtlDir().empty() ? fs::path(NPU_HW_RTL_DIR)             // the source tree's
                                                   : fs::path(installedRtlDir()) / "rtl"; // an install's copy
  const fs::path PeSource = Rtl / "npu_gemm_pe.sv", LaneSource = Rtl / "npu_alu_lane.sv";
  // Keyed by the config and the two synthesized sources: a change to either module is synthesized anew.
  const std::string RtlHash =
      sha256Hex(readFile(PeSource) + '\0' + readFile(LaneSource)).substr(0, 16);
  const fs::path Cache = O.CacheDir.empty() ? defaultCacheDir() : O.CacheDir;
  const fs::path CacheFile = Cache / (C.Hash + "-" + RtlHash + ".txt");
  if (O.UseCache && readCache(CacheFile, R)) {
    R.FromCache = true;
    return R;
  }
  std::error_code Ec;
  fs::create_directories(Cache, Ec);
  const fs::path Work = Cache / (C.Hash + ".work");
  fs::create_directories(Work, Ec);
  if (Ec)
    return makeError("cannot create the area cache folder ", Work.string(), ": ", Ec.message());
  const fs::path Pkg = Work / "npu_isa_pkg.sv";
  std::ofstream(Pkg) << isa::generateSvPackage(C);
  auto Pe = synthesize("npu_gemm_pe", Pkg, PeSource, Work, O.Yosys);
  if (!Pe)
    return Pe.error();
  auto Lane = synthesize("npu_alu_lane", Pkg, LaneSource, Work, O.Yosys);
  if (!Lane)
    return Lane.error();
  R.Pe = *Pe;
  R.AluLane = *Lane;
  std::ofstream(CacheFile) << cacheText(R);
  return R;
}

} // namespace npu::hw
