// npu-host-model-bench: whole-model fp32 latency of the host path against onnxruntime (node binding) on the same
// machine and thread count, plus JIT compile times. Each model's output is first checked against the reference
// interpreter; a mismatch stops the bench before its figures.
#include "Check.h"
#include "RefCheck.h"

#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/host/HostModel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace npu;
namespace fs = std::filesystem;

namespace {

struct Timing {
  double Best = 0, Median = 0;
};

/// Where onnxruntime-node is installed: $NPU_ORT_NODE_MODULES, else the shared ort-oracle's node_modules.
std::string ortNodeModules() {
  return std::getenv("NPU_ORT_NODE_MODULES") ? std::getenv("NPU_ORT_NODE_MODULES")
                                             : std::string(NPU_TESTDATA_DIR) + "/../tools/ort-oracle/node_modules";
}

/// Runs onnxruntime through bench/host/ort_bench.js; empty when node or the package is missing.
std::string runOrt(const std::string &Model, int Threads, int Iters) {
  std::string NodeModules = ortNodeModules();
  if (!fs::exists(fs::path(NodeModules) / "onnxruntime-node"))
    return "";
  std::string Cmd = "NODE_PATH='" + NodeModules + "' node '" + std::string(NPU_SOURCE_DIR) +
                    "/bench/host/ort_bench.js' '" + Model + "' " + std::to_string(Threads) + " " +
                    std::to_string(Iters) + " 2>/dev/null";
  FILE *P = popen(Cmd.c_str(), "r");
  if (!P)
    return "";
  std::string Out;
  char Buf[512];
  while (fgets(Buf, sizeof(Buf), P))
    Out += Buf;
  pclose(P);
  return Out;
}

double field(const std::string &Json, const std::string &Key) {
  size_t At = Json.find("\"" + Key + "\":");
  return At == std::string::npos ? -1 : std::atof(Json.c_str() + At + Key.size() + 3);
}

/// Checks M's output against the reference interpreter once, before the timing (which keeps its own warm-up
/// run; the runs compute the same values), then returns the times of Iters runs in ms, sorted.
std::vector<double> checkAndTime(const std::string &Name, host::HostModel &M, const ir::Graph &G,
                                 const std::vector<ir::Tensor> &Ins, int Iters) {
  auto Out = M.run(Ins);
  if (!Out)
    npubench::checkFailed(Name, Out.message());
  npubench::requireReferenceMatch(Name, G, Ins, *Out);
  std::vector<double> Times;
  (void)M.run(Ins);
  for (int R = 0; R < Iters; ++R) {
    auto T0 = std::chrono::steady_clock::now();
    (void)M.run(Ins);
    Times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count());
  }
  std::sort(Times.begin(), Times.end());
  return Times;
}

} // namespace

int main(int Argc, char **Argv) {
  int Threads = static_cast<int>(std::thread::hardware_concurrency());
  int Iters = 20;
  std::vector<std::string> Models;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--threads" && I + 1 < Argc)
      Threads = std::atoi(Argv[++I]);
    else if (A == "--iters" && I + 1 < Argc)
      Iters = std::atoi(Argv[++I]);
    else
      Models.push_back(A);
  }
  if (Models.empty()) {
    std::string D = NPU_TESTDATA_DIR "/models/";
    Models = {D + "mnist-8", D + "onnx-light/light_resnet50", D + "onnx-light/light_squeezenet",
              D + "onnx-light/light_vgg19", D + "onnx-light/light_inception_v1", D + "onnx-light/light_shufflenet"};
  }
  std::string CacheDir = (fs::temp_directory_path() / ("npu-host-bench-" + std::to_string(::getpid()))).string();
  if (!fs::exists(fs::path(ortNodeModules()) / "onnxruntime-node"))
    std::printf("onnxruntime-node not found in %s (install ../shared/tools/ort-oracle as its README says, or set "
                "NPU_ORT_NODE_MODULES): its columns say n/a\n",
                ortNodeModules().c_str());
  std::printf("threads %d, %d timed runs each (best and median); JIT: cold compile, then a load from the disk cache\n",
              Threads, Iters);
  std::printf("%-20s %10s %10s %10s %10s %6s %6s %9s %10s %9s\n", "model", "ours best", "median", "ort best",
              "median", "best", "median", "jit cold", "jit cached", "ort load");
  for (const std::string &Dir : Models) {
    std::string Path = fs::is_directory(Dir) ? Dir + "/model.onnx" : Dir;
    std::string Name = fs::path(Path).parent_path().filename().string();
    if (!fs::exists(Path)) {
      std::printf("%-22s missing (%s)\n", Name.c_str(), Path.c_str());
      continue;
    }
    auto G = frontend::importOnnx(Path);
    if (!G) {
      std::printf("%-22s import failed: %s\n", Name.c_str(), G.message().c_str());
      continue;
    }
    host::HostOptions HO;
    HO.Threads = Threads;
    HO.CacheDir = CacheDir;
    HO.UseMemoryCache = false;
    auto M = host::compileHostModel(*G, HO);
    if (!M) {
      std::printf("%-22s compile failed: %s\n", Name.c_str(), M.message().c_str());
      continue;
    }
    double Cold = (*M)->stats().totalMs();
    auto M2 = host::compileHostModel(*G, HO); // second load: object from the disk cache
    double Cached = M2 ? (*M2)->stats().totalMs() : -1;
    std::vector<ir::Tensor> Ins;
    for (ir::ValueId V : G->Inputs) {
      ir::Tensor T(G->type(V).Elem, G->type(V).Dims);
      for (int64_t I = 0; I < T.numElements(); ++I)
        T.data<float>()[I] = static_cast<float>((I * 2654435761u) % 1000) / 1000.0f - 0.5f;
      Ins.push_back(std::move(T));
    }
    std::vector<double> Times = checkAndTime(Name, **M, *G, Ins, Iters);
    std::string Ort = runOrt(Path, Threads, Iters);
    double OB = field(Ort, "best_ms"), OM = field(Ort, "median_ms"), OL = field(Ort, "load_ms");
    if (OB < 0)
      std::printf("%-20s %8.2fms %8.2fms %10s %10s %6s %6s %7.0fms %8.0fms %9s\n", Name.c_str(), Times[0],
                  Times[Times.size() / 2], "n/a", "n/a", "n/a", "n/a", Cold, Cached, "n/a");
    else
      std::printf("%-20s %8.2fms %8.2fms %8.2fms %8.2fms %6.2f %6.2f %7.0fms %8.0fms %7.0fms\n", Name.c_str(),
                  Times[0], Times[Times.size() / 2], OB, OM, Times[0] / OB, Times[Times.size() / 2] / OM, Cold,
                  Cached, OL);
    std::fflush(stdout);
  }
  std::error_code EC;
  fs::remove_all(CacheDir, EC);
  std::printf("best, median: ratios ours / onnxruntime of the best and of the median run (below 1: faster than\n"
              "onnxruntime); on a loaded machine the best run is the steadier figure. jit cold: lowering + LLVM\n"
              "compile + link; jit cached: the same model loaded again (object from the disk cache, weights\n"
              "packed again)\n");
  return 0;
}
