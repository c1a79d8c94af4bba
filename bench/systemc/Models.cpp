// Compiling the benchmark models and capturing their NPU segments' input images (see Models.h).
#include "Models.h"

#include "Check.h"

#include "npu/backend/Compile.h"
#include "npu/compiler/frontend/LoadModel.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/runtime/ModelRunner.h"
#include "npu/runtime/RecordingDevice.h"
#include "npu/runtime/TensorProto.h"
#include "npu/sim/FuncSim.h"

#include <chrono>

namespace npubench {

using namespace npu;

std::vector<std::pair<std::string, std::string>> benchModels() {
  const std::string Data = std::string(NPU_TESTDATA_DIR) + "/models/";
  return {{"mnist-8", Data + "mnist-8"}, {"resnet50-light", Data + "onnx-light/light_resnet50"}};
}

Expected<CompiledModel> compileBenchModel(const std::string &Name, const std::string &Dir,
                                          const HardwareConfig &C) {
  const auto Begin = std::chrono::steady_clock::now();
  auto G = frontend::loadModel(Dir + "/model.onnx");
  if (!G)
    return G.error();
  passes::PassOptions Opts;
  Opts.Config = &C;
  Opts.CalibDirs = {Dir + "/test_data_set_0"};
  NPU_TRY(passes::runPipeline(*G, passes::defaultPipeline("npu"), Opts, passes::PipelineOptions()));
  auto R = backend::compileModel(*G, C);
  if (!R)
    return R.error();
  CompiledModel M;
  M.Name = Name;
  M.Artifact = std::make_unique<backend::ModelArtifact>(std::move(R->Artifact));
  M.CompileSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - Begin).count();
  auto Inputs = runtime::readTensorDir(Dir + "/test_data_set_0", "input");
  if (!Inputs)
    return Inputs.error();
  runtime::FuncDevice Func(C);
  runtime::RecordingDevice Dev(Func);
  auto O = runtime::runModel(Dev, *M.Artifact, *Inputs);
  if (!O)
    return O.error();
  // The device saw the NPU segments in execution order.
  std::vector<runtime::RecordedRun> Runs = Dev.takeRuns();
  size_t K = 0;
  for (const backend::ArtifactSegment &S : M.Artifact->Segments)
    if (S.K == backend::ArtifactSegment::Npu && K < Runs.size()) {
      M.Segments.push_back(ModelSegment{S.Name, Runs[K].P, std::move(Runs[K].Dram)});
      ++K;
    }
  return M;
}

std::string funcDifference(const isa::Program &P, const std::vector<uint8_t> &Start, const std::vector<uint8_t> &Got) {
  std::vector<uint8_t> Want = Start;
  if (auto S = sim::FuncSim(P.Config).run(P, Want); !S)
    return "func: " + S.message();
  const std::string D = byteDifference(Got, Want);
  return D.empty() ? D : "final DRAM differs from func's: " + D;
}

} // namespace npubench
