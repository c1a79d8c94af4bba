// Type inference of reductions, Softmax, ArgMax/ArgMin and the normalizations (BatchNorm, LRN, ...).
#include "OpFamilies.h"

namespace npu::ir {

Expected<std::vector<bool>> resolveReduceAxes(const Node &N, int64_t Rank, const Tensor *Axes) {
  std::vector<bool> Reduced(static_cast<size_t>(Rank), false);
  if (!Axes || Axes->numElements() == 0) {
    if (N.getInt("noop_with_empty_axes", 0) == 0)
      Reduced.assign(static_cast<size_t>(Rank), true);
    return Reduced;
  }
  auto List = normalizeAxes(Axes->toInt64s(), Rank);
  if (!List)
    return List.error();
  for (int64_t A : *List)
    Reduced[static_cast<size_t>(A)] = true;
  return Reduced;
}

namespace {

constexpr AttrKind I = AttrKind::Int, F = AttrKind::Float;

Expected<TypeList> inferSoftmax(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  auto Axis = normalizeAxis(C.node().getInt("axis", -1), C.rank(0));
  if (!Axis)
    return Axis.error();
  return one(C.elem(0), C.dims(0));
}

Expected<TypeList> inferReduce(const InferContext &C) {
  if (C.elem(0) == ElemType::Bool)
    return makeError("bool input is not supported");
  const Tensor *Axes = nullptr;
  if (C.hasInput(1) && !(Axes = C.requireValue(1)))
    return needsConstant(C, 1);
  auto Reduced = resolveReduceAxes(C.node(), C.rank(0), Axes);
  if (!Reduced)
    return Reduced.error();
  bool Keep = C.node().getInt("keepdims", 1) != 0;
  Shape Out;
  for (size_t K = 0; K < Reduced->size(); ++K) {
    if (!(*Reduced)[K])
      Out.push_back(C.dims(0)[K]);
    else if (Keep)
      Out.push_back(1);
  }
  return one(C.elem(0), Out);
}

Expected<TypeList> inferArgMax(const InferContext &C) {
  auto Axis = normalizeAxis(C.node().getInt("axis", 0), C.rank(0));
  if (!Axis)
    return Axis.error();
  Shape Out = C.dims(0);
  if (Out[*Axis] == 0)
    return makeError("cannot take the arg max of an empty dim");
  if (C.node().getInt("keepdims", 1) != 0)
    Out[*Axis] = 1;
  else
    Out.erase(Out.begin() + *Axis);
  return one(ElemType::Int64, Out);
}

Expected<TypeList> inferBatchNorm(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  if (C.rank(0) < 2)
    return makeError("BatchNormalization needs rank >= 2");
  int64_t Ch = C.dims(0)[1];
  for (size_t K = 1; K < 5; ++K) {
    NPU_TRY(requireFloat(C, K));
    if (C.dims(K) != Shape{Ch})
      return makeError("input ", K, " ", formatShape(C.dims(K)), " does not match ", Ch, " channels");
  }
  TensorType Stat(C.elem(3), {Ch});
  return TypeList{TensorType(C.elem(0), C.dims(0)), Stat, Stat};
}

Expected<TypeList> inferInstanceNorm(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  if (C.rank(0) < 3)
    return makeError("InstanceNormalization needs rank >= 3");
  for (size_t K = 1; K < 3; ++K)
    if (C.dims(K) != Shape{C.dims(0)[1]})
      return makeError("input ", K, " does not match the channels");
  return one(C.elem(0), C.dims(0));
}

Expected<TypeList> inferLayerNorm(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  auto Axis = normalizeAxis(C.node().getInt("axis", -1), C.rank(0));
  if (!Axis)
    return Axis.error();
  Shape Norm(C.dims(0).begin() + *Axis, C.dims(0).end());
  for (size_t K = 1; K < 3; ++K)
    if (C.hasInput(K)) {
      auto B = broadcastShapes(C.dims(K), Norm);
      if (!B || *B != Norm)
        return makeError("input ", K, " ", formatShape(C.dims(K)), " does not broadcast to ",
                         formatShape(Norm));
    }
  Shape Stat = C.dims(0);
  for (size_t K = static_cast<size_t>(*Axis); K < Stat.size(); ++K)
    Stat[K] = 1;
  return TypeList{TensorType(C.elem(0), C.dims(0)), TensorType(ElemType::Float32, Stat),
                  TensorType(ElemType::Float32, Stat)};
}

Expected<TypeList> inferLrn(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  if (C.rank(0) < 2)
    return makeError("LRN needs rank >= 2");
  if (C.node().getInt("size", 0) <= 0)
    return makeError("LRN needs a positive size");
  return one(C.elem(0), C.dims(0));
}

} // namespace

void addReduceNormOps(std::vector<OpDef> &Ops) {
  Ops.push_back({"Softmax", 1, 1, 1, 1, {{"axis", I}}, inferSoftmax});
  Ops.push_back({"LogSoftmax", 1, 1, 1, 1, {{"axis", I}}, inferSoftmax});
  for (const char *Name : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                           "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"})
    Ops.push_back({Name, 1, 2, 1, 1, {{"keepdims", I}, {"noop_with_empty_axes", I}}, inferReduce});
  for (const char *Name : {"ArgMax", "ArgMin"})
    Ops.push_back({Name, 1, 1, 1, 1, {{"axis", I}, {"keepdims", I}, {"select_last_index", I}}, inferArgMax});
  Ops.push_back({"BatchNormalization",
                 5,
                 5,
                 1,
                 3,
                 {{"epsilon", F}, {"momentum", F}, {"training_mode", I}},
                 inferBatchNorm});
  Ops.push_back({"InstanceNormalization", 3, 3, 1, 1, {{"epsilon", F}}, inferInstanceNorm});
  Ops.push_back(
      {"LayerNormalization", 2, 3, 1, 3, {{"axis", I}, {"epsilon", F}, {"stash_type", I}}, inferLayerNorm});
  Ops.push_back({"LRN", 1, 1, 1, 1, {{"alpha", F}, {"beta", F}, {"bias", F}, {"size", I}}, inferLrn});
}

} // namespace npu::ir
