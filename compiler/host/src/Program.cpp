// Builds the host program: specialized copy of the graph, compile-time folding, fusion groups, memory plan.
#include "Program.h"
#include "Memory.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ops/OpRegistry.h"
#include "npu/compiler/ref/Fold.h"
#include "npu/compiler/support/Try.h"
#include "npu/compiler/ref/Interpreter.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>

namespace npu::host {

using namespace ir;

namespace {

constexpr size_t Align = 64;
constexpr size_t ArenaSlack = 512;
// Weights are often made by ConstantOfShape and friends: fold up to the largest tensor the IR allows.
constexpr int64_t MaxFoldBytes = int64_t(1) << 31;

size_t alignUp(size_t V) { return (V + Align - 1) / Align * Align; }

} // namespace

int Program::addRawSlot(size_t Floats) {
  Slot S;
  S.Kind = SlotKind::Constant;
  S.Bytes = Floats * sizeof(float);
  S.Raw = allocateBuffer(S.Bytes);
  Slots.push_back(std::move(S));
  return static_cast<int>(Slots.size()) - 1;
}

int Program::addTempSlot(size_t Bytes) {
  Slot S;
  S.Kind = SlotKind::Arena;
  S.Bytes = Bytes;
  Slots.push_back(std::move(S));
  return static_cast<int>(Slots.size()) - 1;
}

int Program::addRawSlot(const std::vector<float> &Data) {
  int S = addRawSlot(Data.size());
  if (!Data.empty())
    std::memcpy(rawData(S), Data.data(), Data.size() * sizeof(float));
  return S;
}

bool inputNeedsValue(std::string_view Op, size_t I) {
  if (I == 0)
    return false;
  static const std::map<std::string_view, int> FirstParam = {
      {"Reshape", 1}, {"Slice", 1}, {"Pad", 1},       {"Resize", 1},   {"Unsqueeze", 1}, {"Squeeze", 1},
      {"Tile", 1},    {"Expand", 1}, {"Split", 1},    {"ReduceMean", 1}, {"ReduceSum", 1}, {"ReduceMax", 1},
      {"ReduceMin", 1}, {"ReduceProd", 1}, {"ReduceL1", 1}, {"ReduceL2", 1}, {"ReduceSumSquare", 1},
      {"ReduceLogSumExp", 1}, {"ConstantOfShape", 0}};
  auto It = FirstParam.find(Op);
  if (It == FirstParam.end())
    return false;
  if (Op == "Pad") // pads and axes; the constant value is read at run time
    return I == 1 || I == 3;
  return static_cast<int>(I) >= It->second;
}

Expected<Program> buildProgram(const Graph &Src, const HostOptions &Opts, HostStats &Stats) {
  VerifyOptions VO;
  VO.CheckTypes = false;
  NPU_TRY(verifyGraph(Src, VO));
  Program P;
  P.G = Src;
  Graph &G = P.G;
  size_t NV = G.numValues();
  P.Known.assign(NV, nullptr);
  for (size_t V = 0; V < NV; ++V)
    if (G.value(static_cast<ValueId>(V)).Kind == ValueKind::Constant)
      P.Known[V] = G.value(static_cast<ValueId>(V)).Data;
  for (const auto &[Name, T] : Opts.SpecializeInputs) {
    auto It = std::find_if(G.Inputs.begin(), G.Inputs.end(), [&](ValueId I) { return G.value(I).Name == Name; });
    if (It == G.Inputs.end())
      return makeError("specialized input '", Name, "' is not a graph input");
    const TensorType &Ty = G.type(*It);
    if (T.elemType() != Ty.Elem || T.shape() != Ty.Dims)
      return makeError("specialized input '", Name, "' is ", formatType(T.type()), ", the graph takes ",
                       formatType(Ty));
    P.Known[static_cast<size_t>(*It)] = std::make_shared<Tensor>(T);
    P.Specialized.push_back({static_cast<int>(It - G.Inputs.begin()), T});
  }
  // Fold what is known at compile time; re-infer every other node's types with the known values.
  P.Folded.assign(G.nodes().size(), false);
  for (size_t K = 0; K < G.nodes().size(); ++K) {
    const Node &N = G.nodes()[K];
    const OpDef *Def = findOp(N.OpType);
    if (!Def)
      return makeError(describeNode(N), ": unsupported operator");
    std::vector<const Tensor *> Vals;
    std::vector<const TensorType *> Types;
    for (ValueId In : N.Inputs) {
      Vals.push_back(P.known(In));
      Types.push_back(In == NoValue ? nullptr : &G.type(In));
    }
    NPU_ASSIGN(ref::FoldResult F, ref::foldNode(G, N, Vals, MaxFoldBytes));
    if (F.KernelError)
      return makeError(describeNode(N), ": ", F.Why);
    if (F.Values) {
      for (size_t O = 0; O < N.Outputs.size(); ++O)
        if (N.Outputs[O] != NoValue)
          P.Known[static_cast<size_t>(N.Outputs[O])] = std::make_shared<Tensor>(std::move((*F.Values)[O]));
      P.Folded[K] = true;
      ++Stats.FoldedNodes;
      continue;
    }
    InferContext Ctx(N, Types, Vals);
    auto Inferred = inferNodeTypes(*Def, Ctx);
    if (!Inferred)
      return Inferred.error().withContext(describeNode(N));
    for (size_t O = 0; O < N.Outputs.size(); ++O) {
      ValueId Id = N.Outputs[O];
      if (Id == NoValue)
        continue;
      const TensorType &Decl = G.type(Id);
      const TensorType &Got = (*Inferred)[O];
      if (Decl.Elem != Got.Elem || Decl.Dims != Got.Dims)
        return makeError(describeNode(N), ": output ", O, " is inferred as ", formatType(Got),
                         " but the graph declares ", formatType(Decl));
    }
  }
  // Use counts and slots: every value the run-time steps touch gets one.
  P.Uses.assign(NV, 0);
  for (size_t K = 0; K < G.nodes().size(); ++K)
    if (!P.Folded[K])
      for (ValueId In : G.nodes()[K].Inputs)
        if (In != NoValue)
          ++P.Uses[static_cast<size_t>(In)];
  for (ValueId O : G.Outputs)
    ++P.Uses[static_cast<size_t>(O)];
  P.Slots.resize(1);
  P.Slots[0].Kind = SlotKind::Status;
  P.Slots[0].Bytes = 4;
  P.SlotOf.assign(NV, -1);
  auto NewSlot = [&](ValueId V) {
    Slot S;
    S.Value = V;
    S.Bytes = static_cast<size_t>(shapeNumElements(G.type(V).Dims)) * elemTypeSize(G.type(V).Elem);
    if (P.Known[static_cast<size_t>(V)]) {
      S.Kind = SlotKind::Constant;
      S.Data = P.Known[static_cast<size_t>(V)];
    } else if (G.value(V).Kind == ValueKind::Input) {
      S.Kind = SlotKind::Input;
      S.Index = static_cast<int>(std::find(G.Inputs.begin(), G.Inputs.end(), V) - G.Inputs.begin());
    } else {
      S.Kind = SlotKind::Arena;
    }
    P.Slots.push_back(std::move(S));
    P.SlotOf[static_cast<size_t>(V)] = static_cast<int>(P.Slots.size()) - 1;
  };
  for (size_t V = 0; V < NV; ++V) {
    bool Defined = G.value(static_cast<ValueId>(V)).Kind != ValueKind::NodeOutput || P.Known[V];
    if (P.Uses[V] > 0 || !Defined)
      NewSlot(static_cast<ValueId>(V));
  }
  P.FusedInto.assign(G.nodes().size(), -1);
  return P;
}

bool arenaBacked(const Program &P, ValueId V) {
  int S = P.slotOf(V);
  while (S > 0 && P.Slots[static_cast<size_t>(S)].AliasOf > 0)
    S = P.Slots[static_cast<size_t>(S)].AliasOf;
  if (S <= 0 || P.Slots[static_cast<size_t>(S)].Kind != SlotKind::Arena)
    return false;
  ValueId Root = P.Slots[static_cast<size_t>(S)].Value;
  return Root != NoValue && std::find(P.G.Outputs.begin(), P.G.Outputs.end(), Root) == P.G.Outputs.end();
}

void planMemory(Program &P) {
  const Graph &G = P.G;
  // Graph outputs computed at run time are written straight into the result tensors (first occurrence).
  for (size_t K = 0; K < G.Outputs.size(); ++K) {
    int S = P.slotOf(G.Outputs[K]);
    if (S > 0 && P.Slots[static_cast<size_t>(S)].Kind == SlotKind::Arena &&
        std::find(G.Outputs.begin(), G.Outputs.begin() + static_cast<long>(K), G.Outputs[K]) ==
            G.Outputs.begin() + static_cast<long>(K)) {
      P.Slots[static_cast<size_t>(S)].Kind = SlotKind::Output;
      P.Slots[static_cast<size_t>(S)].Index = static_cast<int>(K);
    }
  }
  // Live range of each arena slot in step positions: first definition to last use; a use of an alias is a use
  // of the slot it views.
  auto Root = [&](int S) {
    while (S > 0 && P.Slots[static_cast<size_t>(S)].AliasOf > 0)
      S = P.Slots[static_cast<size_t>(S)].AliasOf;
    return S;
  };
  std::vector<int64_t> First(P.Slots.size(), INT64_MAX), Last(P.Slots.size(), -1);
  for (size_t SI = 0; SI < P.Steps.size(); ++SI)
    for (int NI : P.Steps[SI].Nodes) {
      const Node &N = G.nodes()[static_cast<size_t>(NI)];
      for (ValueId V : N.Outputs)
        if (int S = Root(P.slotOf(V)); S > 0)
          First[static_cast<size_t>(S)] = std::min<int64_t>(First[static_cast<size_t>(S)], static_cast<int64_t>(SI));
      for (ValueId V : N.Inputs)
        if (int S = Root(P.slotOf(V)); S > 0)
          Last[static_cast<size_t>(S)] = std::max<int64_t>(Last[static_cast<size_t>(S)], static_cast<int64_t>(SI));
    }
  for (size_t SI = 0; SI < P.Steps.size(); ++SI)
    for (int S : P.Steps[SI].TempSlots) {
      First[static_cast<size_t>(S)] = std::min<int64_t>(First[static_cast<size_t>(S)], static_cast<int64_t>(SI));
      Last[static_cast<size_t>(S)] = std::max<int64_t>(Last[static_cast<size_t>(S)], static_cast<int64_t>(SI));
    }
  struct Interval {
    int Slot;
    int64_t Begin, End;
  };
  std::vector<Interval> Ivs;
  for (size_t S = 0; S < P.Slots.size(); ++S)
    if (P.Slots[S].Kind == SlotKind::Arena && P.Slots[S].AliasOf < 0 && First[S] != INT64_MAX)
      Ivs.push_back({static_cast<int>(S), First[S], std::max(Last[S], First[S])});
  std::sort(Ivs.begin(), Ivs.end(), [](const Interval &A, const Interval &B) { return A.Begin < B.Begin; });
  // First fit among the blocks whose values are dead by then.
  struct Block {
    size_t Offset, Bytes;
    int64_t End;
  };
  std::vector<Block> Placed;
  size_t Top = 0;
  for (const Interval &Iv : Ivs) {
    // Slack after every buffer: GEMM kernels read whole vectors past the last column of a row they use in place.
    size_t Need = alignUp(std::max<size_t>(P.Slots[static_cast<size_t>(Iv.Slot)].Bytes, 1) + ArenaSlack);
    std::vector<Block> Live;
    for (const Block &B : Placed)
      if (B.End >= Iv.Begin)
        Live.push_back(B);
    std::sort(Live.begin(), Live.end(), [](const Block &A, const Block &B) { return A.Offset < B.Offset; });
    size_t At = 0;
    for (const Block &B : Live) {
      if (B.Offset >= At + Need)
        break;
      At = std::max(At, B.Offset + B.Bytes);
    }
    Placed = std::move(Live);
    Placed.push_back({At, Need, Iv.End});
    P.Slots[static_cast<size_t>(Iv.Slot)].Offset = At;
    Top = std::max(Top, At + Need);
  }
  P.ArenaBytes = Top;
}

Status runFallbackNode(const Program &P, const ir::Node &N,
                       const std::function<Status(ir::ValueId, ir::Tensor &)> &Read,
                       const std::function<Status(int, const ir::Tensor &)> &Write) {
  std::vector<ir::Tensor> Held;
  Held.reserve(N.Inputs.size());
  std::vector<const ir::Tensor *> Ins;
  for (ir::ValueId V : N.Inputs) {
    if (V == ir::NoValue) {
      Ins.push_back(nullptr);
      continue;
    }
    if (const ir::Tensor *K = P.known(V)) {
      Ins.push_back(K);
      continue;
    }
    ir::Tensor X(P.type(V).Elem, P.type(V).Dims);
    NPU_TRY(Read(V, X));
    Held.push_back(std::move(X));
    Ins.push_back(&Held.back());
  }
  auto Outs = ref::runNode(N, Ins);
  if (!Outs)
    return Outs.error().withContext(ir::describeNode(N));
  for (size_t O = 0; O < N.Outputs.size(); ++O)
    if (int Sl = P.slotOf(N.Outputs[O]); Sl > 0)
      NPU_TRY(Write(Sl, (*Outs)[O]));
  return Status::ok();
}

} // namespace npu::host
