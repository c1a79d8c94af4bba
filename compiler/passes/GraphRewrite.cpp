// Graph editing helpers shared by the passes.
#include "GraphRewrite.h"

namespace npu::passes {

using namespace ir;

std::vector<int> useCounts(const Graph &G) {
  std::vector<int> Uses(G.numValues(), 0);
  for (const Node &N : G.nodes())
    for (ValueId In : N.Inputs)
      if (In != NoValue)
        ++Uses[size_t(In)];
  for (ValueId Out : G.Outputs)
    ++Uses[size_t(Out)];
  return Uses;
}

void replaceAllUses(Graph &G, ValueId From, ValueId To) {
  for (Node &N : G.nodes())
    for (ValueId &In : N.Inputs)
      if (In == From)
        In = To;
  for (ValueId &Out : G.Outputs)
    if (Out == From)
      Out = To;
}

void compactGraph(Graph &G, const std::vector<bool> &KeepNode) {
  std::vector<bool> Live(G.numValues(), false);
  for (ValueId In : G.Inputs)
    Live[size_t(In)] = true;
  for (ValueId Out : G.Outputs)
    Live[size_t(Out)] = true;
  for (size_t I = 0; I < G.nodes().size(); ++I) {
    if (!KeepNode[I])
      continue;
    for (ValueId V : G.nodes()[I].Inputs)
      if (V != NoValue)
        Live[size_t(V)] = true;
    for (ValueId V : G.nodes()[I].Outputs)
      if (V != NoValue)
        Live[size_t(V)] = true;
  }
  Graph New;
  New.Name = G.Name;
  std::vector<ValueId> Map(G.numValues(), NoValue);
  // Graph inputs first, in their order, so the signature is unchanged.
  for (ValueId In : G.Inputs)
    Map[size_t(In)] = New.addInput(G.value(In).Name, *G.value(In).Type);
  for (size_t I = 0; I < G.numValues(); ++I) {
    const Value &V = G.value(ValueId(I));
    if (!Live[I] || Map[I] != NoValue)
      continue;
    if (V.Kind == ValueKind::Constant)
      Map[I] = New.addConstant(V.Name, V.Data, V.Type);
    else if (V.Kind == ValueKind::NodeOutput)
      Map[I] = New.addValue(V.Name, V.Type);
  }
  auto MapIds = [&](const std::vector<ValueId> &Ids) {
    std::vector<ValueId> Out;
    for (ValueId V : Ids)
      Out.push_back(V == NoValue ? NoValue : Map[size_t(V)]);
    return Out;
  };
  for (size_t I = 0; I < G.nodes().size(); ++I) {
    if (!KeepNode[I])
      continue;
    const Node &N = G.nodes()[I];
    Node &M = New.addNode(N.OpType, MapIds(N.Inputs), MapIds(N.Outputs), N.Name);
    M.Attrs = N.Attrs;
  }
  New.Outputs = MapIds(G.Outputs);
  G = std::move(New);
}

} // namespace npu::passes
