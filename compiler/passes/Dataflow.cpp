// Producer and use tracking for one-sweep node merging.
#include "Dataflow.h"
#include "GraphRewrite.h"

namespace npu::passes {

using namespace ir;

Dataflow::Dataflow(const Graph &G) : Uses(useCounts(G)), Keep(G.nodes().size(), true) {
  Producer.assign(G.numValues(), -1);
  IsOutput.assign(G.numValues(), false);
  for (ValueId O : G.Outputs)
    IsOutput[size_t(O)] = true;
  for (size_t I = 0; I < G.nodes().size(); ++I)
    for (ValueId O : G.nodes()[I].Outputs)
      if (O != NoValue)
        Producer[size_t(O)] = int(I);
}

void Dataflow::grow(const Graph &G) {
  // Passes add constants while rewriting; those are no node's output and nobody has read them yet.
  Uses.resize(G.numValues(), 0);
  Producer.resize(G.numValues(), -1);
  IsOutput.resize(G.numValues(), false);
}

Node *Dataflow::soleProducer(Graph &G, ValueId V) {
  grow(G);
  if (V == NoValue || Producer[size_t(V)] < 0 || Uses[size_t(V)] != 1 || IsOutput[size_t(V)])
    return nullptr;
  Node &P = G.nodes()[size_t(Producer[size_t(V)])];
  if (P.Outputs.empty() || P.Outputs[0] != V)
    return nullptr;
  for (size_t O = 1; O < P.Outputs.size(); ++O)
    if (P.Outputs[O] != NoValue && Uses[size_t(P.Outputs[O])] > 0)
      return nullptr;
  return &P;
}

void Dataflow::takeOver(Graph &G, Node &P, size_t Consumer) {
  grow(G);
  Node &C = G.nodes()[Consumer];
  ValueId Out = C.Outputs[0];
  P.Outputs[0] = Out;
  Producer[size_t(Out)] = int(&P - G.nodes().data());
  for (ValueId In : C.Inputs)
    if (In != NoValue)
      --Uses[size_t(In)];
  Keep[Consumer] = false;
}

} // namespace npu::passes
