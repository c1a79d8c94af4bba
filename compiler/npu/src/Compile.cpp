// Partitioning into segments (consecutive nodes with the same placement in a topological order that groups
// each device's nodes), host subgraph extraction, NPU
// segment lowering (tile IR, then the backend passes of BackendPasses.def to an isa::Program) and artifact
// assembly.
#include "npu/backend/Compile.h"

#include "Emitter.h"
#include "npu/backend/CostModel.h"
#include "npu/backend/Lowerings.h"
#include "npu/compiler/ir/Printer.h"
#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/OpRegistry.h"

#include <map>
#include <set>
#include <sstream>

namespace npu::backend {

namespace {

Status canLower(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (const Lowering *L = findLowering(G, N))
    return L->CanLower(G, N, C);
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

/// Model outputs that are constants (folded at compile time) are produced by one last host segment that
/// copies them, so every output has a producer.
Status constantOutputs(const ir::Graph &G, ModelArtifact &A) {
  ir::Graph H;
  H.Name = "constants";
  for (ir::ValueId V : G.Outputs) {
    if (G.value(V).Kind != ir::ValueKind::Constant)
      continue;
    ir::ValueId C = H.addConstant(G.value(V).Name + ".constant", G.value(V).Data, G.value(V).Type);
    ir::ValueId Out = H.addValue(G.value(V).Name, G.value(V).Type);
    H.addNode("Identity", {C}, {Out}, G.value(V).Name + ".copy");
    H.Outputs.push_back(Out);
  }
  if (H.Outputs.empty())
    return Status::ok();
  ArtifactSegment Seg;
  Seg.Name = "host" + std::to_string(A.Segments.size());
  for (ir::ValueId V : H.Outputs)
    Seg.Outputs.push_back(artifactValue(H, V));
  Seg.HostGraph = ir::printGraph(H);
  A.Segments.push_back(std::move(Seg));
  return Status::ok();
}

/// The binding shape of a blocked value: n padded to core.batch, since a DRAM row is batch x c elements.
std::vector<int64_t> bindingShape(const ir::Shape &Dims, const HardwareConfig &C) {
  std::vector<int64_t> S = Dims;
  S[S.size() - 2] = int64_t(C.Batch);
  return S;
}

Status lowerNode(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const Lowering *L = findLowering(G, N);
  if (!L)
    return makeError("no NPU lowering for ", N.OpType);
  return L->Lower(E, G, N);
}

/// Estimated cycles of node N alone under schedule S (S.Node empty: the lowering's own choice), and the
/// schedule the lowering took; the segment's tensors are copied without their data.
Expected<std::pair<uint64_t, LayerSchedule>> trySchedule(const Emitter &E, const TileProgram &TP,
                                                         const ir::Graph &G, const ir::Node &N,
                                                         const std::string &Name, const LayerSchedule *S) {
  TileProgram Scratch;
  for (const TileTensor &T : TP.Tensors) {
    Scratch.Tensors.push_back(T);
    Scratch.Tensors.back().Data.clear();
    Scratch.Tensors.back().Data.shrink_to_fit();
  }
  Emitter X(E.config(), Scratch);
  X.Values = E.Values;
  X.setNode(Name);
  if (S)
    X.Forced[Name] = *S;
  NPU_TRY(lowerNode(X, G, N));
  if (X.Chosen.empty())
    return makeError("no schedule recorded");
  BackendState B(E.config());
  B.Program = std::move(Scratch);
  BackendPipelineOptions Quiet; // a probe: the program the compiler keeps is verified
  Quiet.VerifyEach = false;
  NPU_TRY(runBackendPipeline(B, Quiet));
  return std::pair{estimateTotalCycles(B.Emitted), X.Chosen.back()};
}

/// --tune: the formula's choice and its neighbours (tile rows x 1/2, 3/4, 3/2, 2; every buffering depth the
/// token queues allow), each lowered alone, token-scheduled and estimated; the fastest is forced.
void tuneNode(Emitter &E, const TileProgram &TP, const ir::Graph &G, const ir::Node &N,
              const std::string &Name) {
  auto Base = trySchedule(E, TP, G, N, Name, nullptr);
  if (!Base)
    return;
  auto [BestCycles, Best] = *Base;
  const int64_t R = Best.TileRows;
  std::set<std::pair<int64_t, int64_t>> Seen = {{R, Best.Buffers}};
  for (int64_t Rows : {R, (R + 1) / 2, (3 * R + 3) / 4, (3 * R + 1) / 2, 2 * R})
    for (int64_t B = 1; B <= E.maxBuffers(); ++B) {
      if (Rows < 1 || !Seen.insert({Rows, B}).second)
        continue;
      LayerSchedule S;
      S.Node = Name, S.TileRows = Rows, S.Buffers = B;
      auto T = trySchedule(E, TP, G, N, Name, &S);
      if (!T || T->second.TileRows != Rows || T->second.Buffers != B)
        continue;
      if (T->first < BestCycles)
        BestCycles = T->first, Best = T->second;
    }
  Best.Node = Name;
  Best.Estimate = BestCycles;
  E.Forced[Name] = Best;
}

/// Lowers the segment's nodes into TP (the tile program before any backend pass) and records their schedules.
Status lowerSegment(const ir::Graph &G, const SegmentNodes &Seg, const std::vector<ir::ValueId> &In,
                    const std::vector<ir::ValueId> &Out, const HardwareConfig &C, const CompileOptions &O,
                    TileProgram &TP, std::vector<LayerSchedule> &Schedules) {
  Emitter E(C, TP);
  E.SerialOnly = O.Serial;
  std::set<ir::ValueId> Outs(Out.begin(), Out.end());
  auto Register = [&](ir::ValueId V, TileTensor::Kind K) {
    RowTensor R = rowGeometry(G.type(V).Dims);
    TileTensor T;
    T.Name = G.value(V).Name;
    T.K = K;
    // A row holds core.batch x c elements, c = the value's own block (block_in or block_out): the
    // activation type (int8 or int16), or int32 for a result kept in its accumulators.
    const ir::ElemType Elem = G.type(V).Elem;
    T.Bytes = uint64_t(R.rows()) * C.Batch * uint64_t(G.type(V).Dims.back()) * ir::elemTypeSize(Elem);
    T.DType = Elem == ir::ElemType::Int32 ? "int32" : Elem == ir::ElemType::Int16 ? "int16" : "int8";
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
    const std::string Name = N.Name.empty() ? N.OpType : N.Name;
    if (O.Tune && !O.Serial)
      tuneNode(E, TP, G, N, Name);
    E.setNode(Name);
    const size_t Before = E.Chosen.size();
    if (Status S = lowerNode(E, G, N); !S)
      return S.error().withContext(ir::describeNode(N));
    if (E.Chosen.size() > Before && E.Forced.count(Name)) {
      E.Chosen.back().Tuned = true;
      E.Chosen.back().Estimate = E.Forced[Name].Estimate;
    }
  }
  Schedules = E.Chosen;
  return Status::ok();
}

/// The nodes in a topological order that keeps each device's work together: a list schedule that takes the
/// ready node of the current device (NPU or host) with the lowest index while there is one, and switches
/// device only when none is ready. Deterministic: ties go to the lowest node index.
std::vector<size_t> deviceOrder(const ir::Graph &G, const std::vector<NodePlacement> &Placements) {
  const size_t NN = G.nodes().size();
  std::vector<int> Producer(G.numValues(), -1), Waiting(NN, 0);
  std::vector<std::vector<size_t>> Readers(NN);
  for (size_t K = 0; K < NN; ++K)
    for (ir::ValueId V : G.nodes()[K].Outputs)
      if (V != ir::NoValue)
        Producer[size_t(V)] = int(K);
  for (size_t K = 0; K < NN; ++K) {
    std::set<size_t> From;
    for (ir::ValueId V : G.nodes()[K].Inputs)
      if (V != ir::NoValue && Producer[size_t(V)] >= 0 && size_t(Producer[size_t(V)]) != K)
        From.insert(size_t(Producer[size_t(V)]));
    Waiting[K] = int(From.size());
    for (size_t P : From)
      Readers[P].push_back(K);
  }
  std::set<size_t> Ready[2]; // [host, npu], by node index
  for (size_t K = 0; K < NN; ++K)
    if (!Waiting[K])
      Ready[Placements[K].Npu].insert(K);
  std::vector<size_t> Order;
  bool Npu = NN && Placements[0].Npu;
  while (Order.size() < NN) {
    if (Ready[Npu].empty())
      Npu = !Npu;
    if (Ready[Npu].empty()) // a cycle: keep the remaining nodes in their order (the verifier rejects it)
      break;
    const size_t K = *Ready[Npu].begin();
    Ready[Npu].erase(Ready[Npu].begin());
    Order.push_back(K);
    for (size_t D : Readers[K])
      if (--Waiting[D] == 0)
        Ready[Placements[D].Npu].insert(D);
  }
  if (Order.size() < NN) {
    std::vector<bool> Taken(NN, false);
    for (size_t K : Order)
      Taken[K] = true;
    for (size_t K = 0; K < NN; ++K)
      if (!Taken[K])
        Order.push_back(K);
  }
  return Order;
}

} // namespace

std::vector<NodePlacement> placeNodes(const ir::Graph &G, const HardwareConfig &C) {
  std::vector<NodePlacement> R;
  for (const ir::Node &N : G.nodes()) {
    NodePlacement P{N.Name, N.OpType, false, ""};
    Status S = canLower(G, N, C);
    P.Npu = S.isOk();
    P.Reason = P.Npu ? std::string("lowered by ") + findLowering(G, N)->Name : S.message();
    R.push_back(P);
  }
  return R;
}

Expected<CompileResult> compileModel(const ir::Graph &G, const HardwareConfig &C) {
  return compileModel(G, C, CompileOptions{});
}

Expected<CompileResult> compileModel(const ir::Graph &G, const HardwareConfig &C, const CompileOptions &O) {
  CompileResult R;
  R.Placements = placeNodes(G, C);
  std::vector<SegmentNodes> Segs;
  for (size_t K : deviceOrder(G, R.Placements)) {
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
  A.Meta.push_back({"schedule", O.Serial ? "serial" : O.Tune ? "pipelined, tuned" : "pipelined"});
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
      BackendState B(C);
      B.Serial = O.Serial;
      std::vector<LayerSchedule> Sched;
      BackendPipelineOptions Pipe = O.Backend ? *O.Backend : BackendPipelineOptions{};
      Pipe.Label = Seg.Name;
      if (Status St = lowerSegment(G, Segs[S], In, Out, C, O, B.Program, Sched); !St)
        return St.error().withContext("segment " + Seg.Name);
      if (Status St = runBackendPipeline(B, Pipe); !St)
        return St.error().withContext("segment " + Seg.Name);
      // Stopped before emit: the text carries the constants' data, so the passes can go on from it.
      R.Stopped = !B.hasRun("emit");
      R.TileText += "# segment " + Seg.Name + "\n" + printTileProgram(B.Program, C, R.Stopped);
      if (!R.Stopped) {
        Seg.Program = std::move(B.Emitted);
        Seg.Program.Meta.push_back({"segment", Seg.Name});
      }
      A.Meta.push_back({"schedule." + Seg.Name, formatScheduleRecord(Sched)});
      R.Schedules[Seg.Name] = std::move(Sched);
      R.Tokens[Seg.Name] = B.Tokens;
    } else {
      auto H = hostSubgraph(G, Segs[S], In, Out, Seg.Name);
      if (!H)
        return H.error();
      Seg.HostGraph = H.takeValue();
    }
    A.Segments.push_back(std::move(Seg));
  }
  if (Status S = constantOutputs(G, A); !S)
    return S.error();
  return R;
}

std::string formatPlacementReport(const CompileResult &R) {
  std::ostringstream OS;
  OS << "placement (config " << R.Artifact.Config.Name << ", " << R.Artifact.Config.shortHash() << "):\n";
  for (const NodePlacement &P : R.Placements)
    OS << "  " << (P.Npu ? "npu " : "host") << "  " << P.Node << " (" << P.OpType << "): " << P.Reason
       << "\n";
  size_t Npu = 0, Switches = 0;
  for (size_t S = 0; S < R.Artifact.Segments.size(); ++S) {
    Npu += R.Artifact.Segments[S].K == ArtifactSegment::Npu;
    Switches += S > 0 && R.Artifact.Segments[S].K != R.Artifact.Segments[S - 1].K;
  }
  OS << "partition: " << Npu << " npu segments, " << R.Artifact.Segments.size() - Npu << " host segments, "
     << Switches << " npu<->host switches\n";
  OS << "segments:\n";
  for (const ArtifactSegment &S : R.Artifact.Segments) {
    OS << "  " << S.Name << ": " << S.Nodes.size() << " nodes, " << S.Inputs.size() << " inputs, "
       << S.Outputs.size() << " outputs";
    if (S.K == ArtifactSegment::Npu)
      OS << ", " << S.Program.Insns.size() << " instructions, " << S.Program.Uops.size() << " micro-ops, "
         << S.Program.DramBytes << " DRAM bytes";
    OS << "\n";
    if (S.K != ArtifactSegment::Npu)
      continue;
    OS << formatCostTable(estimateProgram(S.Program), S.Program.Config);
    if (auto T = R.Tokens.find(S.Name); T != R.Tokens.end()) {
      OS << "  tokens:";
      for (unsigned F = 0; F < 4; ++F)
        OS << " " << tokenFifoName(F) << " " << T->second.Tokens[F] << " (at most "
           << T->second.MaxOutstanding[F] << " outstanding)";
      OS << ", " << T->second.Relays << " relays" << (T->second.Unproven ? ", serial fallback" : "") << "\n";
    }
    if (auto It = R.Schedules.find(S.Name); It != R.Schedules.end()) {
      OS << "  schedule (tile rows x buffers; the per-tile formula's estimate, or with --tune the layer's "
            "program alone):\n";
      for (const LayerSchedule &L : It->second)
        OS << "    " << L.Node << ": " << L.TileRows << " x " << L.Buffers
           << (L.Groups ? ", " + std::to_string(L.Groups) + " output blocks per weight group" : "") << ", "
           << L.Estimate << " cycles" << (L.Tuned ? " (tuned)" : "") << "\n";
    }
  }
  return OS.str();
}

} // namespace npu::backend
