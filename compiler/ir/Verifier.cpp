// Graph IR verifier: structural checks (names, definitions, order, cycles) and type checks per node.
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ops/OpRegistry.h"

#include <unordered_map>
#include <unordered_set>

namespace npu::ir {

namespace {

std::string valueRef(const Graph &G, ValueId Id) { return "value '" + G.value(Id).Name + "'"; }

Status checkValues(const Graph &G) {
  std::unordered_set<std::string> Seen;
  for (size_t I = 0; I < G.numValues(); ++I) {
    const Value &V = G.value(static_cast<ValueId>(I));
    if (V.Name.empty())
      return makeError("value #", I, " has no name");
    if (!Seen.insert(V.Name).second)
      return makeError("duplicate value name '", V.Name, "'");
    if (!V.Type)
      return makeError("value '", V.Name, "' has no type");
    if (!V.Type->isStatic())
      return makeError("value '", V.Name, "' has a non-static shape ", formatShape(V.Type->Dims));
    if (shapeNumElements(V.Type->Dims) < 0)
      return makeError("value '", V.Name, "' has a shape too large");
    if (const auto &Q = V.Type->Quant) {
      if (Q->Scales.empty() || Q->Scales.size() != Q->ZeroPoints.size())
        return makeError("value '", V.Name, "': quantization needs as many zero points as scales");
      if (Q->Axis) {
        if (*Q->Axis < 0 || *Q->Axis >= V.Type->rank() || V.Type->Dims[*Q->Axis] != int64_t(Q->Scales.size()))
          return makeError("value '", V.Name, "': per-channel quantization does not match axis ", *Q->Axis);
      } else if (Q->Scales.size() != 1) {
        return makeError("value '", V.Name, "': per-tensor quantization needs one scale");
      }
    }
    if (V.Kind == ValueKind::Constant) {
      if (!V.Data)
        return makeError("constant '", V.Name, "' has no data");
      if (V.Data->elemType() != V.Type->Elem || V.Data->shape() != V.Type->Dims)
        return makeError("constant '", V.Name, "' data is ", formatType(V.Data->type()), " but its type is ",
                         formatType(*V.Type));
    } else if (V.Data) {
      return makeError("value '", V.Name, "' is not a constant but has data");
    }
  }
  return Status::ok();
}

Status checkInputsOutputs(const Graph &G) {
  std::unordered_set<ValueId> In;
  for (ValueId Id : G.Inputs) {
    if (Id < 0 || static_cast<size_t>(Id) >= G.numValues())
      return makeError("graph input id ", Id, " is out of range");
    if (G.value(Id).Kind != ValueKind::Input)
      return makeError("graph input ", valueRef(G, Id), " is not an input value");
    if (!In.insert(Id).second)
      return makeError("graph input ", valueRef(G, Id), " listed twice");
  }
  for (size_t I = 0; I < G.numValues(); ++I)
    if (G.value(static_cast<ValueId>(I)).Kind == ValueKind::Input && !In.count(static_cast<ValueId>(I)))
      return makeError("input ", valueRef(G, static_cast<ValueId>(I)), " is not in the graph's input list");
  for (ValueId Id : G.Outputs)
    if (Id < 0 || static_cast<size_t>(Id) >= G.numValues())
      return makeError("graph output id ", Id, " is out of range");
  return Status::ok();
}

/// Finds a node on a cycle, if the node graph has one (iterative DFS: graphs may be long chains).
const Node *findCycle(const Graph &G, const std::vector<int> &Producer) {
  size_t N = G.nodes().size();
  std::vector<int> State(N, 0);                 // 0 unvisited, 1 on the DFS stack, 2 done
  std::vector<std::pair<size_t, size_t>> Stack; // node, next input to look at
  for (size_t Root = 0; Root < N; ++Root) {
    if (State[Root])
      continue;
    Stack.push_back({Root, 0});
    State[Root] = 1;
    while (!Stack.empty()) {
      auto &[K, Next] = Stack.back();
      const auto &Ins = G.nodes()[K].Inputs;
      if (Next == Ins.size()) {
        State[K] = 2;
        Stack.pop_back();
        continue;
      }
      ValueId In = Ins[Next++];
      if (In == NoValue || static_cast<size_t>(In) >= Producer.size() ||
          Producer[static_cast<size_t>(In)] < 0)
        continue;
      size_t P = static_cast<size_t>(Producer[static_cast<size_t>(In)]);
      if (State[P] == 1)
        return &G.nodes()[P];
      if (State[P] == 0) {
        State[P] = 1;
        Stack.push_back({P, 0});
      }
    }
  }
  return nullptr;
}

Status checkNodes(const Graph &G, const VerifyOptions &Opts) {
  std::vector<int> Producer(G.numValues(), -1);
  std::unordered_set<std::string> NodeNames;
  const auto &Nodes = G.nodes();
  for (size_t K = 0; K < Nodes.size(); ++K) {
    const Node &N = Nodes[K];
    if (!N.Name.empty() && !NodeNames.insert(N.Name).second)
      return makeError("duplicate node name '", N.Name, "'");
    for (ValueId Out : N.Outputs) {
      if (Out == NoValue)
        continue;
      if (Out < 0 || static_cast<size_t>(Out) >= G.numValues())
        return makeError(describeNode(N), ": output id ", Out, " is out of range");
      if (G.value(Out).Kind != ValueKind::NodeOutput)
        return makeError(describeNode(N), " redefines ", valueRef(G, Out));
      if (Producer[static_cast<size_t>(Out)] >= 0)
        return makeError(valueRef(G, Out), " is defined by two nodes");
      Producer[static_cast<size_t>(Out)] = static_cast<int>(K);
    }
    for (ValueId In : N.Inputs)
      if (In != NoValue && (In < 0 || static_cast<size_t>(In) >= G.numValues()))
        return makeError(describeNode(N), ": input id ", In, " is out of range");
  }
  for (size_t I = 0; I < G.numValues(); ++I)
    if (G.value(static_cast<ValueId>(I)).Kind == ValueKind::NodeOutput && Producer[I] < 0)
      return makeError(valueRef(G, static_cast<ValueId>(I)), " is used or declared but never defined");

  std::vector<bool> Defined(G.numValues(), false);
  for (size_t I = 0; I < G.numValues(); ++I)
    Defined[I] = G.value(static_cast<ValueId>(I)).Kind != ValueKind::NodeOutput;
  for (const Node &N : Nodes) {
    const OpDef *Def = findOp(N.OpType);
    if (!Def)
      return makeError(describeNode(N), ": unknown operator");
    if (Status S = checkNodeSignature(N, *Def); !S)
      return S.withContext(describeNode(N));
    for (ValueId In : N.Inputs) {
      if (In == NoValue || Defined[static_cast<size_t>(In)])
        continue;
      if (const Node *C = findCycle(G, Producer))
        return makeError("cycle through ", describeNode(*C));
      return makeError(describeNode(N), " uses ", valueRef(G, In), " before its definition");
    }
    for (ValueId Out : N.Outputs)
      if (Out != NoValue)
        Defined[static_cast<size_t>(Out)] = true;
    if (!Opts.CheckTypes)
      continue;
    std::vector<const TensorType *> Types;
    std::vector<const Tensor *> Values;
    for (ValueId In : N.Inputs) {
      Types.push_back(In == NoValue ? nullptr : &*G.value(In).Type);
      Values.push_back(In == NoValue ? nullptr : G.value(In).Data.get());
    }
    InferContext Ctx(N, Types, Values);
    auto Inferred = inferNodeTypes(*Def, Ctx);
    if (!Inferred) {
      if (Ctx.missingValue()) // the shape depends on a computed value: the declared type stands
        continue;
      return Inferred.status().withContext(describeNode(N));
    }
    for (size_t O = 0; O < N.Outputs.size(); ++O) {
      if (N.Outputs[O] == NoValue)
        continue;
      const TensorType &Decl = G.type(N.Outputs[O]);
      const TensorType &Inf = (*Inferred)[O];
      if (Decl.Elem != Inf.Elem || Decl.Dims != Inf.Dims)
        return makeError(describeNode(N), ": output ", O, " ", valueRef(G, N.Outputs[O]), " is declared ",
                         formatType(Decl), " but its inputs give ", formatType(Inf));
    }
  }
  return Status::ok();
}

} // namespace

Status verifyGraph(const Graph &G, const VerifyOptions &Opts) {
  Status S = checkValues(G);
  if (S)
    S = checkInputsOutputs(G);
  if (S)
    S = checkNodes(G, Opts);
  return S.withContext("graph '" + G.Name + "'");
}

} // namespace npu::ir
