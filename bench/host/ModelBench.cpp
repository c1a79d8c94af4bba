// npu-host-model-bench: whole-model fp32 latency of the host path against onnxruntime (node binding) on the same
// machine and thread count, plus JIT compile times. Each model's output is first checked against the reference
// interpreter; a mismatch stops the bench before its figures. Per model, the slowest layer classes next to
// onnxruntime's profile (--no-layers leaves them out). --int8: the int8 GEMM on a QLinearConv model (QNet.h)
// against the same model's float twin and onnxruntime on both.
#include "Check.h"
#include "QNet.h"
#include "RefCheck.h"

#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/ops/Flops.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/host/HostModel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <fcntl.h>
#include <sys/wait.h>
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

/// Runs onnxruntime through bench/host/ort_bench.js (ProfileRuns > 0: its per-node lines too); empty when node
/// or the package is missing.
std::string runOrt(const std::string &Model, int Threads, int Iters, int ProfileRuns = 0) {
  std::string NodeModules = ortNodeModules();
  if (!fs::exists(fs::path(NodeModules) / "onnxruntime-node"))
    return "";
  std::string Cmd = "NODE_PATH='" + NodeModules + "' node '" + std::string(NPU_SOURCE_DIR) +
                    "/bench/host/ort_bench.js' '" + Model + "' " + std::to_string(Threads) + " " +
                    std::to_string(Iters) + " " + std::to_string(ProfileRuns) + " 2>/dev/null";
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

/// onnxruntime in a node process that runs the model once per request (ort_bench.js --serve, workers not
/// spinning), so its runs interleave with ours and both see the same load of the shared machine.
class OrtServer {
public:
  OrtServer(const std::string &Model, int Threads) {
    const std::string NodeModules = ortNodeModules();
    if (!fs::exists(fs::path(NodeModules) / "onnxruntime-node"))
      return;
    // Everything the child needs is built before fork (the parent has threads: no allocation after fork).
    std::vector<std::string> Env = {"NODE_PATH=" + NodeModules};
    for (char **E = environ; *E; ++E)
      if (std::strncmp(*E, "NODE_PATH=", 10) != 0)
        Env.push_back(*E);
    const std::vector<std::string> Args = {"node", std::string(NPU_SOURCE_DIR) + "/bench/host/ort_bench.js", Model,
                                           std::to_string(Threads), "0", "0", "--serve"};
    std::vector<char *> EnvP, ArgP;
    for (const std::string &E : Env)
      EnvP.push_back(const_cast<char *>(E.c_str()));
    for (const std::string &A : Args)
      ArgP.push_back(const_cast<char *>(A.c_str()));
    EnvP.push_back(nullptr);
    ArgP.push_back(nullptr);
    int ToChild[2], FromChild[2];
    if (pipe(ToChild) != 0)
      return;
    if (pipe(FromChild) != 0) {
      close(ToChild[0]), close(ToChild[1]);
      return;
    }
    const int Null = open("/dev/null", O_WRONLY);
    Pid = fork();
    if (Pid == 0) {
      dup2(ToChild[0], 0), dup2(FromChild[1], 1), dup2(Null, 2);
      close(ToChild[1]), close(FromChild[0]);
      execvpe("node", ArgP.data(), EnvP.data());
      _exit(127);
    }
    close(ToChild[0]), close(FromChild[1]), close(Null);
    In = fdopen(ToChild[1], "w");
    Out = fdopen(FromChild[0], "r");
    char Buf[512];
    if (Pid > 0 && In && Out && fgets(Buf, sizeof Buf, Out))
      LoadMs = field(Buf, "load_ms");
  }
  ~OrtServer() {
    if (In)
      fclose(In); // end of input: the node process exits
    if (Out)
      fclose(Out);
    if (Pid > 0)
      waitpid(Pid, nullptr, 0);
  }
  OrtServer(const OrtServer &) = delete;
  OrtServer &operator=(const OrtServer &) = delete;
  bool ok() const { return LoadMs >= 0; }
  /// Runs the model once; false when the process has gone.
  bool run() {
    char Buf[64];
    if (!ok() || std::fputs("1\n", In) < 0 || std::fflush(In) != 0 || !std::fgets(Buf, sizeof Buf, Out)) {
      LoadMs = -1;
      return false;
    }
    Times.push_back(std::atof(Buf));
    return true;
  }
  double LoadMs = -1;
  std::vector<double> Times; ///< ms of each run
private:
  pid_t Pid = -1;
  FILE *In = nullptr, *Out = nullptr;
};

/// Checks M's output against the reference interpreter once, before the timing (which keeps its own warm-up
/// run; the runs compute the same values), then returns the times of Iters runs in ms, sorted. With Ort, each
/// of our runs is paired with one of onnxruntime's, the order alternating (its times: Ort->Times, sorted).
std::vector<double> checkAndTime(const std::string &Name, host::HostModel &M, const ir::Graph &G,
                                 const std::vector<ir::Tensor> &Ins, int Iters, double Atol = -1,
                                 std::vector<ir::Tensor> *Result = nullptr, OrtServer *Ort = nullptr) {
  auto Out = M.run(Ins);
  if (!Out)
    npubench::checkFailed(Name, Out.message());
  npubench::requireReferenceMatch(Name, G, Ins, *Out, Atol);
  if (Result)
    *Result = *Out;
  std::vector<double> Times;
  (void)M.run(Ins);
  if (Ort)
    Ort->run(); // its warm-up in this phase
  for (int R = 0; R < Iters; ++R) {
    if (Ort && R % 2)
      Ort->run();
    auto T0 = std::chrono::steady_clock::now();
    (void)M.run(Ins);
    Times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - T0).count());
    if (Ort && R % 2 == 0)
      Ort->run();
  }
  std::sort(Times.begin(), Times.end());
  if (Ort && !Ort->Times.empty()) {
    Ort->Times.erase(Ort->Times.begin()); // the warm-up
    std::sort(Ort->Times.begin(), Ort->Times.end());
  }
  return Times;
}

/// Time and work of one layer class: the layers (ours: fused groups; onnxruntime: nodes of its optimized graph)
/// with the same FLOPs, e.g. the repeated 3x3 convolutions of a ResNet stage.
struct LayerClass {
  double Flops = 0, OursMs = 0, OrtMs = 0;
  int Ours = 0, Ort = 0;
  std::string What;
};

/// Prints the layer classes where our time is largest, next to onnxruntime's nodes of the same FLOPs (within
/// 1%), and the gap; pooling, element-wise and movement layers (no FLOPs class) are summed on one line.
void printLayerGaps(const ir::Graph &Gr, const std::vector<host::StepProfile> &Prof, const std::string &Ort, int Top) {
  std::map<std::string, const ir::Node *> ByName;
  for (const ir::Node &N : Gr.nodes())
    ByName[N.Name.empty() ? N.OpType : N.Name] = &N;
  std::map<std::string, std::pair<double, double>> Groups; // node names -> (ms per run, the anchor's FLOPs)
  for (const host::StepProfile &S : Prof) {
    std::string Key;
    for (const std::string &N : S.Nodes)
      Key += N + " ";
    auto &G = Groups[Key];
    G.first += S.Runs ? S.Ms / double(S.Runs) : 0;
    // The group's first node is the Conv/Gemm/MatMul the others were fused into: onnxruntime's node has its FLOPs.
    auto It = S.Nodes.empty() ? ByName.end() : ByName.find(S.Nodes[0]);
    if (It != ByName.end())
      G.second = ir::nodeFlops(Gr, *It->second);
  }
  std::vector<LayerClass> Classes;
  auto ClassOf = [&](double Flops) -> LayerClass & {
    for (LayerClass &C : Classes)
      if (std::abs(C.Flops - Flops) <= 0.01 * Flops)
        return C;
    Classes.push_back(LayerClass{Flops, 0, 0, 0, 0, ""});
    return Classes.back();
  };
  double OtherOurs = 0, OtherOrt = 0;
  for (const auto &[Names, G] : Groups) {
    if (G.second < 1e6) {
      OtherOurs += G.first;
      continue;
    }
    LayerClass &C = ClassOf(G.second);
    C.OursMs += G.first, ++C.Ours;
  }
  for (size_t At = Ort.find("\nN\t"); At != std::string::npos; At = Ort.find("\nN\t", At + 1)) {
    char What[256] = "";
    double Flops = 0, Ms = 0;
    if (std::sscanf(Ort.c_str() + At + 3, "%lf\t%lf\t%255[^\n]", &Flops, &Ms, What) < 2)
      continue;
    if (Flops < 1e6) {
      OtherOrt += Ms;
      continue;
    }
    LayerClass &C = ClassOf(Flops);
    C.OrtMs += Ms, ++C.Ort;
    C.What = What;
  }
  std::sort(Classes.begin(), Classes.end(), [](const LayerClass &A, const LayerClass &B) { return A.OursMs > B.OursMs; });
  std::printf("  slowest layers: ours (mean of the profiled runs) against onnxruntime's nodes of the same FLOPs (median)\n"
              "  %9s %4s %9s %8s | %4s %9s %8s | %5s  %s\n", "MFLOP", "ours", "ms", "GFLOP/s", "ort", "ms", "GFLOP/s",
              "gap", "onnxruntime node");
  for (size_t I = 0; I < Classes.size() && int(I) < Top; ++I) {
    const LayerClass &C = Classes[I];
    if (C.Ort == 0) {
      std::printf("  %9.1f %4d %9.3f %8.1f | %4s %9s %8s | %5s\n", C.Flops / 1e6, C.Ours, C.OursMs,
                  C.Flops * C.Ours / C.OursMs / 1e6, "-", "-", "-", "-");
      continue;
    }
    std::printf("  %9.1f %4d %9.3f %8.1f | %4d %9.3f %8.1f | %5.2f  %s\n", C.Flops / 1e6, C.Ours, C.OursMs,
                C.Flops * C.Ours / C.OursMs / 1e6, C.Ort, C.OrtMs, C.Flops * C.Ort / C.OrtMs / 1e6,
                (C.OursMs / std::max(C.Ours, 1)) / (C.OrtMs / C.Ort), C.What.c_str());
  }
  std::printf("  other layers (pooling, element-wise, movement): ours %.3f ms, onnxruntime %.3f ms\n", OtherOurs,
              OtherOrt);
}

/// Our per-step profile of G: Runs runs of a model compiled with HostOptions::Profile.
std::vector<host::StepProfile> profileRuns(const ir::Graph &G, host::HostOptions HO, const std::vector<ir::Tensor> &Ins,
                                           int Runs) {
  HO.Profile = true;
  auto M = host::compileHostModel(G, HO);
  if (!M)
    return {};
  for (int R = 0; R < Runs; ++R)
    (void)(*M)->run(Ins);
  return (*M)->profile();
}

/// The deterministic input of ort_bench.js for every graph input (float).
std::vector<ir::Tensor> benchInputs(const ir::Graph &G) {
  std::vector<ir::Tensor> Ins;
  for (ir::ValueId V : G.Inputs) {
    ir::Tensor T(G.type(V).Elem, G.type(V).Dims);
    for (int64_t I = 0; I < T.numElements(); ++I)
      T.data<float>()[I] = static_cast<float>((I * 2654435761u) % 1000) / 1000.0f - 0.5f;
    Ins.push_back(std::move(T));
  }
  return Ins;
}

/// Compiles G (no node may fall back to the interpreter), checks it and times it: sorted run times in ms.
std::vector<double> compileCheckTime(const std::string &Name, const ir::Graph &G, int Threads, int Iters,
                                     double Atol = -1, std::vector<ir::Tensor> *Result = nullptr,
                                     OrtServer *Ort = nullptr) {
  host::HostOptions HO;
  HO.Threads = Threads;
  HO.UseDiskCache = false;
  HO.AllowFallback = false;
  auto M = host::compileHostModel(G, HO);
  if (!M)
    npubench::checkFailed(Name, M.message());
  return checkAndTime(Name, **M, G, benchInputs(G), Iters, Atol, Result, Ort && Ort->ok() ? Ort : nullptr);
}

/// --int8: the QLinearConv net converted by the quantize pass to npu.QConv (the host's int8 GEMM), its float
/// twin on the host's f32 GEMM, and onnxruntime on both ONNX files.
void benchInt8(int Threads, int Iters) {
  fs::path Dir = fs::temp_directory_path() / ("npu-host-int8-bench-" + std::to_string(::getpid()));
  fs::create_directories(Dir);
  const std::string QPath = (Dir / "qnet.onnx").string(), FPath = (Dir / "qnet_float.onnx").string();
  if (Status S = npubench::writeQNet(QPath, FPath); !S)
    npubench::checkFailed("qnet", S.message());
  auto Q = frontend::importOnnx(QPath);
  auto F = frontend::importOnnx(FPath);
  if (!Q || !F)
    npubench::checkFailed("qnet", Q ? F.message() : Q.message());
  passes::PassOptions PO;
  if (Status S = passes::runPipeline(*Q, {"shape-inference", "constant-folding", "quantize", "dce"}, PO, {}); !S)
    npubench::checkFailed("qnet", S.message());
  int QConvs = 0;
  for (const ir::Node &N : Q->nodes())
    QConvs += N.OpType == "npu.QConv";
  std::printf("int8: 12 QLinearConv (ResNet-50 bottleneck shapes, 1x64x56x56 in) -> %d npu.QConv on the int8 GEMM "
              "(vpdpbusd where the CPU has VNNI); threads %d, %d timed runs\n",
              QConvs, Threads, Iters);
  std::vector<ir::Tensor> YQ, YF;
  OrtServer OrtQ(QPath, Threads), OrtF(FPath, Threads);
  std::vector<double> TQ = compileCheckTime("qnet int8", *Q, Threads, Iters, -1, &YQ, &OrtQ);
  host::HostOptions HO;
  HO.Threads = Threads;
  HO.UseDiskCache = false;
  const std::vector<host::StepProfile> ProfQ = profileRuns(*Q, HO, benchInputs(*Q), 5);
  // The twin's 12 layers without rounding between them leave outputs near zero that differ in the last bits
  // with the summation order (about 5e-7 on outputs of about 0.3): checked with an absolute 1e-5.
  std::vector<double> TF = compileCheckTime("qnet float twin", *F, Threads, Iters, 1e-5, &YF, &OrtF);
  // How far the int8 result is from the float one (not a check: 12 layers of int8 rounding), and how much of
  // the int8 range it uses (a result stuck at the zero point would make the int8 timing meaningless).
  double Sig = 0, Err = 0;
  int64_t Zero = 0;
  const float *Qd = YQ.at(0).data<float>(), *Fd = YF.at(0).data<float>();
  for (int64_t I = 0; I < YF[0].numElements(); ++I) {
    Sig += double(Fd[I]) * Fd[I], Err += double(Qd[I] - Fd[I]) * (Qd[I] - Fd[I]);
    Zero += Qd[I] == 0.0f;
  }
  std::printf("int8 result against the float twin: SQNR %.1f dB, %.1f%% of the outputs at the zero point\n",
              10 * std::log10(Sig / std::max(Err, 1e-30)), 100.0 * double(Zero) / double(YF[0].numElements()));
  auto Row = [&](const char *Name, const std::vector<double> &T, const OrtServer &Ort) {
    const bool Have = Ort.Times.size() == T.size();
    const double OB = Have ? Ort.Times[0] : -1, OM = Have ? Ort.Times[Ort.Times.size() / 2] : -1;
    if (OB < 0)
      std::printf("%-22s ours %8.2f / %8.2f ms   onnxruntime n/a\n", Name, T[0], T[T.size() / 2]);
    else
      std::printf("%-22s ours %8.2f / %8.2f ms   onnxruntime %8.2f / %8.2f ms   ratio %5.2f / %5.2f\n", Name, T[0],
                  T[T.size() / 2], OB, OM, T[0] / OB, T[T.size() / 2] / OM);
  };
  std::printf("(best / median; ratio ours / onnxruntime, runs interleaved one by one)\n");
  Row("int8 (QLinearConv)", TQ, OrtQ);
  Row("fp32 twin (Conv)", TF, OrtF);
  std::printf("ours int8 / ours fp32: %.2f best, %.2f median\n", TQ[0] / TF[0], TQ[TQ.size() / 2] / TF[TF.size() / 2]);
  // onnxruntime runs QLinearConv as its NHWC form with prepacked weights, which its profile records without the
  // weight shape: no per-layer match, so our own kernels' times (input transform and GEMM apart).
  std::vector<host::StepProfile> Top = ProfQ;
  std::sort(Top.begin(), Top.end(), [](const host::StepProfile &A, const host::StepProfile &B) { return A.Ms > B.Ms; });
  double Total = 0;
  for (const host::StepProfile &S : Top)
    Total += S.Runs ? S.Ms / double(S.Runs) : 0;
  std::printf("our int8 kernels, slowest first (mean of 5 profiled runs, %.3f ms in all):\n", Total);
  for (size_t I = 0; I < Top.size() && I < 8; ++I) {
    const double Ms = Top[I].Runs ? Top[I].Ms / double(Top[I].Runs) : 0;
    std::printf("  %8.3f ms %5.1f%%  %-34s %s\n", Ms, 100 * Ms / Total, Top[I].Kernel.c_str(), Top[I].Ops.c_str());
  }
  std::error_code EC;
  fs::remove_all(Dir, EC);
}

} // namespace

int main(int Argc, char **Argv) {
  int Threads = static_cast<int>(std::thread::hardware_concurrency());
  int Iters = 20;
  bool Int8 = false, Gaps = true;
  std::vector<std::string> Models;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--threads" && I + 1 < Argc)
      Threads = std::atoi(Argv[++I]);
    else if (A == "--iters" && I + 1 < Argc)
      Iters = std::atoi(Argv[++I]);
    else if (A == "--int8")
      Int8 = true;
    else if (A == "--no-layers")
      Gaps = false;
    else
      Models.push_back(A);
  }
  if (Int8) {
    benchInt8(Threads, Iters);
    return 0;
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
    const std::vector<ir::Tensor> Ins = benchInputs(*G);
    std::vector<double> Times, OT;
    double OL = -1;
    {
      OrtServer Server(Path, Threads);
      Times = checkAndTime(Name, **M, *G, Ins, Iters, -1, nullptr, Server.ok() ? &Server : nullptr);
      if (Server.ok() && Server.Times.size() == Times.size())
        OT = Server.Times, OL = Server.LoadMs;
    }
    const double OB = OT.empty() ? -1 : OT[0], OM = OT.empty() ? -1 : OT[OT.size() / 2];
    const std::string Ort = Gaps ? runOrt(Path, Threads, 1, 5) : std::string(); // its per-node profile
    if (OB < 0)
      std::printf("%-20s %8.2fms %8.2fms %10s %10s %6s %6s %7.0fms %8.0fms %9s\n", Name.c_str(), Times[0],
                  Times[Times.size() / 2], "n/a", "n/a", "n/a", "n/a", Cold, Cached, "n/a");
    else
      std::printf("%-20s %8.2fms %8.2fms %8.2fms %8.2fms %6.2f %6.2f %7.0fms %8.0fms %7.0fms\n", Name.c_str(),
                  Times[0], Times[Times.size() / 2], OB, OM, Times[0] / OB, Times[Times.size() / 2] / OM, Cold,
                  Cached, OL);
    if (Gaps)
      printLayerGaps(*G, profileRuns(*G, HO, Ins, 5), Ort, 5);
    std::fflush(stdout);
  }
  std::error_code EC;
  fs::remove_all(CacheDir, EC);
  std::printf("best, median: ratios ours / onnxruntime of the best and of the median run (below 1: faster than\n"
              "onnxruntime), runs interleaved one by one (onnxruntime's workers not spinning between its runs);\n"
              "on a loaded machine the best run is the steadier figure. jit cold: lowering + LLVM\n"
              "compile + link; jit cached: the same model loaded again (object from the disk cache, weights\n"
              "packed again)\n");
  return 0;
}
