// Evaluating one design point: the same library calls as `npuc compile --report` (frontend, pass pipeline,
// backend::compileModel, the cost model) and `npuc run --stats` (runtime::runModel, modelTiming).
#include "npu/codesign/Evaluate.h"

#include "npu/backend/Compile.h"
#include "npu/backend/CostModel.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/frontend/OnnxImporter.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/hw/Area.h"
#include "npu/runtime/LayerReport.h"
#include "npu/runtime/ModelRunner.h"
#include "npu/runtime/TensorProto.h"
#include "npu/support/Json.h"
#include "npu/support/Sha256.h"

#include "CompilerVersion.h"
#include "ReadText.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace npu::codesign {

namespace fs = std::filesystem;

const char *compilerVersion() { return NPU_COMPILER_VERSION; }

Expected<ModelSpec> makeModelSpec(const std::string &Path, const std::vector<std::string> &Calib,
                                  const std::vector<std::string> &Shapes) {
  auto Bytes = readText(Path, "model");
  if (!Bytes)
    return Bytes.error();
  ModelSpec M{Path, Calib, Shapes, "", ""};
  const fs::path Dir = fs::path(Path).parent_path();
  if (fs::is_directory(Dir / "test_data_set_0")) {
    M.InputsDir = (Dir / "test_data_set_0").string();
    if (M.CalibDirs.empty())
      M.CalibDirs.push_back(Dir.empty() ? "." : Dir.string());
  }
  std::string Key = Bytes.takeValue();
  for (const std::string &C : M.CalibDirs)
    Key += "\ncalib " + fs::path(C).lexically_normal().string();
  for (const std::string &S : Shapes)
    Key += "\nshape " + S;
  M.Hash = sha256Hex(Key);
  return M;
}

std::string pointConfigHash(const Space &S, const Point &P) {
  auto C = pointConfig(S, P);
  return C ? C->Hash : "invalid-" + sha256Hex(P.Yaml);
}

namespace {

/// MACs of the conv, matmul and gemm nodes of the imported (float, unpadded) graph, by node name.
std::map<std::string, uint64_t> usefulMacs(const ir::Graph &G) {
  std::map<std::string, uint64_t> R;
  for (const ir::Node &N : G.nodes()) {
    if (N.OpType != "Conv" && N.OpType != "MatMul" && N.OpType != "Gemm")
      continue;
    if (!N.hasInput(1) || !N.hasOutput(0) || !G.value(N.Outputs[0]).Type || !G.value(N.Inputs[1]).Type)
      continue;
    uint64_t Out = 1;
    for (int64_t D : G.type(N.Outputs[0]).Dims)
      Out *= uint64_t(std::max<int64_t>(D, 0));
    const auto &W = G.type(N.Inputs[1]).Dims;
    uint64_t Per = 1; // reduction length per output element
    if (N.OpType == "Conv") {
      for (size_t K = 1; K < W.size(); ++K)
        Per *= uint64_t(std::max<int64_t>(W[K], 0));
    } else if (!W.empty()) {
      const bool TransB = N.OpType == "Gemm" && N.getInt("transB", 0) != 0;
      Per = uint64_t(std::max<int64_t>(TransB ? W.back() : W[W.size() >= 2 ? W.size() - 2 : 0], 0));
    }
    R[N.Name] += Out * Per;
  }
  return R;
}

/// Row fields every outcome has.
PointResult rowFor(const Space &S, const Point &P, const ModelSpec &M, const EvalOptions &O) {
  PointResult R;
  R.ConfigHash = pointConfigHash(S, P);
  R.ModelHash = M.Hash;
  R.Backend = O.Backend;
  R.CompilerVersion = O.CompilerVersion;
  R.PointIndex = int64_t(P.Index);
  R.Params = P.json();
  R.Model = M.Path;
  R.ConfigYaml = P.Yaml;
  return R;
}

/// Inputs of a simulated run: the model's test_data_set_0, else zeros of the artifact's input shapes.
Expected<std::vector<std::optional<ir::NamedTensor>>> runInputs(const ModelSpec &M, const backend::ModelArtifact &A) {
  if (!M.InputsDir.empty())
    return runtime::readTensorDir(M.InputsDir, "input");
  std::vector<std::optional<ir::NamedTensor>> In;
  for (const backend::ArtifactValue &V : A.Inputs) {
    NPU_TRY(runtime::checkRuntimeType(V.Elem));
    In.push_back(ir::NamedTensor{V.Name, ir::Tensor(V.Elem, V.Dims)});
  }
  return In;
}

/// One NPU layer's record for the roofline: executed MACs and DRAM bytes as the backend counts them.
struct LayerRecord {
  std::string Node;
  uint64_t Cycles = 0, Span = 0, ExecutedMacs = 0, DramBytes = 0;
};

/// The `layers` column: the records with each node's useful MACs (0 for a node that is not a Conv, MatMul or
/// Gemm of the imported graph, e.g. a pooling layer, whose GEMM work is not useful).
std::string layersJson(const std::vector<LayerRecord> &Layers, const std::map<std::string, uint64_t> &Useful) {
  Json J = Json::array();
  for (const LayerRecord &L : Layers) {
    const auto It = Useful.find(L.Node);
    J.push_back({{"node", L.Node},
                 {"cycles", L.Cycles},
                 {"span", L.Span},
                 {"useful_macs", It == Useful.end() ? 0 : It->second},
                 {"executed_macs", L.ExecutedMacs},
                 {"dram_bytes", L.DramBytes}});
  }
  return jsonLine(J);
}

std::string layerJson(const std::vector<std::pair<std::string, uint64_t>> &Layers) {
  Json J = Json::object();
  for (const auto &[Node, Cycles] : Layers)
    J[Node] = Cycles;
  return jsonLine(J);
}

/// Cycles, per-layer cycles and operation counts of the compiled model on the backend.
Status measure(const backend::CompileResult &CR, const ModelSpec &M, const EvalOptions &O,
               const std::map<std::string, uint64_t> &Useful, PointResult &R, sim::SimStats &Counts) {
  std::vector<std::pair<std::string, uint64_t>> Layers;
  std::vector<LayerRecord> Records;
  if (O.Backend == "estimate") {
    std::vector<const isa::Program *> Programs;
    for (const backend::ArtifactSegment &S : CR.Artifact.Segments) {
      if (S.K != backend::ArtifactSegment::Npu)
        continue;
      Programs.push_back(&S.Program);
      for (const backend::LayerCost &L : backend::estimateProgram(S.Program)) {
        Layers.push_back({L.Node, L.Cycles}), R.Cycles += int64_t(L.Cycles);
        Records.push_back({L.Node, L.Cycles, L.Span, L.Macs, L.DramBytes});
      }
    }
    Counts = staticCounts(Programs);
  } else {
    auto Dev = runtime::makeDevice(O.Backend, CR.Artifact.Config);
    if (!Dev)
      return Dev.error();
    auto In = runInputs(M, CR.Artifact);
    if (!In)
      return In.error();
    auto Out = runtime::runModel(Dev->get(), CR.Artifact, *In, runtime::ModelRunOptions());
    if (!Out)
      return Out.error();
    Counts = Out->Total;
    if (runtime::hasTiming(*Out)) {
      auto T = runtime::modelTiming(*Out);
      if (!T)
        return T.error();
      R.Cycles = int64_t(T->TotalCycles);
      Layers = sim::nodeCycles(*T);
      for (const sim::NodeStats &N : T->Nodes) // data bytes: the simulator does not attribute micro-op loads
        Records.push_back({N.Name, N.Cycles, N.span(), N.Macs, N.DramRead + N.DramWritten});
    }
  }
  R.LayerCycles = layerJson(Layers);
  R.Layers = layersJson(Records, Useful);
  return Status::ok();
}

/// Compiles and measures one model on a valid config; failures are recorded in R.
void evaluateModel(const HardwareConfig &C, const ModelSpec &M, const EvalOptions &O, PointResult &R) {
  frontend::ImportOptions Import;
  for (const std::string &Spec : M.InputShapes)
    if (Status S = frontend::addInputShapeOption(Import, Spec); !S) {
      R.Status = "compile_failed", R.Reason = S.message();
      return;
    }
  auto G = frontend::loadModel(M.Path, Import);
  if (!G) {
    R.Status = "compile_failed", R.Reason = G.message();
    return;
  }
  const std::map<std::string, uint64_t> Useful = usefulMacs(*G);
  passes::PassOptions Opts;
  Opts.Config = &C;
  Opts.CalibDirs = M.CalibDirs;
  Status P = passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, passes::PipelineOptions());
  auto CR = P ? backend::compileModel(*G, C) : Expected<backend::CompileResult>(P.error());
  if (!CR) {
    R.Status = "compile_failed", R.Reason = CR.message();
    return;
  }
  for (const backend::NodePlacement &N : CR->Placements) {
    ++(N.Npu ? R.NpuNodes : R.HostNodes);
    if (auto It = Useful.find(N.Node); N.Npu && It != Useful.end())
      R.UsefulMacs += int64_t(It->second);
  }
  sim::SimStats Counts;
  if (Status S = measure(*CR, M, O, Useful, R, Counts); !S) {
    R.Status = "run_failed", R.Reason = S.message();
    return;
  }
  R.Status = "ok";
  R.ExecutedMacs = int64_t(Counts.Macs);
  for (unsigned K = 0; K < isa::NumMemTypes; ++K)
    R.DramBytes += int64_t(Counts.BytesLoaded[K] + Counts.BytesStored[K]);
  R.TimeUs = double(R.Cycles) / C.ClockMHz;
  if (R.Cycles > 0)
    R.MacUtilization = double(R.UsefulMacs) / (double(C.D.PeakMacsPerCycle) * double(R.Cycles));
  EnergyBreakdown E = runEnergy(Counts, C, O.Tech);
  R.EnergyPj = E.total();
  R.EnergyJson = E.toJson(O.Tech);
}

/// The config's area by the chosen method; a Yosys failure falls back to the tech figures, saying so.
AreaBreakdown pointArea(const HardwareConfig &C, const EvalOptions &O, std::string &Note) {
  if (!O.YosysArea)
    return configArea(C, O.Tech);
  auto R = hw::estimateArea(C);
  if (R)
    return yosysArea(C, O.Tech, *R);
  Note = "--area yosys failed, tech figures used: " + R.message();
  return configArea(C, O.Tech);
}

} // namespace

std::vector<PointResult> evaluatePoint(const Space &S, const Point &P, const std::vector<ModelSpec> &Models,
                                       const EvalOptions &O) {
  std::vector<PointResult> Rows;
  auto C = pointConfig(S, P);
  std::string Note;
  AreaBreakdown Area = C ? pointArea(*C, O, Note) : AreaBreakdown();
  for (const ModelSpec &M : Models) {
    const auto Start = std::chrono::steady_clock::now();
    PointResult R = rowFor(S, P, M, O);
    if (!C) {
      R.Status = "invalid_config", R.Reason = C.message();
    } else {
      R.ConfigName = C->Name;
      R.ClockMhz = C->ClockMHz;
      R.AreaUm2 = Area.total();
      Json AreaJ = Json::parse(Area.toJson());
      if (!Note.empty())
        AreaJ["note"] = Note;
      R.AreaJson = jsonLine(AreaJ);
      evaluateModel(*C, M, O, R);
    }
    R.WallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
    Rows.push_back(std::move(R));
  }
  return Rows;
}

} // namespace npu::codesign
