// SystemC model speed: simulated cycles per wall second and wall time beside the functional simulator's on
// the same program (the example programs, large synthetic ones and the NPU segments of mnist-8 and light
// ResNet-50 compiled for the default config). Before any timing, each program's SystemC run must leave the
// functional simulator's final DRAM bit for bit; a difference stops the bench.
#include "Check.h"
#include "Models.h"
#include "Programs.h"

#include "npu/isa/Assembler.h"
#include "npu/sim/FuncSim.h"
#include "npu/sim/SystemCSim.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

using namespace npu;

namespace {

/// Runs Fn repeatedly for at least MinSeconds (at least MinRuns times); returns the fastest run's seconds,
/// the figure least disturbed by other work on a shared machine.
double timeIt(const std::function<bool()> &Fn, double MinSeconds, int MinRuns = 3) {
  using Clock = std::chrono::steady_clock;
  const auto Begin = Clock::now();
  double Best = 1e30;
  for (int Runs = 0;
       Runs < MinRuns || std::chrono::duration<double>(Clock::now() - Begin).count() < MinSeconds; ++Runs) {
    const auto Start = Clock::now();
    if (!Fn())
      return -1;
    Best = std::min(Best, std::chrono::duration<double>(Clock::now() - Start).count());
  }
  return Best;
}

/// "" when the SystemC model, run once from Start, leaves the functional simulator's final DRAM bit for bit;
/// else the first difference or the run's error.
std::string differenceFromFunc(const isa::Program &P, const std::vector<uint8_t> &Start) {
  std::vector<uint8_t> ScDram = Start;
  if (auto T = sim::SystemCSim(P.Config).run(P, ScDram); !T)
    return "systemc: " + T.message();
  return npubench::funcDifference(P, Start, ScDram);
}

/// One program's figures (or the sum over a model's NPU segments).
struct Measured {
  uint64_t Insns = 0, Cycles = 0, Macs = 0;
  double ScSeconds = 0, FuncSeconds = 0;
  bool Identical = true;
  std::string Error;
};

/// Times P on both simulators from the image Start; MinRuns runs at least.
Measured measureProgram(const isa::Program &P, const std::vector<uint8_t> &Start, double MinSeconds,
                        int MinRuns) {
  const HardwareConfig &C = P.Config;
  Measured M;
  M.Insns = P.Insns.size();
  std::vector<uint8_t> FuncDram, ScDram;
  M.FuncSeconds = timeIt(
      [&] {
        FuncDram = Start;
        auto S = sim::FuncSim(C).run(P, FuncDram);
        if (!S)
          M.Error = S.message();
        return S.isOk();
      },
      MinSeconds, MinRuns);
  M.ScSeconds = timeIt(
      [&] {
        ScDram = Start;
        auto T = sim::SystemCSim(C).run(P, ScDram);
        if (!T) {
          M.Error = T.message();
          return false;
        }
        M.Cycles = T->TotalCycles;
        M.Macs = T->Counts.Macs;
        return true;
      },
      MinSeconds, MinRuns);
  M.Identical = FuncDram == ScDram;
  return M;
}

void printRow(const std::string &Name, const HardwareConfig &C, const Measured &M) {
  if (!M.Error.empty() || M.FuncSeconds < 0 || M.ScSeconds < 0) {
    std::printf("%-22s %-8s error: %s\n", Name.c_str(), C.Name.c_str(), M.Error.c_str());
    return;
  }
  const double Util =
      double(M.Macs) / (double(C.D.PeakMacsPerCycle) * double(std::max<uint64_t>(1, M.Cycles)));
  std::printf("%-22s %-8s %8llu %13llu %6.1f%% %11.3f %10.2f %11.3f %8.2fx  %s\n", Name.c_str(),
              C.Name.c_str(), static_cast<unsigned long long>(M.Insns),
              static_cast<unsigned long long>(M.Cycles), 100 * Util, M.ScSeconds * 1e3,
              double(M.Cycles) / M.ScSeconds / 1e6, M.FuncSeconds * 1e3, M.ScSeconds / M.FuncSeconds,
              M.Identical ? "identical" : "DIFFERENT");
}

void measure(const std::string &Name, const isa::Program &P, double MinSeconds) {
  auto Image = P.dramImage();
  if (!Image) {
    std::printf("%-22s %-8s error: %s\n", Name.c_str(), P.Config.Name.c_str(), Image.message().c_str());
    return;
  }
  npubench::requireMatch(Name + " on " + P.Config.Name, differenceFromFunc(P, *Image),
                         "final DRAM (" + std::to_string(Image->size()) +
                             " bytes) bit-exact against the functional simulator");
  printRow(Name, P.Config, measureProgram(P, *Image, MinSeconds, 3));
}

/// A compiled model: every NPU segment timed alone from its captured image, the figures summed.
void measureModel(const std::string &Name, const std::string &Dir, const HardwareConfig &C,
                  double MinSeconds) {
  if (!std::filesystem::exists(Dir + "/model.onnx")) {
    std::printf("%-22s %-8s skipped: %s/model.onnx is absent (external test data)\n", Name.c_str(),
                C.Name.c_str(), Dir.c_str());
    return;
  }
  auto Model = npubench::compileBenchModel(Name, Dir, C);
  if (!Model) {
    std::printf("%-22s %-8s error: %s\n", Name.c_str(), C.Name.c_str(), Model.message().c_str());
    return;
  }
  // Every segment checked before any is timed, so no figure of the model precedes a failed check.
  uint64_t Bytes = 0;
  for (const npubench::ModelSegment &S : Model->Segments) {
    if (std::string D = differenceFromFunc(*S.P, S.Dram); !D.empty())
      npubench::checkFailed(Name + " on " + C.Name + ", segment " + S.Name, D);
    Bytes += S.Dram.size();
  }
  npubench::requireMatch(Name + " on " + C.Name, "",
                         std::to_string(Model->Segments.size()) + " NPU segments' final DRAM (" +
                             std::to_string(Bytes) + " bytes) bit-exact against the functional simulator");
  Measured Sum;
  for (const npubench::ModelSegment &S : Model->Segments) {
    Measured M = measureProgram(*S.P, S.Dram, MinSeconds / double(Model->Segments.size()), 1);
    if (!M.Error.empty()) {
      Sum.Error = S.Name + ": " + M.Error;
      break;
    }
    Sum.Insns += M.Insns, Sum.Cycles += M.Cycles, Sum.Macs += M.Macs;
    Sum.ScSeconds += M.ScSeconds, Sum.FuncSeconds += M.FuncSeconds;
    Sum.Identical &= M.Identical;
  }
  printRow(Name, C, Sum);
}

} // namespace

int main(int Argc, char **Argv) {
  // bench-systemc [MIN_SECONDS] [--models|--programs] [--tiny]: time per measurement, which half to run, and
  // synthetic programs 100 times smaller (a smoke run of the checks, not a measurement).
  double MinSeconds = 0.3;
  bool Programs = true, Models = true;
  int64_t Scale = 1;
  for (int K = 1; K < Argc; ++K) {
    const std::string Arg = Argv[K];
    if (Arg == "--models")
      Programs = false;
    else if (Arg == "--programs")
      Models = false;
    else if (Arg == "--tiny")
      Scale = 100;
    else
      MinSeconds = std::atof(Argv[K]);
  }
  std::printf("SystemC model speed (fastest wall time per run; Mcycles/s = simulated cycles / SystemC wall "
              "time)\n\n");
  std::printf("%-22s %-8s %8s %13s %7s %11s %10s %11s %9s  %s\n", "program", "config", "insns", "sim cycles",
              "MACutil", "systemc ms", "Mcycles/s", "func ms", "sc/func", "DRAM vs func");
  std::vector<HardwareConfig> Configs;
  for (const char *Name : {"default", "edge", "large"}) {
    auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
    if (!C) {
      std::fprintf(stderr, "%s\n", C.message().c_str());
      return 1;
    }
    Configs.push_back(*C);
  }
  std::vector<std::filesystem::path> Examples;
  for (auto &E : std::filesystem::directory_iterator(std::string(NPU_SOURCE_DIR) + "/examples/asm"))
    if (Programs && E.path().extension() == ".s")
      Examples.push_back(E.path());
  std::sort(Examples.begin(), Examples.end());
  for (const auto &Path : Examples) {
    auto P = isa::assembleFile(Path.string(), Configs[0]);
    if (!P) {
      std::printf("%s\n", P.message().c_str());
      continue;
    }
    measure(Path.stem().string(), *P, MinSeconds);
  }
  for (const HardwareConfig &C : Configs) {
    if (!Programs)
      break;
    measure("pipelined-matmul", npubench::pipelinedMatmul(C, 2000 / Scale, 8, 4), MinSeconds);
    measure("pipelined-matmul-k16", npubench::pipelinedMatmul(C, 500 / Scale, 16, 16), MinSeconds);
    measure("gemm-bound", npubench::gemmBound(C, 200'000'000 / Scale), MinSeconds);
    measure("dma-bound", npubench::dmaBound(C, 20000 / Scale), MinSeconds);
    measure("alu-bound", npubench::aluBound(C, 2000 / Scale), MinSeconds);
  }
  if (!Models)
    return 0;
  std::printf("\ncompiled models (npu pipeline, calibrated on test_data_set_0; NPU segments only, summed)\n");
  for (const auto &[Name, Dir] : npubench::benchModels())
    measureModel(Name, Dir, Configs[0], MinSeconds);
  return 0;
}
