// Lowering of the data-movement operators as affine maps: reshapes, Transpose, Concat, Split, Slice, Expand, Tile,
// DepthToSpace/SpaceToDepth; Gather and Pad with their own index arithmetic.
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>
#include <set>

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;
using ir::ValueId;

namespace {

Value *identity(KB &, const std::vector<Value *> &In) { return In[0]; }

/// A flat copy (reshapes keep the row-major order).
Status copyFlat(LowerCtx &C) {
  const ir::Node &N = C.node();
  Shape S = {ir::shapeNumElements(C.dims(N.Outputs[0]))};
  return emitAffineMap(C, S, {Access{N.Inputs[0], {1}, 0}}, Access{N.Outputs[0], {1}, 0}, identity, 0.25);
}

Status transpose(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &In = C.dims(N.Inputs[0]);
  int64_t R = static_cast<int64_t>(In.size());
  std::vector<int64_t> Perm = N.getInts("perm");
  if (!N.findAttr("perm"))
    for (int64_t K = R - 1; K >= 0; --K)
      Perm.push_back(K);
  Shape InStr = rowMajor(In), S(static_cast<size_t>(R));
  for (int64_t D = 0; D < R; ++D)
    S[static_cast<size_t>(D)] = InStr[static_cast<size_t>(Perm[static_cast<size_t>(D)] < 0 ? Perm[static_cast<size_t>(D)] + R
                                                                                          : Perm[static_cast<size_t>(D)])];
  const Shape &Out = C.dims(N.Outputs[0]);
  return emitAffineMap(C, Out, {Access{N.Inputs[0], S, 0}}, Access{N.Outputs[0], rowMajor(Out), 0}, identity, 0.5);
}

/// Concat and Split: one strided copy per input (output) at its offset along the axis.
Status concatSplit(LowerCtx &C, bool Split) {
  const ir::Node &N = C.node();
  ValueId Whole = Split ? N.Inputs[0] : N.Outputs[0];
  const Shape &WS = C.dims(Whole);
  auto Axis = ir::normalizeAxis(N.getInt("axis", 0), static_cast<int64_t>(WS.size()));
  if (!Axis)
    return Axis.error();
  Shape WStr = rowMajor(WS);
  int64_t Pos = 0;
  const std::vector<ValueId> &Parts = Split ? N.Outputs : N.Inputs;
  // With nothing but unit dims before the axis every part is one contiguous range of the whole: a concatenated
  // value computed by an earlier kernel is written there directly (an alias at an offset) instead of copied.
  int64_t Outer = ir::shapeNumElements(Shape(WS.begin(), WS.begin() + *Axis));
  size_t ES = ir::elemTypeSize(C.elem(Whole));
  std::set<ValueId> Seen;
  for (ValueId Part : Parts) {
    if (Part == ir::NoValue)
      continue;
    const Shape &PS = C.dims(Part);
    int64_t Start = Pos * WStr[static_cast<size_t>(*Axis)];
    Pos += PS[static_cast<size_t>(*Axis)];
    bool First = Seen.insert(Part).second;
    int PartSlot = C.slot(Part), WholeSlot = C.slot(Whole);
    if (!Split && !C.E.T.Gpu && Outer == 1 && First && PartSlot > 0 && WholeSlot > 0 &&
        C.P.Slots[static_cast<size_t>(PartSlot)].Kind == SlotKind::Arena &&
        C.P.Slots[static_cast<size_t>(PartSlot)].AliasOf < 0 &&
        std::find(C.P.G.Outputs.begin(), C.P.G.Outputs.end(), Part) == C.P.G.Outputs.end()) {
      C.P.Slots[static_cast<size_t>(PartSlot)].AliasOf = WholeSlot;
      C.P.Slots[static_cast<size_t>(PartSlot)].AliasOffset = static_cast<size_t>(Start) * ES;
      continue;
    }
    Access Big{Whole, WStr, Start}, Small{Part, rowMajor(PS), 0};
    if (ir::shapeNumElements(PS) > 0)
      NPU_TRY(Split ? emitAffineMap(C, PS, {Big}, Small, identity, 0.25)
                    : emitAffineMap(C, PS, {Small}, Big, identity, 0.25));
  }
  return Status::ok();
}

Status slice(LowerCtx &C) {
  const ir::Node &N = C.node();
  for (size_t I = 1; I < N.Inputs.size(); ++I)
    if (N.hasInput(I) && !C.known(N.Inputs[I]))
      return noCodegen(C, "starts/ends/axes/steps are not constants");
  const Shape &In = C.dims(N.Inputs[0]);
  auto P = ir::resolveSlice(In, *C.known(N.Inputs[1]), *C.known(N.Inputs[2]), N.hasInput(3) ? C.known(N.Inputs[3]) : nullptr,
                            N.hasInput(4) ? C.known(N.Inputs[4]) : nullptr);
  if (!P)
    return P.error();
  Shape InStr = rowMajor(In), S(In.size());
  int64_t Base = 0;
  for (size_t D = 0; D < In.size(); ++D) {
    Base += P->Starts[D] * InStr[D];
    S[D] = P->Steps[D] * InStr[D];
  }
  const Shape &Out = C.dims(N.Outputs[0]);
  if (ir::shapeNumElements(Out) == 0)
    return Status::ok();
  return emitAffineMap(C, Out, {Access{N.Inputs[0], S, Base}}, Access{N.Outputs[0], rowMajor(Out), 0}, identity, 0.5);
}

Status expand(LowerCtx &C) {
  const ir::Node &N = C.node();
  return emitBroadcastMap(C, {N.Inputs[0]}, N.Outputs[0], identity, 0.25);
}

/// Tile as an affine map over [r0, i0, r1, i1, ...]: repeats step by nothing, the input dims by their strides.
Status tile(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &In = C.dims(N.Inputs[0]), &Out = C.dims(N.Outputs[0]);
  Shape InStr = rowMajor(In), Space, IS;
  for (size_t D = 0; D < In.size(); ++D) {
    if (In[D] == 0)
      return Status::ok();
    Space.push_back(Out[D] / In[D]);
    IS.push_back(0);
    Space.push_back(In[D]);
    IS.push_back(InStr[D]);
  }
  if (ir::shapeNumElements(Out) == 0)
    return Status::ok();
  return emitAffineMap(C, Space, {Access{N.Inputs[0], IS, 0}}, Access{N.Outputs[0], rowMajor(Space), 0}, identity,
                       0.5);
}

Status depthToSpace(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &In = C.dims(N.Inputs[0]), &Out = C.dims(N.Outputs[0]);
  if (In.size() != 4)
    return noCodegen(C, "not 4-D");
  int64_t B = N.getInt("blocksize", 1);
  Shape IS = rowMajor(In);
  int64_t HW = In[2] * In[3];
  Shape Space, Str;
  if (N.OpType == "DepthToSpace") { // out [n, c, h, bh, w, bw]
    int64_t Cc = Out[1];
    bool Crd = N.getString("mode", "DCR") == "CRD";
    Space = {In[0], Cc, In[2], B, In[3], B};
    Str = Crd ? Shape{IS[0], B * B * HW, In[3], B * HW, 1, HW} : Shape{IS[0], HW, In[3], B * Cc * HW, 1, Cc * HW};
  } else { // out [n, bh, bw, c, h', w']
    Space = {In[0], B, B, In[1], In[2] / B, In[3] / B};
    Str = {IS[0], In[3], 1, HW, B * In[3], B};
  }
  return emitAffineMap(C, Space, {Access{N.Inputs[0], Str, 0}}, Access{N.Outputs[0], rowMajor(Space), 0}, identity,
                       0.5);
}

/// Gather: out[o, j, i] = x[o, ind[j], i] with negative indices counted from the end (out of range: status 2).
Status gather(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  auto Axis = ir::normalizeAxis(N.getInt("axis", 0), static_cast<int64_t>(X.size()));
  if (!Axis)
    return Axis.error();
  size_t A = static_cast<size_t>(*Axis);
  int64_t Outer = ir::shapeNumElements(Shape(X.begin(), X.begin() + *Axis)), D = X[A];
  int64_t Inner = ir::shapeNumElements(Shape(X.begin() + *Axis + 1, X.end()));
  int64_t NI = ir::shapeNumElements(C.dims(N.Inputs[1]));
  ElemType IE = C.elem(N.Inputs[1]);
  if (Outer * NI * Inner == 0)
    return Status::ok();
  KB K(C.E, C.kernelName());
  Buf XB = C.buf(K, N.Inputs[0]), Ind = C.buf(K, N.Inputs[1]), Y = C.buf(K, N.Outputs[0]);
  int64_t Items = emitNest(K, {Outer, NI, Inner}, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Kv = convert(K, K.load(Ind, Idx[1]), IE, ElemType::Int64);
    Value *Bad = K.B.CreateOr(K.B.CreateICmpSLT(Kv, K.c64(-D)), K.B.CreateICmpSGE(Kv, K.c64(D)));
    K.ifThen(Bad, [&] { K.setStatus(2); });
    Kv = K.B.CreateSelect(K.B.CreateICmpSLT(Kv, K.c64(0)), K.B.CreateAdd(Kv, K.c64(D)), Kv);
    Kv = K.B.CreateSelect(Bad, K.c64(0), Kv);
    Value *Off = K.B.CreateAdd(K.B.CreateMul(K.B.CreateAdd(K.B.CreateMul(Idx[0], K.c64(D)), Kv), K.c64(Inner)), Idx[2]);
    K.store(Y, Flat, K.load(XB, Off));
  });
  C.add(K.finish(Items, 2.0 * static_cast<double>(Outer * NI * Inner) / static_cast<double>(Items)));
  return Status::ok();
}

Status pad(LowerCtx &C) {
  const ir::Node &N = C.node();
  if (!C.known(N.Inputs[1]) || (N.hasInput(3) && !C.known(N.Inputs[3])))
    return noCodegen(C, "pads/axes are not constants");
  const Shape &In = C.dims(N.Inputs[0]), &Out = C.dims(N.Outputs[0]);
  auto P = ir::resolvePads(In, *C.known(N.Inputs[1]), N.hasInput(3) ? C.known(N.Inputs[3]) : nullptr);
  if (!P)
    return P.error();
  std::string Mode = N.getString("mode", "constant");
  if (ir::shapeNumElements(Out) == 0)
    return Status::ok();
  ElemType E = C.elem(N.Inputs[0]);
  KB K(C.E, C.kernelName());
  Buf X = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  Value *Fill = constOf(K, E, 0);
  if (N.hasInput(2))
    Fill = K.load(C.buf(K, N.Inputs[2]), K.c64(0));
  Shape InStr = rowMajor(In);
  int64_t Items = emitNest(K, Out, [&](const std::vector<Value *> &Idx, Value *Flat) {
    auto &B = K.B;
    Value *Off = K.c64(0), *Outside = B.getFalse();
    for (size_t D = 0; D < In.size(); ++D) {
      Value *S = B.CreateSub(Idx[D], K.c64(P->Begin[D]));
      Value *Lo = B.CreateICmpSLT(S, K.c64(0)), *HiB = B.CreateICmpSGE(S, K.c64(In[D]));
      Value *NV = K.c64(In[D]);
      if (Mode == "constant") {
        Outside = B.CreateOr(Outside, B.CreateOr(Lo, HiB));
        S = B.CreateSelect(B.CreateOr(Lo, HiB), K.c64(0), S);
      } else if (Mode == "edge") {
        S = B.CreateSelect(Lo, K.c64(0), B.CreateSelect(HiB, K.c64(In[D] - 1), S));
      } else if (Mode == "wrap") {
        S = B.CreateSRem(B.CreateAdd(B.CreateSRem(S, NV), NV), NV);
      } else if (In[D] == 1) {
        S = K.c64(0);
      } else { // reflect, folded with period 2(N-1) so any distance works
        Value *Period = K.c64(2 * (In[D] - 1));
        Value *M = B.CreateSRem(B.CreateAdd(B.CreateSRem(S, Period), Period), Period);
        S = B.CreateSelect(B.CreateICmpSGE(M, NV), B.CreateSub(Period, M), M);
      }
      Off = B.CreateAdd(Off, B.CreateMul(S, K.c64(InStr[D])));
    }
    Value *V = K.load(X, Off);
    K.store(Y, Flat, Mode == "constant" ? B.CreateSelect(Outside, Fill, V) : V);
  });
  C.add(K.finish(Items, 3.0 * static_cast<double>(ir::shapeNumElements(Out)) / static_cast<double>(Items)));
  return Status::ok();
}

Status constantOfShape(LowerCtx &C) {
  const ir::Node &N = C.node();
  const ir::Tensor *V = N.getTensor("value");
  ElemType E = C.elem(N.Outputs[0]);
  double Val = V ? V->getDouble(0) : 0.0;
  if (ir::shapeNumElements(C.dims(N.Outputs[0])) == 0)
    return Status::ok();
  if (V && !ir::isFloatType(E) && E != ElemType::Bool && V->getInt64(0) != static_cast<int64_t>(Val))
    return noCodegen(C, "value not representable");
  return emitBroadcastMap(C, {}, N.Outputs[0], [=](KB &K, const std::vector<Value *> &) -> Value * {
    return E == ElemType::Bool ? static_cast<Value *>(K.B.getInt1(Val != 0)) : constOf(K, E, Val);
  });
}

} // namespace

Status lowerResize(LowerCtx &C);

void addMovementLowering(LowerTable &T) {
  for (const char *Op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"})
    T[Op] = copyFlat;
  T["Transpose"] = transpose;
  T["Concat"] = [](LowerCtx &C) { return concatSplit(C, false); };
  T["Split"] = [](LowerCtx &C) { return concatSplit(C, true); };
  T["Slice"] = slice;
  T["Expand"] = expand;
  T["Tile"] = tile;
  T["DepthToSpace"] = depthToSpace;
  T["SpaceToDepth"] = depthToSpace;
  T["Gather"] = gather;
  T["Pad"] = pad;
  T["ConstantOfShape"] = constantOfShape;
  T["Resize"] = lowerResize;
}

} // namespace npu::host
