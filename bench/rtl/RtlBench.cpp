// RTL speed under Verilator: per program, the simulated cycles, the RTL's wall time and simulated cycles per
// wall second, and the SystemC model's wall time on the same program in the same run, once the RTL is checked
// to leave the functional simulator's final DRAM and to take the SystemC model's cycles (a failed check is
// printed and the exit status is 1). Programs: the NPU segments of the demo CNN (npu-modelgen), mnist-8 and
// light ResNet-50 compiled for default, each timed alone from the DRAM image the model runner gave it. Then
// the time of a fresh Verilator model build of default and edge.
#include "../systemc/Models.h"
#include "BuildTime.h"
#include "DemoCnn.h"

#include "npu/rtl/RtlSim.h"
#include "npu/sim/FuncSim.h"
#include "npu/sim/SystemCSim.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>

#include <unistd.h>

using namespace npu;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point T) { return std::chrono::duration<double>(Clock::now() - T).count(); }

/// One program's figures, or their sum over a model's NPU segments.
struct Measured {
  uint64_t Insns = 0, Cycles = 0;
  double RtlSeconds = 0, ScSeconds = 0; ///< the fastest run of each
  int RtlRuns = 0, ScRuns = 0;
  std::string Failure; ///< a run failed or the RTL disagreed; the wall times then mean nothing
  void add(const Measured &M) {
    Insns += M.Insns, Cycles += M.Cycles, RtlSeconds += M.RtlSeconds, ScSeconds += M.ScSeconds;
    RtlRuns = RtlRuns ? std::min(RtlRuns, M.RtlRuns) : M.RtlRuns;
    ScRuns = ScRuns ? std::min(ScRuns, M.ScRuns) : M.ScRuns;
  }
};

/// Runs Fn (one timed run; false stops) again while its runs so far (Runs of them, the fastest Best seconds,
/// Spent seconds in all) took less than MinSeconds.
void repeatWhileUnder(const std::function<bool(double &)> &Fn, double MinSeconds, double &Best, int &Runs,
                      double Spent) {
  while (Spent < MinSeconds) {
    double S = 0;
    if (!Fn(S))
      return;
    Best = std::min(Best, S);
    Spent += S;
    ++Runs;
  }
}

/// The first byte where two final DRAM images differ, and how many differ, as text.
std::string dramDifference(const std::vector<uint8_t> &Func, const std::vector<uint8_t> &Rtl) {
  if (Func.size() != Rtl.size())
    return "DRAM sizes differ (func " + std::to_string(Func.size()) + ", rtl " + std::to_string(Rtl.size()) +
           ")";
  size_t First = Func.size(), Count = 0;
  for (size_t I = 0; I < Func.size(); ++I)
    if (Func[I] != Rtl[I]) {
      First = std::min(First, I);
      ++Count;
    }
  return "final DRAM differs from func's first at byte " + std::to_string(First) + " (func " +
         std::to_string(Func[First]) + ", rtl " + std::to_string(Rtl[First]) + "), " + std::to_string(Count) +
         " bytes differ";
}

/// The first instruction whose start or end differs between the two runs, as text (empty when none does).
std::string timingDifference(const sim::TimingStats &Rtl, const sim::TimingStats &Sc) {
  for (size_t K = 0; K < std::min(Rtl.Insns.size(), Sc.Insns.size()); ++K) {
    const sim::InsnTiming &R = Rtl.Insns[K], &S = Sc.Insns[K];
    if (R.Start != S.Start || R.End != S.End)
      return "first at instruction " + std::to_string(K) + ": rtl [" + std::to_string(R.Start) + ", " +
             std::to_string(R.End) + "), systemc [" + std::to_string(S.Start) + ", " + std::to_string(S.End) +
             ")";
  }
  return "";
}

/// Runs P from Start on func (the reference), the SystemC model and the RTL; the RTL must leave func's final
/// DRAM and take SystemC's cycles. These runs are the first timed ones; while MinSeconds have not passed
/// for a simulator it runs P again and its fastest run counts.
Measured checkAndTime(const isa::Program &P, const std::vector<uint8_t> &Start, double MinSeconds) {
  const HardwareConfig &C = P.Config;
  Measured M;
  M.Insns = P.Insns.size();
  std::vector<uint8_t> FuncDram = Start;
  if (auto F = sim::FuncSim(C).run(P, FuncDram); !F) {
    M.Failure = "func: " + F.message();
    return M;
  }
  std::optional<sim::TimingStats> Sc, Rtl;
  auto RunSc = [&](double &Seconds) {
    std::vector<uint8_t> Dram = Start;
    const auto T0 = Clock::now();
    auto T = sim::SystemCSim(C).run(P, Dram);
    Seconds = secondsSince(T0);
    if (!T)
      M.Failure = "systemc: " + T.message();
    else if (!Sc)
      Sc = T.takeValue();
    return M.Failure.empty();
  };
  std::vector<uint8_t> RtlDram;
  auto RunRtl = [&](double &Seconds) {
    RtlDram = Start;
    rtl::RtlOptions O;
    O.BuildMissing = false; // built before any timing (main)
    const auto T0 = Clock::now();
    auto T = rtl::RtlSim(C, O).run(P, RtlDram);
    Seconds = secondsSince(T0);
    if (!T)
      M.Failure = "rtl: " + T.message();
    else if (!Rtl)
      Rtl = T.takeValue();
    return M.Failure.empty();
  };
  if (!RunSc(M.ScSeconds))
    return M;
  M.ScRuns = 1;
  if (!RunRtl(M.RtlSeconds))
    return M;
  M.RtlRuns = 1;
  M.Cycles = Sc->TotalCycles;
  if (RtlDram != FuncDram)
    M.Failure = dramDifference(FuncDram, RtlDram);
  else if (Rtl->TotalCycles != Sc->TotalCycles || !timingDifference(*Rtl, *Sc).empty())
    M.Failure = "rtl takes " + std::to_string(Rtl->TotalCycles) + " cycles, systemc " +
                std::to_string(Sc->TotalCycles) + "; instruction timing " + timingDifference(*Rtl, *Sc);
  if (!M.Failure.empty())
    return M;
  repeatWhileUnder(RunSc, MinSeconds, M.ScSeconds, M.ScRuns, M.ScSeconds);
  repeatWhileUnder(RunRtl, MinSeconds, M.RtlSeconds, M.RtlRuns, M.RtlSeconds);
  return M;
}

void printHeader() {
  std::printf("%-16s %-8s %8s %12s %10s %10s %11s %9s %5s  %s\n", "program", "segment", "insns", "sim cycles",
              "rtl s", "Mcycles/s", "systemc s", "sc/rtl", "runs", "check");
}

void printRow(const std::string &Program, const std::string &Segment, const Measured &M) {
  if (!M.Failure.empty()) {
    std::printf("%-16s %-8s %8llu FAILED: %s\n", Program.c_str(), Segment.c_str(),
                static_cast<unsigned long long>(M.Insns), M.Failure.c_str());
    return;
  }
  std::printf("%-16s %-8s %8llu %12llu %10.3f %10.3f %11.4f %9.5f %5d  %s\n", Program.c_str(),
              Segment.c_str(), static_cast<unsigned long long>(M.Insns),
              static_cast<unsigned long long>(M.Cycles), M.RtlSeconds, double(M.Cycles) / M.RtlSeconds / 1e6,
              M.ScSeconds, M.ScSeconds / M.RtlSeconds, M.RtlRuns, "ok");
}

/// Every NPU segment of a compiled model, then their sum; false when a check failed.
bool measureModel(const npubench::CompiledModel &Model, double MinSeconds) {
  Measured Sum;
  bool Ok = true;
  for (const npubench::ModelSegment &S : Model.Segments) {
    const Measured M = checkAndTime(*S.P, S.Dram, MinSeconds / double(Model.Segments.size()));
    printRow(Model.Name, S.Name, M);
    std::fflush(stdout);
    Ok &= M.Failure.empty();
    Sum.add(M);
  }
  if (Model.Segments.size() > 1 && Ok)
    printRow(Model.Name, "total", Sum);
  return Ok;
}

/// A fresh folder with npu-modelgen's demo CNN written into it (removed with the object).
class DemoCnnFolder {
public:
  DemoCnnFolder()
      : Path(fs::temp_directory_path() / ("npu-bench-rtl-demo-" + std::to_string(::getpid()))),
        Written(write(Path)) {}
  ~DemoCnnFolder() {
    std::error_code Ec;
    fs::remove_all(Path, Ec);
  }
  std::string dir() const { return Path.string(); }
  Status status() const { return Written.status(); }

private:
  static Expected<std::string> write(const fs::path &Dir) {
    std::error_code Ec;
    fs::remove_all(Dir, Ec);
    return modelgen::writeDemoCnn(Dir.string(), modelgen::DemoCnnOptions{});
  }
  fs::path Path;
  Expected<std::string> Written;
};

/// Compiles and measures one model (skipped, with the reason, when its test data is absent).
bool benchModel(const std::string &Name, const std::string &Dir, const HardwareConfig &C, double MinSeconds) {
  if (!fs::exists(Dir + "/model.onnx")) {
    std::printf("%-16s skipped: %s/model.onnx is absent (external test data)\n", Name.c_str(), Dir.c_str());
    return true;
  }
  auto Model = npubench::compileBenchModel(Name, Dir, C);
  if (!Model) {
    std::printf("%-16s FAILED: not compiled: %s\n", Name.c_str(), Model.message().c_str());
    return false;
  }
  return measureModel(*Model, MinSeconds);
}

/// The wall time of a fresh model build of each config, printed; false when one failed.
bool benchModelBuilds(const std::vector<HardwareConfig> &Configs) {
  std::printf("\nVerilator model build from scratch (build-model.sh into a temporary folder, ccache off)\n");
  bool Ok = true;
  for (const HardwareConfig &C : Configs) {
    auto B = npubench::timeModelBuild(C);
    if (!B) {
      std::printf("%-8s FAILED: %s\n", C.Name.c_str(), B.message().c_str());
      Ok = false;
      continue;
    }
    std::printf("%-8s %8.1f s with %u C++ jobs, library %.1f MB\n", C.Name.c_str(), B->Seconds, B->Jobs,
                double(B->LibraryBytes) / 1e6);
    std::fflush(stdout);
  }
  return Ok;
}

struct Options {
  double MinSeconds = 1.0;
  bool Builds = true;
  std::set<std::string> Models; ///< empty: all
};

const char *const Usage =
    "usage: bench-rtl [MIN_SECONDS] [--models NAME,...] [--no-build]\n"
    "  MIN_SECONDS  rerun a program while less than this has passed on a simulator (default 1)\n"
    "  --models     demo-cnn, mnist-8, resnet50-light (default: all)\n"
    "  --no-build   skip the Verilator model build times\n";

bool parseArgs(int Argc, char **Argv, Options &O) {
  for (int K = 1; K < Argc; ++K) {
    const std::string Arg = Argv[K];
    if (Arg == "--no-build") {
      O.Builds = false;
    } else if (Arg == "--models" && K + 1 < Argc) {
      std::stringstream SS(Argv[++K]);
      for (std::string Name; std::getline(SS, Name, ',');)
        O.Models.insert(Name);
    } else if (!Arg.empty() && Arg.find_first_not_of("0123456789.") == std::string::npos) {
      O.MinSeconds = std::atof(Arg.c_str());
    } else {
      std::fputs(Usage, stderr);
      return false;
    }
  }
  return true;
}

Expected<HardwareConfig> repoConfig(const std::string &Name) {
  return loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
}

} // namespace

int main(int Argc, char **Argv) {
  Options O;
  if (!parseArgs(Argc, Argv, O))
    return 2;
  auto Default = repoConfig("default"), Edge = repoConfig("edge");
  if (!Default || !Edge) {
    std::fprintf(stderr, "%s\n", (Default ? Edge : Default).message().c_str());
    return 1;
  }
  // The model is loaded (built into the user cache if missing) before anything is timed.
  if (auto M = rtl::findModel(*Default, true); !M) {
    std::fprintf(stderr, "%s\n", M.message().c_str());
    return 1;
  }
  std::printf("RTL (Verilator) speed beside the SystemC model, config default. Each NPU segment runs alone\n"
              "from its input image; the first run checks the RTL (final DRAM = func's, cycles and every\n"
              "instruction's start and end = SystemC's) and counts as a timed run; programs are rerun while\n"
              "under %.1f s per simulator (per model, shared by its segments) and the fastest run is shown.\n"
              "Mcycles/s = simulated cycles / RTL wall; sc/rtl = SystemC wall / RTL wall.\n\n",
              O.MinSeconds);
  printHeader();
  auto Wanted = [&](const std::string &Name) { return O.Models.empty() || O.Models.count(Name); };
  bool Ok = true;
  if (Wanted("demo-cnn")) {
    DemoCnnFolder Demo;
    if (Status S = Demo.status(); !S) {
      std::printf("%-16s FAILED: npu-modelgen: %s\n", "demo-cnn", S.message().c_str());
      Ok = false;
    } else {
      Ok &= benchModel("demo-cnn", Demo.dir(), *Default, O.MinSeconds);
    }
  }
  for (const auto &[Name, Dir] : npubench::benchModels())
    if (Wanted(Name))
      Ok &= benchModel(Name, Dir, *Default, O.MinSeconds);
  if (O.Builds)
    Ok &= benchModelBuilds({*Default, *Edge});
  return Ok ? 0 : 1;
}
