// SystemC model speed: simulated cycles per wall second and wall time beside the functional simulator's on
// the same program (the example programs and large synthetic ones), checking that both leave the same DRAM.
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

/// Runs Fn repeatedly for at least MinSeconds (at least 3 times); returns the fastest run's seconds, the
/// figure least disturbed by other work on a shared machine.
double timeIt(const std::function<bool()> &Fn, double MinSeconds) {
  using Clock = std::chrono::steady_clock;
  const auto Begin = Clock::now();
  double Best = 1e30;
  for (int Runs = 0; Runs < 3 || std::chrono::duration<double>(Clock::now() - Begin).count() < MinSeconds;
       ++Runs) {
    const auto Start = Clock::now();
    if (!Fn())
      return -1;
    Best = std::min(Best, std::chrono::duration<double>(Clock::now() - Start).count());
  }
  return Best;
}

void measure(const std::string &Name, const isa::Program &P, double MinSeconds) {
  const HardwareConfig &C = P.Config;
  auto Image = P.dramImage();
  if (!Image) {
    std::printf("%-22s %-8s error: %s\n", Name.c_str(), C.Name.c_str(), Image.message().c_str());
    return;
  }
  std::vector<uint8_t> FuncDram, ScDram;
  sim::SimStats Counts;
  std::string Error;
  const double Func = timeIt(
      [&] {
        FuncDram = *Image;
        auto S = sim::FuncSim(C).run(P, FuncDram);
        if (!S)
          Error = S.message();
        return S.isOk();
      },
      MinSeconds);
  uint64_t Cycles = 0;
  double Util = 0;
  const double Sc = timeIt(
      [&] {
        ScDram = *Image;
        auto T = sim::SystemCSim(C).run(P, ScDram);
        if (!T) {
          Error = T.message();
          return false;
        }
        Cycles = T->TotalCycles;
        Util = T->macUtilization(C);
        return true;
      },
      MinSeconds);
  if (Func < 0 || Sc < 0) {
    std::printf("%-22s %-8s error: %s\n", Name.c_str(), C.Name.c_str(), Error.c_str());
    return;
  }
  std::printf("%-22s %-8s %8zu %13llu %6.1f%% %11.3f %10.2f %11.3f %8.2fx  %s\n", Name.c_str(),
              C.Name.c_str(), P.Insns.size(), static_cast<unsigned long long>(Cycles), 100 * Util, Sc * 1e3,
              Cycles / Sc / 1e6, Func * 1e3, Sc / Func, FuncDram == ScDram ? "identical" : "DIFFERENT");
}

} // namespace

int main(int Argc, char **Argv) {
  const double MinSeconds = Argc > 1 ? std::atof(Argv[1]) : 0.3;
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
    if (E.path().extension() == ".s")
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
    measure("pipelined-matmul", npubench::pipelinedMatmul(C, 2000, 8, 4), MinSeconds);
    measure("pipelined-matmul-k16", npubench::pipelinedMatmul(C, 500, 16, 16), MinSeconds);
    measure("gemm-bound", npubench::gemmBound(C, 200'000'000), MinSeconds);
    measure("dma-bound", npubench::dmaBound(C, 20000), MinSeconds);
    measure("alu-bound", npubench::aluBound(C, 2000), MinSeconds);
  }
  std::printf(
      "\nmnist-8 and ResNet-50 are not measured here: they need programs compiled by the ONNX -> NPU\n"
      "backend, which this bench does not link (it was unfinished when the bench was written). Time\n"
      "`npuc run MODEL.npub --backend systemc` against `--backend func` once `npuc compile` makes them.\n");
  return 0;
}
