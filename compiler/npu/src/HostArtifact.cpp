// The artifact of `--target host`: the host pipeline's float graph as the text of one host segment.
#include "npu/backend/HostArtifact.h"

#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/passes/PassManager.h"

namespace npu::backend {

namespace {

ArtifactValue artifactValue(const ir::Graph &G, ir::ValueId V) {
  return {G.value(V).Name, G.type(V).Elem, G.type(V).Dims};
}

} // namespace

Expected<ModelArtifact> hostArtifact(const ir::Graph &G, const HardwareConfig &Config) {
  ModelArtifact A;
  A.Config = Config;
  ArtifactSegment S;
  S.K = ArtifactSegment::Host;
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

Expected<ModelArtifact> compileHostArtifact(const std::string &OnnxPath, const frontend::ImportOptions &Import) {
  auto G = frontend::loadModel(OnnxPath, Import);
  if (!G)
    return G.error();
  passes::PassOptions Opts;
  Status S = passes::runPipeline(*G, passes::defaultPipeline("host"), Opts, passes::PipelineOptions());
  if (!S)
    return S.withContext(OnnxPath);
  return hostArtifact(*G, defaultHardwareConfig());
}

} // namespace npu::backend
