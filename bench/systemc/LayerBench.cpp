// The compiler's per-layer cost model (backend::estimateProgram, what `npuc compile --report` prints) beside
// the SystemC simulator's cycles of the same layers (npu::sim::nodeCycles through the programs' provenance),
// for mnist-8 and light ResNet-50: the gap per layer and in total, to calibrate the cost model. Each segment's
// SystemC run must leave the functional simulator's final DRAM before its cycles are printed.
#include "Check.h"
#include "Models.h"

#include "npu/backend/CostModel.h"
#include "npu/sim/SystemCSim.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

using namespace npu;

namespace {

/// How far apart estimate and simulation are over a set of layers.
struct GapSummary {
  int Layers = 0, Within10 = 0, Within25 = 0;
  double LogSum = 0, MinRatio = 1e30, MaxRatio = 0;
  std::string MinNode, MaxNode;
  void add(const std::string &Node, double Ratio) {
    ++Layers;
    LogSum += std::log(Ratio);
    Within10 += std::fabs(Ratio - 1) <= 0.10;
    Within25 += std::fabs(Ratio - 1) <= 0.25;
    if (Ratio < MinRatio)
      MinRatio = Ratio, MinNode = Node;
    if (Ratio > MaxRatio)
      MaxRatio = Ratio, MaxNode = Node;
  }
};

void compareModel(const std::string &Name, const std::string &Dir, const HardwareConfig &C, bool PerLayer) {
  std::printf("\n== %s on %s\n", Name.c_str(), C.Name.c_str());
  if (!std::filesystem::exists(Dir + "/model.onnx")) {
    std::printf("skipped: %s/model.onnx is absent (external test data)\n", Dir.c_str());
    return;
  }
  auto Model = npubench::compileBenchModel(Name, Dir, C);
  if (!Model) {
    std::printf("error: %s\n", Model.message().c_str());
    return;
  }
  if (PerLayer)
    std::printf("%-8s %-28s %12s %12s %8s %12s %8s\n", "segment", "layer (node)", "estimated", "simulated",
                "sim/est", "sim span", "MACutil");
  GapSummary Gap;
  uint64_t EstTotal = 0, SimTotal = 0, CheckedBytes = 0;
  for (const npubench::ModelSegment &S : Model->Segments) {
    std::vector<uint8_t> Dram = S.Dram;
    auto T = sim::SystemCSim(C).run(*S.P, Dram);
    if (!T) {
      std::printf("%s: error: %s\n", S.Name.c_str(), T.message().c_str());
      return;
    }
    if (std::string D = npubench::funcDifference(*S.P, S.Dram, Dram); !D.empty())
      npubench::checkFailed(Name + " on " + C.Name + ", segment " + S.Name, D);
    CheckedBytes += Dram.size();
    std::map<std::string, const sim::NodeStats *> Sim;
    for (const sim::NodeStats &N : T->Nodes)
      Sim[N.Name] = &N;
    uint64_t SegEst = 0;
    for (const backend::LayerCost &L : backend::estimateProgram(*S.P)) {
      SegEst += L.Cycles;
      auto It = Sim.find(L.Node);
      const uint64_t SimCycles = It == Sim.end() ? 0 : It->second->Cycles;
      const double Ratio = L.Cycles ? double(SimCycles) / double(L.Cycles) : 0.0;
      if (L.Cycles && SimCycles)
        Gap.add(L.Node, Ratio);
      if (PerLayer)
        std::printf("%-8s %-28.28s %12llu %12llu %8.3f %12llu %7.1f%%\n", S.Name.c_str(), L.Node.c_str(),
                    static_cast<unsigned long long>(L.Cycles), static_cast<unsigned long long>(SimCycles),
                    Ratio, static_cast<unsigned long long>(It == Sim.end() ? 0 : It->second->span()),
                    It == Sim.end() ? 0.0 : 100 * It->second->macUtilization(C));
    }
    // Instructions without a node count in the node before them in the estimate; in the simulator they
    // are a node of their own, "".
    if (PerLayer && Sim.count(""))
      std::printf("%-8s %-28s %12s %12llu\n", S.Name.c_str(), "(no node)", "-",
                  static_cast<unsigned long long>(Sim[""]->Cycles));
    EstTotal += SegEst;
    SimTotal += T->TotalCycles;
    if (PerLayer)
      std::printf("%-8s %-28s %12llu %12llu %8.3f\n", S.Name.c_str(), "segment total",
                  static_cast<unsigned long long>(SegEst), static_cast<unsigned long long>(T->TotalCycles),
                  SegEst ? double(T->TotalCycles) / double(SegEst) : 0.0);
  }
  npubench::requireMatch(Name + " on " + C.Name, "",
                         std::to_string(Model->Segments.size()) + " NPU segments' final DRAM (" +
                             std::to_string(CheckedBytes) + " bytes) bit-exact against the functional simulator");
  std::printf("total: estimated %llu cycles, simulated %llu cycles, sim/est %.3f\n",
              static_cast<unsigned long long>(EstTotal), static_cast<unsigned long long>(SimTotal),
              EstTotal ? double(SimTotal) / double(EstTotal) : 0.0);
  if (Gap.Layers)
    std::printf(
        "layers: %d compared, sim/est geometric mean %.3f, min %.3f (%s), max %.3f (%s); within 10%%: "
        "%d, within 25%%: %d\n",
        Gap.Layers, std::exp(Gap.LogSum / Gap.Layers), Gap.MinRatio, Gap.MinNode.c_str(), Gap.MaxRatio,
        Gap.MaxNode.c_str(), Gap.Within10, Gap.Within25);
}

} // namespace

int main(int Argc, char **Argv) {
  // bench-systemc-layers [--summary] [--model NAME] [CONFIG...]: --model keeps one of the bench models.
  std::vector<std::string> Configs;
  std::string OnlyModel;
  bool PerLayer = true;
  for (int K = 1; K < Argc; ++K) {
    if (std::string(Argv[K]) == "--summary")
      PerLayer = false;
    else if (std::string(Argv[K]) == "--model" && K + 1 < Argc)
      OnlyModel = Argv[++K];
    else
      Configs.push_back(Argv[K]);
  }
  if (Configs.empty())
    Configs.push_back("default");
  std::printf(
      "Cost model vs SystemC simulator per layer. estimated: backend::LayerCost::Cycles; simulated:\n"
      "NodeStats::Cycles (the cycles the layer moves the program's end; both add up to the total).\n");
  for (const std::string &Name : Configs) {
    auto C = loadHardwareConfig(std::string(NPU_SOURCE_DIR) + "/configs/" + Name + ".yaml");
    if (!C) {
      std::fprintf(stderr, "%s\n", C.message().c_str());
      return 1;
    }
    for (const auto &[Model, Dir] : npubench::benchModels())
      if (OnlyModel.empty() || Model == OnlyModel)
        compareModel(Model, Dir, *C, PerLayer);
  }
  return 0;
}
