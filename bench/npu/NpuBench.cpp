// NPU compiler figures: for the generated demo CNN, mnist-8 and the light ONNX models (light ResNet-50
// first), on every config in configs/, the compile time by phase and the cost report (per layer MACs, DRAM
// bytes, estimated cycles, roofline bound and their ratio) with a whole-model line. Before its figures, each
// compiled model is run on the functional simulator and checked bit for bit against the reference interpreter
// running the same quantized graph; a difference stops the bench.
#include "Check.h"
#include "CostTable.h"
#include "DemoCnn.h"

#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/compiler/ref/Interpreter.h"
#include "npu/runtime/ModelRunner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

using namespace npu;
namespace fs = std::filesystem;

namespace {

const char *const Usage =
    "usage: bench-npu [--model NAME]... [--config NAME]... [--summary] [--testdata DIR]\n\n"
    "Compiles each model for each config (quantization calibrated on the model's test_data_set_*) and "
    "prints\n"
    "the compile time by phase, the per-layer cost table and a whole-model line, then one summary line per\n"
    "model and config. Models: demo_cnn (generated), mnist-8 and ../shared/testdata/models/onnx-light/*\n"
    "(skipped with a message where absent). --model/--config keep only those whose name contains NAME;\n"
    "--summary leaves out the per-layer tables.\n";

struct Model {
  std::string Name, Dir;
};

struct Options {
  std::vector<std::string> Models, Configs;
  bool Summary = false;
  std::string TestData = NPU_TESTDATA_DIR;
};

bool keep(const std::vector<std::string> &Filters, const std::string &Name) {
  return Filters.empty() || std::any_of(Filters.begin(), Filters.end(), [&](const std::string &F) {
           return Name.find(F) != std::string::npos;
         });
}

/// Wall and CPU seconds of a phase. On a loaded machine the wall clock also counts other processes' turns, so
/// the CPU time (the compiler is single-threaded) is the steadier figure.
struct Seconds {
  double Wall = 0, Cpu = 0;
  Seconds &operator+=(const Seconds &O) {
    Wall += O.Wall, Cpu += O.Cpu;
    return *this;
  }
};

class Stopwatch {
public:
  Seconds elapsed() const {
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - Wall0).count(),
            double(std::clock() - Cpu0) / CLOCKS_PER_SEC};
  }

private:
  std::chrono::steady_clock::time_point Wall0 = std::chrono::steady_clock::now();
  std::clock_t Cpu0 = std::clock();
};

/// The models to compile, light ResNet-50 first after the project's own; says which are absent.
std::vector<Model> findModels(const Options &O) {
  std::vector<Model> Models;
  const std::string Demo = std::string(NPU_BENCH_WORK_DIR) + "/demo_cnn";
  if (auto S = modelgen::writeDemoCnn(Demo, {}); S)
    Models.push_back({"demo_cnn", Demo});
  else
    std::cout << "demo_cnn: skipped, cannot generate it: " << S.message() << "\n";
  const fs::path Mnist = fs::path(O.TestData) / "models" / "mnist-8";
  if (fs::exists(Mnist / "model.onnx"))
    Models.push_back({"mnist-8", Mnist.string()});
  else
    std::cout << "mnist-8: skipped, " << Mnist.string() << " is absent (external test data)\n";
  const fs::path Light = fs::path(O.TestData) / "models" / "onnx-light";
  std::vector<Model> Lights;
  std::error_code Ec;
  for (const fs::directory_entry &E : fs::directory_iterator(Light, Ec))
    if (fs::exists(E.path() / "model.onnx"))
      Lights.push_back({E.path().filename().string(), E.path().string()});
  if (Lights.empty())
    std::cout << "onnx-light: skipped, " << Light.string() << " is absent (external test data)\n";
  std::sort(Lights.begin(), Lights.end(), [](const Model &A, const Model &B) {
    return std::make_pair(A.Name != "light_resnet50", A.Name) <
           std::make_pair(B.Name != "light_resnet50", B.Name);
  });
  Models.insert(Models.end(), Lights.begin(), Lights.end());
  std::erase_if(Models, [&](const Model &M) { return !keep(O.Models, M.Name); });
  return Models;
}

std::vector<HardwareConfig> loadConfigs(const Options &O) {
  std::vector<fs::path> Files;
  for (const fs::directory_entry &E : fs::directory_iterator(fs::path(NPU_SOURCE_DIR) / "configs"))
    if (E.path().extension() == ".yaml" && keep(O.Configs, E.path().stem().string()))
      Files.push_back(E.path());
  std::sort(Files.begin(), Files.end());
  std::vector<HardwareConfig> Configs;
  for (const fs::path &F : Files) {
    auto C = loadHardwareConfig(F.string());
    if (C)
      Configs.push_back(C.takeValue());
    else
      std::cout << F.string() << ": skipped: " << C.message() << "\n";
  }
  return Configs;
}

/// The files input_0.pb, input_1.pb, ... of a data set, until the first missing index.
Expected<std::vector<ir::Tensor>> readInputs(const fs::path &Set) {
  std::vector<ir::Tensor> Out;
  for (size_t K = 0; fs::exists(Set / ("input_" + std::to_string(K) + ".pb")); ++K) {
    auto T = frontend::readTensorProtoFile((Set / ("input_" + std::to_string(K) + ".pb")).string());
    if (!T)
      return T.error();
    Out.push_back(T->Data);
  }
  return Out;
}

/// "" when the NPU output has the reference's bytes, else the first differing element.
std::string outputDifference(const ir::Tensor &Got, const ir::Tensor &Want) {
  if (Got.byteSize() != Want.byteSize())
    return std::to_string(Got.byteSize()) + " bytes, the reference has " + std::to_string(Want.byteSize());
  const ir::Tensor G(Want.elemType(), Want.shape(), Got.byteVector());
  std::vector<double> GotV(size_t(Want.numElements())), WantV(GotV.size());
  for (int64_t I = 0; I < Want.numElements(); ++I)
    GotV[size_t(I)] = G.getDouble(I), WantV[size_t(I)] = Want.getDouble(I);
  std::string D = npubench::exactDifference(GotV.data(), WantV.data(), GotV.size());
  return D.empty() && Got.byteVector() != Want.byteVector() ? "bytes differ (e.g. the sign of a zero)" : D;
}

/// Runs the compiled model on the functional simulator with Set's inputs and compares every output bit for bit
/// with the reference interpreter running the same quantized graph G (as `npuc check --target npu` does).
void checkCompiled(const std::string &Case, const ir::Graph &G, const backend::ModelArtifact &A,
                   const HardwareConfig &C, const fs::path &Set) {
  auto Inputs = readInputs(Set);
  if (!Inputs)
    npubench::checkFailed(Case, Inputs.message());
  auto Want = ref::interpret(G, *Inputs);
  if (!Want)
    npubench::checkFailed(Case, "reference interpreter: " + Want.message());
  std::vector<std::optional<ir::NamedTensor>> In;
  for (size_t K = 0; K < Inputs->size() && K < G.Inputs.size(); ++K)
    In.push_back(ir::NamedTensor{G.value(G.Inputs[K]).Name, (*Inputs)[K]});
  runtime::FuncDevice Func(C);
  auto Got = runtime::runModel(Func, A, In);
  if (!Got)
    npubench::checkFailed(Case, "func: " + Got.message());
  int64_t Values = 0;
  for (size_t K = 0; K < Want->size(); ++K) {
    if (K >= Got->Outputs.size())
      npubench::checkFailed(Case, "output " + std::to_string(K) + " missing");
    if (std::string D = outputDifference(Got->Outputs[K].Data, (*Want)[K]); !D.empty())
      npubench::checkFailed(Case, "output " + std::to_string(K) + ": " + D);
    Values += (*Want)[K].numElements();
  }
  npubench::requireMatch(Case, "",
                         std::to_string(Values) + " output values (" + Set.filename().string() +
                             ", functional simulator) bit-exact against the reference interpreter");
}

/// Compiles M for C, printing the phases' times and the cost report; returns the summary row.
std::string benchOne(const Model &M, const HardwareConfig &C, const Options &O) {
  std::printf("\n== %s on %s (%s)\n", M.Name.c_str(), C.Name.c_str(), C.shortHash().c_str());
  Stopwatch Whole;
  auto G = frontend::loadModel(M.Dir + "/model.onnx");
  if (!G)
    return M.Name + " on " + C.Name + ": import failed: " + G.message();
  Seconds Import = Whole.elapsed(), Quantize, OtherPasses;
  passes::PassOptions PO;
  PO.Config = &C;
  PO.CalibDirs = {M.Dir};
  passes::PipelineOptions Pipe;
  // One pass at a time, so calibration (the fp32 model run on the reference interpreter inside quantize)
  // shows apart from the compiler's own work.
  for (const std::string &P : passes::defaultPipeline("npu")) {
    Stopwatch Pass;
    if (Status S = passes::runPipeline(*G, {P}, PO, Pipe); !S)
      return M.Name + " on " + C.Name + ": " + P + " failed: " + S.message();
    (P == "quantize" ? Quantize : OtherPasses) += Pass.elapsed();
  }
  Stopwatch BackendTime;
  auto R = backend::compileModel(*G, C);
  if (!R)
    return M.Name + " on " + C.Name + ": backend failed: " + R.message();
  Seconds Backend = BackendTime.elapsed(), Total = Whole.elapsed();
  checkCompiled(M.Name + " on " + C.Name, *G, R->Artifact, C, fs::path(M.Dir) / "test_data_set_0");
  std::printf("compile %.2f s wall, %.2f s CPU; CPU by phase: import %.2f, graph passes %.2f, quantize %.2f "
              "(calibration included), backend %.2f; without quantize %.2f s CPU\n",
              Total.Wall, Total.Cpu, Import.Cpu, OtherPasses.Cpu, Quantize.Cpu, Backend.Cpu,
              Total.Cpu - Quantize.Cpu);
  std::cout.flush();
  npubench::ModelFigures F = npubench::printCostReport(*R, C, !O.Summary, std::cout);
  std::printf("whole model: %zu nodes on the NPU, %zu on the host, %zu instructions\n", F.NpuNodes,
              F.HostNodes, F.Instructions);
  std::printf("whole model: %s\n", npubench::formatWholeModel(F, C).c_str());
  char Buf[320];
  std::snprintf(Buf, sizeof Buf, "%-20s %-8s %8.2f %8.2f %8.2f %8.2f %10.1f %9.2f %12llu %12.0f %6.2f %6.1f ",
                M.Name.c_str(), C.Name.c_str(), Total.Wall, Total.Cpu, Total.Cpu - Quantize.Cpu, Backend.Cpu,
                double(F.Macs) / 1e6, double(F.DramBytes) / 1e6, (unsigned long long)F.Cycles, F.Roofline,
                F.Roofline > 0 ? double(F.Cycles) / F.Roofline : 0.0,
                F.Cycles > 0 ? 100.0 * F.Roofline / double(F.Cycles) : 0.0);
  std::string Row = Buf;
  if (F.ComputeConvs)
    std::snprintf(Buf, sizeof Buf, "%4zu %6.1f %6.1f", F.ComputeConvs,
                  100.0 * F.ComputeConvRoofline / F.ComputeConvCycles, 100.0 * F.WorstComputeConv);
  else
    std::snprintf(Buf, sizeof Buf, "%4d %6s %6s", 0, "-", "-");
  return Row + Buf;
}

} // namespace

int main(int Argc, char **Argv) {
  Options O;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--help" || A == "-h") {
      std::cout << Usage;
      return 0;
    }
    if (A == "--summary") {
      O.Summary = true;
    } else if ((A == "--model" || A == "--config" || A == "--testdata") && I + 1 < Argc) {
      std::string V = Argv[++I];
      if (A == "--model")
        O.Models.push_back(V);
      else if (A == "--config")
        O.Configs.push_back(V);
      else
        O.TestData = V;
    } else {
      std::cerr << "bench-npu: unknown or incomplete argument '" << A << "'\n" << Usage;
      return 2;
    }
  }
  std::vector<Model> Models = findModels(O);
  std::vector<HardwareConfig> Configs = loadConfigs(O);
  std::vector<std::string> Lines;
  for (const Model &M : Models)
    for (const HardwareConfig &C : Configs)
      Lines.push_back(benchOne(M, C, O));
  std::printf(
      "\n== summary: compile seconds (wall; CPU: total, without quantize and its calibration, backend) and "
      "the cost "
      "model's "
      "whole-model figures\n   (ratio = estimated cycles / roofline bound, roof%% = its inverse; cconv: "
      "compute-bound convolutions, their roof%% and the worst one's)\n");
  std::printf("%-20s %-8s %8s %8s %8s %8s %10s %9s %12s %12s %6s %6s %4s %6s %6s\n", "model", "config",
              "wall s", "CPU s", "no-quant", "backend", "MMACs", "DRAM MB", "est cycles", "roofline", "ratio",
              "roof%", "cconv", "roof%", "worst");
  for (const std::string &L : Lines)
    std::printf("%s\n", L.c_str());
  return 0;
}
