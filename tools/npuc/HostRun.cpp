// npuc's host path: packaging a float graph as a host-only model artifact, and choosing the host executor
// (LLVM JIT on the CPU, the GPU, or the reference interpreter) for the host segments of any artifact.
#include "HostRun.h"

#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/passes/PassManager.h"
#include "npu/host/RuntimeHost.h"

#include <cstdlib>

namespace npuc {

using namespace npu;

bool isHostBackend(const std::string &Backend) { return Backend == "host" || Backend == "gpu"; }

namespace {

backend::ArtifactValue artifactValue(const ir::Graph &G, ir::ValueId V) {
  return {G.value(V).Name, G.type(V).Elem, G.type(V).Dims};
}

} // namespace

Expected<backend::ModelArtifact> hostArtifact(const ir::Graph &G, const HardwareConfig &Config) {
  backend::ModelArtifact A;
  A.Config = Config;
  backend::ArtifactSegment S;
  S.K = backend::ArtifactSegment::Host;
  S.Name = "host0";
  for (ir::ValueId V : G.Inputs)
    S.Inputs.push_back(artifactValue(G, V));
  for (ir::ValueId V : G.Outputs)
    S.Outputs.push_back(artifactValue(G, V));
  for (const ir::Node &N : G.nodes())
    S.Nodes.push_back(N.Name.empty() ? N.OpType : N.Name);
  S.HostGraph = ir::printGraph(G);
  // The text must read back as this graph, or the artifact would fail only when it is run.
  if (auto Back = ir::parseGraph(S.HostGraph); !Back)
    return Back.error().withContext("the host graph does not parse back");
  A.Inputs = S.Inputs;
  A.Outputs = S.Outputs;
  A.Meta = {{"tool", "npuc"}, {"target", "host"}, {"model", G.Name}};
  A.Segments.push_back(std::move(S));
  return A;
}

Expected<backend::ModelArtifact> compileHostArtifact(const std::string &OnnxPath,
                                                     const frontend::ImportOptions &Import) {
  auto G = frontend::loadModel(OnnxPath, Import);
  if (!G)
    return G.error();
  passes::PassOptions Opts;
  Status S = passes::runPipeline(*G, passes::defaultPipeline("host"), Opts, passes::PipelineOptions());
  if (!S)
    return S.withContext(OnnxPath);
  return hostArtifact(*G, defaultHardwareConfig());
}

Expected<runtime::ModelRunOptions> hostRunOptions(const Args &A, const std::string &Backend) {
  runtime::ModelRunOptions O;
  host::HostOptions HO;
  if (A.has("--threads")) {
    char *End = nullptr;
    long T = std::strtol(A.get("--threads").c_str(), &End, 10);
    if (A.get("--threads").empty() || *End || T < 0 || T > 1024)
      return makeError("usage: --threads must be a number of threads (0: all cores)");
    HO.Threads = int(T);
  }
  std::string Which = A.get("--host-backend", "jit");
  if (Which != "jit" && Which != "ref" && Which != "gpu")
    return makeError("usage: --host-backend must be jit, ref or gpu");
  if (Backend == "gpu") {
    if (A.has("--host-backend"))
      return makeError("usage: --host-backend does not apply to --backend gpu");
    if (Status S = host::cudaAvailable(); !S)
      return makeError("--backend gpu: ", S.message());
    O.Host = host::gpuHostExecutor(host::GpuOptions());
    return O;
  }
  if (Which == "gpu") { // host segments of an NPU artifact on the GPU, NPU segments on the simulator
    if (Status S = host::cudaAvailable(); !S)
      return makeError("--host-backend gpu: ", S.message());
    O.Host = host::gpuHostExecutor(host::GpuOptions());
    return O;
  }
  if (Which == "ref")
    return O; // the reference interpreter (the runtime's default)
  O.Host = host::jitHostExecutor(HO);
  if (HO.Threads > 0)
    O.Host.Name += " (" + std::to_string(HO.Threads) + " threads)";
  return O;
}

} // namespace npuc
