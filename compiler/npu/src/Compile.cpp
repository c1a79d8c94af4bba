// Partitioning into segments (consecutive nodes with the same placement), host subgraph extraction, NPU
// segment lowering (tile IR -> tokens -> DRAM plan -> isa::Program) and artifact assembly.
#include "npu/backend/Compile.h"

#include "Emitter.h"
#include "npu/backend/CostModel.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/OpRegistry.h"

#include <map>
#include <set>
#include <sstream>

namespace npu::backend {

namespace {

Status canLower(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (N.OpType == "npu.QConv")
    return canLowerConv(G, N, C);
  if (N.OpType == "npu.QMatMul")
    return canLowerMatMul(G, N, C);
  if (N.OpType == "npu.MaxPool" || N.OpType == "npu.QAvgPool" || N.OpType == "npu.QGlobalAvgPool")
    return canLowerPool(G, N, C);
  if (N.OpType == "Relu" || N.OpType == "npu.Requantize" || N.OpType == "npu.QAdd")
    return canLowerElementwise(G, N, C);
  if (N.OpType == "npu.ToBlocked" || N.OpType == "npu.FromBlocked")
    return makeError("layout conversion at a segment boundary (host)");
  return makeError("no NPU lowering for ", N.OpType);
}

ArtifactValue artifactValue(const ir::Graph &G, ir::ValueId V) {
  return {G.value(V).Name, G.type(V).Elem, G.type(V).Dims};
}

struct SegmentNodes {
  bool Npu = false;
  std::vector<size_t> Nodes;
};

/// Values a segment reads from outside (not constants) and values it defines that later segments or the graph
/// outputs read.
void segmentInterface(const ir::Graph &G, const std::vector<SegmentNodes> &Segs, size_t S,
                      std::vector<ir::ValueId> &In, std::vector<ir::ValueId> &Out) {
  std::set<ir::ValueId> Defined, Seen;
  for (size_t K : Segs[S].Nodes)
    for (ir::ValueId V : G.nodes()[K].Outputs)
      if (V != ir::NoValue)
        Defined.insert(V);
  for (size_t K : Segs[S].Nodes)
    for (ir::ValueId V : G.nodes()[K].Inputs)
      if (V != ir::NoValue && !Defined.count(V) && G.value(V).Kind != ir::ValueKind::Constant &&
          Seen.insert(V).second)
        In.push_back(V);
  std::set<ir::ValueId> Later(G.Outputs.begin(), G.Outputs.end());
  for (size_t T = S + 1; T < Segs.size(); ++T)
    for (size_t K : Segs[T].Nodes)
      Later.insert(G.nodes()[K].Inputs.begin(), G.nodes()[K].Inputs.end());
  for (size_t K : Segs[S].Nodes)
    for (ir::ValueId V : G.nodes()[K].Outputs)
      if (V != ir::NoValue && Later.count(V))
        Out.push_back(V);
}

Expected<std::string> hostSubgraph(const ir::Graph &G, const SegmentNodes &Seg,
                                   const std::vector<ir::ValueId> &In, const std::vector<ir::ValueId> &Out,
                                   const std::string &Name) {
  ir::Graph H;
  H.Name = Name;
  std::map<ir::ValueId, ir::ValueId> Map;
  for (ir::ValueId V : In)
    Map[V] = H.addInput(G.value(V).Name, G.type(V));
  for (size_t K : Seg.Nodes) {
    const ir::Node &N = G.nodes()[K];
    std::vector<ir::ValueId> Ins, Outs;
    for (ir::ValueId V : N.Inputs) {
      if (V == ir::NoValue) {
        Ins.push_back(V);
        continue;
      }
      if (!Map.count(V))
        Map[V] = H.addConstant(G.value(V).Name, G.value(V).Data, G.value(V).Type);
      Ins.push_back(Map[V]);
    }
    for (ir::ValueId V : N.Outputs)
      Outs.push_back(V == ir::NoValue ? V : (Map[V] = H.addValue(G.value(V).Name, G.value(V).Type)));
    H.addNode(N.OpType, Ins, Outs, N.Name).Attrs = N.Attrs;
  }
  for (ir::ValueId V : Out)
    H.Outputs.push_back(Map.at(V));
  return ir::printGraph(H);
}

/// The binding shape of a blocked value: n padded to core.batch, since a DRAM row is batch x c elements.
std::vector<int64_t> bindingShape(const ir::Shape &Dims, const HardwareConfig &C) {
  std::vector<int64_t> S = Dims;
  S[S.size() - 2] = int64_t(C.Batch);
  return S;
}

Expected<isa::Program> lowerSegment(const ir::Graph &G, const SegmentNodes &Seg,
                                    const std::vector<ir::ValueId> &In, const std::vector<ir::ValueId> &Out,
                                    const HardwareConfig &C, TileProgram &TP) {
  Emitter E(C, TP);
  std::set<ir::ValueId> Outs(Out.begin(), Out.end());
  auto Register = [&](ir::ValueId V, TileTensor::Kind K) {
    RowTensor R = rowGeometry(G.type(V).Dims);
    TileTensor T;
    T.Name = G.value(V).Name;
    T.K = K;
    T.Bytes = uint64_t(R.rows()) * C.D.InputRowBytes;
    if (K != TileTensor::Temp)
      T.Shape = bindingShape(G.type(V).Dims, C);
    R.Tensor = TP.addTensor(std::move(T));
    E.Values[V] = R;
  };
  for (ir::ValueId V : In)
    Register(V, TileTensor::Input);
  for (size_t K : Seg.Nodes) {
    const ir::Node &N = G.nodes()[K];
    Register(N.Outputs[0], Outs.count(N.Outputs[0]) ? TileTensor::Output : TileTensor::Temp);
    E.setNode(N.Name.empty() ? N.OpType : N.Name);
    Status S = N.OpType == "npu.QConv"     ? lowerConv(E, G, N)
               : N.OpType == "npu.QMatMul" ? lowerMatMul(E, G, N)
               : N.OpType == "npu.MaxPool" || N.OpType == "npu.QAvgPool" || N.OpType == "npu.QGlobalAvgPool"
                   ? lowerPool(E, G, N)
                   : lowerElementwise(E, G, N);
    if (!S)
      return S.error().withContext(ir::describeNode(N));
  }
  insertSerialTokens(TP);
  return emitProgram(TP, C);
}

} // namespace

std::vector<NodePlacement> placeNodes(const ir::Graph &G, const HardwareConfig &C) {
  std::vector<NodePlacement> R;
  for (const ir::Node &N : G.nodes()) {
    NodePlacement P{N.Name, N.OpType, false, ""};
    Status S = canLower(G, N, C);
    P.Npu = S.isOk();
    P.Reason = P.Npu ? "lowered to LOAD/GEMM/ALU/STORE" : S.message();
    R.push_back(P);
  }
  return R;
}

Expected<CompileResult> compileModel(const ir::Graph &G, const HardwareConfig &C) {
  CompileResult R;
  R.Placements = placeNodes(G, C);
  std::vector<SegmentNodes> Segs;
  for (size_t K = 0; K < G.nodes().size(); ++K) {
    if (Segs.empty() || Segs.back().Npu != R.Placements[K].Npu)
      Segs.push_back({R.Placements[K].Npu, {}});
    Segs.back().Nodes.push_back(K);
  }
  ModelArtifact &A = R.Artifact;
  A.Config = C;
  for (ir::ValueId V : G.Inputs)
    A.Inputs.push_back(artifactValue(G, V));
  for (ir::ValueId V : G.Outputs)
    A.Outputs.push_back(artifactValue(G, V));
  A.Meta.push_back({"tool", "npuc compile"});
  A.Meta.push_back({"model", G.Name});
  for (size_t S = 0; S < Segs.size(); ++S) {
    ArtifactSegment Seg;
    Seg.K = Segs[S].Npu ? ArtifactSegment::Npu : ArtifactSegment::Host;
    Seg.Name = (Segs[S].Npu ? "npu" : "host") + std::to_string(S);
    std::vector<ir::ValueId> In, Out;
    segmentInterface(G, Segs, S, In, Out);
    for (ir::ValueId V : In)
      Seg.Inputs.push_back(artifactValue(G, V));
    for (ir::ValueId V : Out)
      Seg.Outputs.push_back(artifactValue(G, V));
    for (size_t K : Segs[S].Nodes)
      Seg.Nodes.push_back(G.nodes()[K].Name);
    if (Segs[S].Npu) {
      TileProgram TP;
      auto P = lowerSegment(G, Segs[S], In, Out, C, TP);
      if (!P)
        return P.error().withContext("segment " + Seg.Name);
      Seg.Program = P.takeValue();
      Seg.Program.Meta.push_back({"segment", Seg.Name});
      R.TileText += "# segment " + Seg.Name + "\n" + printTileProgram(TP, C);
    } else {
      auto H = hostSubgraph(G, Segs[S], In, Out, Seg.Name);
      if (!H)
        return H.error();
      Seg.HostGraph = H.takeValue();
    }
    A.Segments.push_back(std::move(Seg));
  }
  return R;
}

std::string formatPlacementReport(const CompileResult &R) {
  std::ostringstream OS;
  OS << "placement (config " << R.Artifact.Config.Name << ", " << R.Artifact.Config.shortHash() << "):\n";
  for (const NodePlacement &P : R.Placements)
    OS << "  " << (P.Npu ? "npu " : "host") << "  " << P.Node << " (" << P.OpType << "): " << P.Reason
       << "\n";
  OS << "segments:\n";
  for (const ArtifactSegment &S : R.Artifact.Segments) {
    OS << "  " << S.Name << ": " << S.Nodes.size() << " nodes, " << S.Inputs.size() << " inputs, "
       << S.Outputs.size() << " outputs";
    if (S.K == ArtifactSegment::Npu)
      OS << ", " << S.Program.Insns.size() << " instructions, " << S.Program.Uops.size() << " micro-ops, "
         << S.Program.DramBytes << " DRAM bytes";
    OS << "\n";
    if (S.K == ArtifactSegment::Npu)
      OS << formatCostTable(estimateProgram(S.Program), S.Program.Config);
  }
  return OS.str();
}

} // namespace npu::backend
