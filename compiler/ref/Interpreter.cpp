// Reference interpreter driver: kernel table, per-node type inference and execution, value lifetimes.
#include "npu/compiler/ref/Interpreter.h"
#include "Kernels.h"
#include "npu/compiler/ir/Verifier.h"
#include "npu/compiler/ops/OpRegistry.h"

#include <memory>

namespace npu::ref {

using namespace ir;

namespace {

const KernelTable &kernels() {
  static const KernelTable Table = [] {
    KernelTable T;
    addElementwiseKernels(T);
    addConvPoolKernels(T);
    addMatMulKernels(T);
    addQuantKernels(T);
    addShapeKernels(T);
    addReduceNormKernels(T);
    addFusedKernels(T);
    addNpuQuantKernels(T);
    return T;
  }();
  return Table;
}

/// The graph's declared output types of N fit in Left (what the limit leaves beside the Live bytes).
Status outputsFit(const Graph &G, const Node &N, const MemoryLimit &Left, uint64_t Live) {
  uint64_t Need = 0;
  for (ValueId Out : N.Outputs)
    if (Out != NoValue && G.type(Out).isStatic())
      Need += uint64_t(shapeNumElements(G.type(Out).Dims)) * elemTypeSize(G.type(Out).Elem);
  if (Need <= Left.Bytes)
    return Status::ok();
  return makeError("outputs need ", Need, " bytes beside the ", Live, " bytes of live values, above the memory ",
                   "limit of ", MemoryLimit::formatBytes(Left.Bytes + Live), " (--max-memory)");
}

} // namespace

bool hasKernel(std::string_view OpType) { return kernels().count(OpType) != 0; }

Expected<std::vector<Tensor>> runNode(const Node &N, const std::vector<const Tensor *> &Inputs,
                                      const MemoryLimit &Limit) {
  const OpDef *Def = findOp(N.OpType);
  auto K = kernels().find(N.OpType);
  if (!Def || K == kernels().end())
    return makeError("unsupported operator ", N.OpType);
  std::vector<TensorType> InTypes(Inputs.size());
  std::vector<const TensorType *> TypePtrs(Inputs.size(), nullptr);
  for (size_t I = 0; I < Inputs.size(); ++I)
    if (Inputs[I]) {
      InTypes[I] = Inputs[I]->type();
      TypePtrs[I] = &InTypes[I];
    }
  InferContext Ctx(N, TypePtrs, Inputs);
  auto Types = inferNodeTypes(*Def, Ctx, Limit);
  if (!Types)
    return Types.error();
  std::vector<Tensor> Outs;
  Outs.reserve(Types->size());
  for (const TensorType &T : *Types)
    Outs.emplace_back(T.Elem, T.Dims);
  KernelContext KC{N, Inputs, Outs};
  if (Status S = K->second(KC); !S)
    return S.error();
  return Outs;
}

Expected<std::vector<Tensor>> interpret(const Graph &G, const std::vector<Tensor> &Inputs, const MemoryLimit &Limit) {
  VerifyOptions VO;
  VO.CheckTypes = false;
  if (Status S = verifyGraph(G, VO); !S)
    return S.error();
  if (Inputs.size() != G.Inputs.size())
    return makeError("graph '", G.Name, "' takes ", G.Inputs.size(), " inputs, got ", Inputs.size());
  std::vector<const Tensor *> Val(G.numValues(), nullptr);
  std::vector<std::unique_ptr<Tensor>> Owned(G.numValues());
  for (size_t I = 0; I < G.numValues(); ++I)
    if (G.value(static_cast<ValueId>(I)).Kind == ValueKind::Constant)
      Val[I] = G.value(static_cast<ValueId>(I)).Data.get();
  for (size_t I = 0; I < Inputs.size(); ++I) {
    ValueId Id = G.Inputs[I];
    const TensorType &T = G.type(Id);
    if (Inputs[I].elemType() != T.Elem || Inputs[I].shape() != T.Dims)
      return makeError("input '", G.value(Id).Name, "' is ", formatType(Inputs[I].type()),
                       ", the graph takes ", formatType(T));
    Val[static_cast<size_t>(Id)] = &Inputs[I];
  }
  // Frees each intermediate after its last use, so large models run in little memory.
  std::vector<int64_t> LastUse(G.numValues(), -1);
  for (size_t K = 0; K < G.nodes().size(); ++K)
    for (ValueId In : G.nodes()[K].Inputs)
      if (In != NoValue)
        LastUse[static_cast<size_t>(In)] = static_cast<int64_t>(K);
  for (ValueId Out : G.Outputs)
    LastUse[static_cast<size_t>(Out)] = INT64_MAX;
  uint64_t Live = 0; // bytes of the intermediates alive now
  for (size_t K = 0; K < G.nodes().size(); ++K) {
    const Node &N = G.nodes()[K];
    std::vector<const Tensor *> Ins;
    for (ValueId In : N.Inputs)
      Ins.push_back(In == NoValue ? nullptr : Val[static_cast<size_t>(In)]);
    MemoryLimit Left{Limit.Bytes > Live ? Limit.Bytes - Live : 0};
    if (Status S = outputsFit(G, N, Left, Live); !S)
      return S.error().withContext(describeNode(N));
    auto Outs = runNode(N, Ins, Limit);
    if (!Outs)
      return Outs.error().withContext(describeNode(N));
    for (size_t O = 0; O < N.Outputs.size(); ++O) {
      ValueId Id = N.Outputs[O];
      if (Id == NoValue)
        continue;
      Tensor &T = (*Outs)[O];
      if (T.elemType() != G.type(Id).Elem || T.shape() != G.type(Id).Dims)
        return makeError(describeNode(N), ": output ", O, " is ", formatType(T.type()),
                         " but the graph declares ", formatType(G.type(Id)));
      if (LastUse[static_cast<size_t>(Id)] < 0)
        continue; // nobody reads it (e.g. Dropout's mask)
      Live += T.byteSize();
      Owned[static_cast<size_t>(Id)] = std::make_unique<Tensor>(std::move(T));
      Val[static_cast<size_t>(Id)] = Owned[static_cast<size_t>(Id)].get();
    }
    for (ValueId In : N.Inputs)
      if (In != NoValue && LastUse[static_cast<size_t>(In)] == static_cast<int64_t>(K) &&
          Owned[static_cast<size_t>(In)]) {
        Live -= Owned[static_cast<size_t>(In)]->byteSize();
        Owned[static_cast<size_t>(In)].reset();
        Val[static_cast<size_t>(In)] = nullptr;
      }
  }
  std::vector<Tensor> Results;
  for (ValueId Out : G.Outputs)
    Results.push_back(*Val[static_cast<size_t>(Out)]);
  return Results;
}

} // namespace npu::ref
