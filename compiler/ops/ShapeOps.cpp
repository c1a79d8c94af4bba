// Type inference of the data-movement operators: Reshape, Transpose, Concat, Split, Slice, Gather, Pad,
// Resize...
#include "OpFamilies.h"

#include <algorithm>

namespace npu::ir {

namespace {

constexpr AttrKind I = AttrKind::Int, F = AttrKind::Float, S = AttrKind::String, Is = AttrKind::Ints,
                   T = AttrKind::Tensor;

Status requireIntTensor(const InferContext &C, size_t K) {
  if (C.hasInput(K) && C.elem(K) != ElemType::Int64 && C.elem(K) != ElemType::Int32)
    return makeError("input ", K, " must be int64 (or int32), got ", elemTypeName(C.elem(K)));
  return Status::ok();
}

Expected<TypeList> inferReshape(const InferContext &C) {
  NPU_TRY(requireIntTensor(C, 1));
  const Tensor *V = C.requireValue(1);
  if (!V)
    return needsConstant(C, 1);
  auto Out = resolveReshape(C.dims(0), V->toInt64s(), C.node().getInt("allowzero", 0) != 0);
  if (!Out)
    return Out.error();
  return one(C.elem(0), *Out);
}

Expected<TypeList> inferFlatten(const InferContext &C) {
  int64_t R = C.rank(0), Axis = C.node().getInt("axis", 1);
  if (Axis < -R || Axis > R)
    return makeError("Flatten axis ", Axis, " out of range for rank ", R);
  if (Axis < 0)
    Axis += R;
  const Shape &D = C.dims(0);
  Shape Out = {shapeNumElements(Shape(D.begin(), D.begin() + Axis)),
               shapeNumElements(Shape(D.begin() + Axis, D.end()))};
  return one(C.elem(0), Out);
}

Expected<TypeList> inferSqueeze(const InferContext &C) {
  const Shape &D = C.dims(0);
  std::vector<int64_t> Axes;
  if (C.hasInput(1)) {
    NPU_TRY(requireIntTensor(C, 1));
    const Tensor *V = C.requireValue(1);
    if (!V)
      return needsConstant(C, 1);
    auto N = normalizeAxes(V->toInt64s(), C.rank(0));
    if (!N)
      return N.error();
    Axes = *N;
  } else {
    for (size_t K = 0; K < D.size(); ++K)
      if (D[K] == 1)
        Axes.push_back(static_cast<int64_t>(K));
  }
  Shape Out;
  for (size_t K = 0; K < D.size(); ++K) {
    bool Drop = std::find(Axes.begin(), Axes.end(), static_cast<int64_t>(K)) != Axes.end();
    if (Drop && D[K] != 1)
      return makeError("cannot squeeze dim ", K, " of size ", D[K]);
    if (!Drop)
      Out.push_back(D[K]);
  }
  return one(C.elem(0), Out);
}

Expected<TypeList> inferUnsqueeze(const InferContext &C) {
  NPU_TRY(requireIntTensor(C, 1));
  const Tensor *V = C.requireValue(1);
  if (!V)
    return needsConstant(C, 1);
  int64_t OutRank = C.rank(0) + V->numElements();
  auto Axes = normalizeAxes(V->toInt64s(), OutRank);
  if (!Axes)
    return Axes.error();
  Shape Out;
  size_t Next = 0;
  for (int64_t K = 0; K < OutRank; ++K) {
    if (std::find(Axes->begin(), Axes->end(), K) != Axes->end())
      Out.push_back(1);
    else
      Out.push_back(C.dims(0)[Next++]);
  }
  return one(C.elem(0), Out);
}

Expected<TypeList> inferTranspose(const InferContext &C) {
  int64_t R = C.rank(0);
  std::vector<int64_t> Perm = C.node().getInts("perm");
  if (!C.node().findAttr("perm"))
    for (int64_t K = R - 1; K >= 0; --K)
      Perm.push_back(K);
  if (static_cast<int64_t>(Perm.size()) != R)
    return makeError("perm has ", Perm.size(), " entries for rank ", R);
  auto N = normalizeAxes(Perm, R);
  if (!N)
    return N.error();
  Shape Out;
  for (int64_t P : *N)
    Out.push_back(C.dims(0)[P]);
  return one(C.elem(0), Out);
}

Expected<TypeList> inferConcat(const InferContext &C) {
  if (!C.node().findAttr("axis"))
    return makeError("Concat needs an axis");
  auto Axis = normalizeAxis(C.node().getInt("axis", 0), C.rank(0));
  if (!Axis)
    return Axis.error();
  Shape Out = C.dims(0);
  for (size_t K = 1; K < C.numInputs(); ++K) {
    if (!C.hasInput(K))
      return makeError("input ", K, " is missing");
    NPU_TRY(sameElem(C, 0, K));
    const Shape &D = C.dims(K);
    if (D.size() != Out.size())
      return makeError("Concat inputs have different ranks");
    for (size_t J = 0; J < D.size(); ++J)
      if (static_cast<int64_t>(J) != *Axis && D[J] != Out[J])
        return makeError("Concat input ", K, " ", formatShape(D), " does not match ", formatShape(C.dims(0)));
    Out[*Axis] += D[*Axis];
  }
  return one(C.elem(0), Out);
}

Expected<TypeList> inferSplit(const InferContext &C) {
  auto Axis = normalizeAxis(C.node().getInt("axis", 0), C.rank(0));
  if (!Axis)
    return Axis.error();
  const Tensor *Split = nullptr;
  if (C.hasInput(1)) {
    NPU_TRY(requireIntTensor(C, 1));
    if (!(Split = C.requireValue(1)))
      return needsConstant(C, 1);
  }
  auto Sizes = resolveSplit(C.node(), C.dims(0), *Axis, Split, C.node().Outputs.size());
  if (!Sizes)
    return Sizes.error();
  TypeList Out;
  for (int64_t Sz : *Sizes) {
    Shape D = C.dims(0);
    D[*Axis] = Sz;
    Out.emplace_back(C.elem(0), D);
  }
  return Out;
}

Expected<TypeList> inferSlice(const InferContext &C) {
  const Tensor *V[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  for (size_t K = 1; K < 5; ++K)
    if (C.hasInput(K)) {
      NPU_TRY(requireIntTensor(C, K));
      if (!(V[K] = C.requireValue(K)))
        return needsConstant(C, K);
    }
  auto P = resolveSlice(C.dims(0), *V[1], *V[2], V[3], V[4]);
  if (!P)
    return P.error();
  return one(C.elem(0), P->OutDims);
}

Expected<TypeList> inferGather(const InferContext &C) {
  NPU_TRY(requireIntTensor(C, 1));
  auto Axis = normalizeAxis(C.node().getInt("axis", 0), C.rank(0));
  if (!Axis)
    return Axis.error();
  const Shape &D = C.dims(0);
  Shape Out(D.begin(), D.begin() + *Axis);
  Out.insert(Out.end(), C.dims(1).begin(), C.dims(1).end());
  Out.insert(Out.end(), D.begin() + *Axis + 1, D.end());
  return one(C.elem(0), Out);
}

Expected<TypeList> inferShape(const InferContext &C) {
  int64_t R = C.rank(0);
  int64_t Start = C.node().getInt("start", 0), End = C.node().getInt("end", R);
  Start = std::clamp<int64_t>(Start < 0 ? Start + R : Start, 0, R);
  End = std::clamp<int64_t>(End < 0 ? End + R : End, 0, R);
  return one(ElemType::Int64, {std::max<int64_t>(0, End - Start)});
}

Expected<TypeList> inferSize(const InferContext &C) { return one(ElemType::Int64, {}); }

Expected<TypeList> inferExpand(const InferContext &C) {
  NPU_TRY(requireIntTensor(C, 1));
  const Tensor *V = C.requireValue(1);
  if (!V)
    return needsConstant(C, 1);
  auto Out = broadcastShapes(C.dims(0), V->toInt64s());
  if (!Out)
    return Out.error();
  return one(C.elem(0), *Out);
}

Expected<TypeList> inferTile(const InferContext &C) {
  NPU_TRY(requireIntTensor(C, 1));
  const Tensor *V = C.requireValue(1);
  if (!V)
    return needsConstant(C, 1);
  if (V->numElements() != C.rank(0))
    return makeError("Tile repeats has ", V->numElements(), " values for rank ", C.rank(0));
  Shape Out = C.dims(0);
  for (size_t K = 0; K < Out.size(); ++K) {
    int64_t Rep = V->getInt64(static_cast<int64_t>(K));
    if (Rep < 0 || Rep > (int64_t(1) << 31))
      return makeError("Tile repeat ", Rep, " is invalid");
    Out[K] *= Rep;
  }
  return one(C.elem(0), Out);
}

Expected<TypeList> inferPad(const InferContext &C) {
  NPU_TRY(requireIntTensor(C, 1));
  NPU_TRY(requireIntTensor(C, 3));
  std::string Mode = C.node().getString("mode", "constant");
  if (Mode != "constant" && Mode != "reflect" && Mode != "edge" && Mode != "wrap")
    return makeError("unsupported Pad mode '", Mode, "'");
  if (C.hasInput(2)) {
    NPU_TRY(sameElem(C, 0, 2));
    if (shapeNumElements(C.dims(2)) != 1)
      return makeError("Pad constant_value must hold one element");
  }
  const Tensor *Pads = C.requireValue(1);
  const Tensor *Axes = C.hasInput(3) ? C.requireValue(3) : nullptr;
  if (!Pads || (C.hasInput(3) && !Axes))
    return needsConstant(C, Pads ? 3 : 1);
  auto P = resolvePads(C.dims(0), *Pads, Axes);
  if (!P)
    return P.error();
  Shape Out = C.dims(0);
  for (size_t K = 0; K < Out.size(); ++K) {
    Out[K] += P->Begin[K] + P->End[K];
    if (Mode != "constant" && Out[K] > 0 && C.dims(0)[K] == 0)
      return makeError("Pad mode '", Mode, "' cannot pad an empty dim");
    if (Mode == "reflect" && (P->Begin[K] >= C.dims(0)[K] || P->End[K] >= C.dims(0)[K]) &&
        (P->Begin[K] > 0 || P->End[K] > 0))
      return makeError("reflect pads must be smaller than the dim");
  }
  return one(C.elem(0), Out);
}

Expected<TypeList> inferResize(const InferContext &C) {
  const Node &N = C.node();
  std::string Mode = N.getString("mode", "nearest");
  if (Mode != "nearest" && Mode != "linear")
    return makeError("unsupported Resize mode '", Mode, "'");
  std::string Ctm = N.getString("coordinate_transformation_mode", "half_pixel");
  if (Ctm != "half_pixel" && Ctm != "half_pixel_symmetric" && Ctm != "pytorch_half_pixel" &&
      Ctm != "align_corners" && Ctm != "asymmetric")
    return makeError("unsupported coordinate_transformation_mode '", Ctm, "'");
  std::string Nm = N.getString("nearest_mode", "round_prefer_floor");
  if (Nm != "round_prefer_floor" && Nm != "round_prefer_ceil" && Nm != "floor" && Nm != "ceil")
    return makeError("unsupported nearest_mode '", Nm, "'");
  if (N.getInt("antialias", 0) != 0)
    return makeError("unsupported: Resize with antialias");
  if (Mode != "nearest" && !isFloatType(C.elem(0)))
    return makeError("unsupported: linear Resize of ", elemTypeName(C.elem(0)));
  NPU_TRY(requireIntTensor(C, 3));
  const Tensor *Scales = C.hasInput(2) ? C.requireValue(2) : nullptr;
  const Tensor *Sizes = C.hasInput(3) ? C.requireValue(3) : nullptr;
  if (C.missingValue())
    return needsConstant(C, Scales ? 3 : 2);
  auto P = resolveResize(N, C.dims(0), Scales, Sizes);
  if (!P)
    return P.error();
  return one(C.elem(0), P->OutDims);
}

Expected<TypeList> inferConstantOfShape(const InferContext &C) {
  NPU_TRY(requireIntTensor(C, 0));
  const Tensor *V = C.requireValue(0);
  if (!V)
    return needsConstant(C, 0);
  if (V->rank() != 1)
    return makeError("ConstantOfShape needs a 1-D shape");
  Shape Out = V->toInt64s();
  for (int64_t D : Out)
    if (D < 0)
      return makeError("ConstantOfShape dim ", D, " is negative");
  const Tensor *Val = C.node().getTensor("value");
  if (Val && Val->numElements() != 1)
    return makeError("ConstantOfShape value must hold one element");
  return one(Val ? Val->elemType() : ElemType::Float32, Out);
}

Expected<TypeList> inferDepthToSpace(const InferContext &C) {
  int64_t B = C.node().getInt("blocksize", 0);
  const Shape &D = C.dims(0);
  if (D.size() != 4 || B <= 0 || B > 4096)
    return makeError("needs a 4-D input and a blocksize in 1..4096");
  std::string Mode = C.node().getString("mode", "DCR");
  if (Mode != "DCR" && Mode != "CRD")
    return makeError("unsupported DepthToSpace mode '", Mode, "'");
  if (C.node().OpType == "DepthToSpace") {
    if (D[1] % (B * B) != 0)
      return makeError("channels ", D[1], " not divisible by blocksize^2");
    return one(C.elem(0), {D[0], D[1] / (B * B), D[2] * B, D[3] * B});
  }
  if (D[2] % B != 0 || D[3] % B != 0)
    return makeError("spatial dims not divisible by blocksize");
  return one(C.elem(0), {D[0], D[1] * B * B, D[2] / B, D[3] / B});
}

} // namespace

void addShapeOps(std::vector<OpDef> &Ops) {
  Ops.push_back({"Reshape", 2, 2, 1, 1, {{"allowzero", I}}, inferReshape});
  Ops.push_back({"Flatten", 1, 1, 1, 1, {{"axis", I}}, inferFlatten});
  Ops.push_back({"Squeeze", 1, 2, 1, 1, {}, inferSqueeze});
  Ops.push_back({"Unsqueeze", 2, 2, 1, 1, {}, inferUnsqueeze});
  Ops.push_back({"Transpose", 1, 1, 1, 1, {{"perm", Is}}, inferTranspose});
  Ops.push_back({"Concat", 1, -1, 1, 1, {{"axis", I}}, inferConcat});
  Ops.push_back({"Split", 1, 2, 1, 1 << 20, {{"axis", I}, {"num_outputs", I}}, inferSplit});
  Ops.push_back({"Slice", 3, 5, 1, 1, {}, inferSlice});
  Ops.push_back({"Gather", 2, 2, 1, 1, {{"axis", I}}, inferGather});
  Ops.push_back({"Shape", 1, 1, 1, 1, {{"start", I}, {"end", I}}, inferShape});
  Ops.push_back({"Size", 1, 1, 1, 1, {}, inferSize});
  Ops.push_back({"Expand", 2, 2, 1, 1, {}, inferExpand});
  Ops.push_back({"Tile", 2, 2, 1, 1, {}, inferTile});
  Ops.push_back({"Pad", 2, 4, 1, 1, {{"mode", S}}, inferPad});
  Ops.push_back({"Resize",
                 1,
                 4,
                 1,
                 1,
                 {{"antialias", I},
                  {"axes", Is},
                  {"coordinate_transformation_mode", S},
                  {"cubic_coeff_a", F},
                  {"exclude_outside", I},
                  {"extrapolation_value", F},
                  {"keep_aspect_ratio_policy", S},
                  {"mode", S},
                  {"nearest_mode", S}},
                 inferResize});
  Ops.push_back({"ConstantOfShape", 1, 1, 1, 1, {{"value", T}}, inferConstantOfShape});
  Ops.push_back({"DepthToSpace", 1, 1, 1, 1, {{"blocksize", I}, {"mode", S}}, inferDepthToSpace});
  Ops.push_back({"SpaceToDepth", 1, 1, 1, 1, {{"blocksize", I}}, inferDepthToSpace});
}

} // namespace npu::ir
