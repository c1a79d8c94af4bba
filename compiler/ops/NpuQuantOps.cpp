// Schemas and type inference of the quantized NPU operators (int8 or int16 activations, int8 weights:
// npu.QConv, QMatMul, QAdd, QMul, QLeakyRelu, QLut, pools, Requantize...). Their semantics: docs/quantization.md.
#include "OpFamilies.h"
#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/FixedPoint.h"
#include "npu/compiler/support/Try.h"

namespace npu::ir {

namespace {

constexpr AttrKind I = AttrKind::Int, S = AttrKind::String, Is = AttrKind::Ints;

Status checkRange(const Node &N, const char *Name, int64_t Lo, int64_t Hi, int64_t Default) {
  int64_t V = N.getInt(Name, Default);
  if (V < Lo || V > Hi)
    return makeError(Name, " = ", V, " is outside [", Lo, ", ", Hi, "]");
  return Status::ok();
}

/// The requantization attributes: shift, zero points and the activation range, for an int8, int16 (or uint8)
/// result.
Status checkRequantAttrs(const Node &N, int64_t OutLo = -128, int64_t OutHi = 127) {
  if (!N.findAttr("shift"))
    return makeError("the shift attribute is required");
  NPU_TRY(checkRange(N, "shift", quant::MinShift, quant::MaxShift, 0));
  NPU_TRY(checkRange(N, "y_zero_point", OutLo, OutHi, 0));
  NPU_TRY(checkRange(N, "act_min", OutLo, OutHi, OutLo));
  NPU_TRY(checkRange(N, "act_max", OutLo, OutHi, OutHi));
  if (N.getInt("act_min", OutLo) > N.getInt("act_max", OutHi))
    return makeError("act_min ", N.getInt("act_min", OutLo), " > act_max ", N.getInt("act_max", OutHi));
  return Status::ok();
}

Status checkMultiplier(int64_t M, int64_t Max) {
  if (M < 0 || M > Max)
    return makeError("multiplier ", M, " is outside [0, ", Max, "]");
  return Status::ok();
}

Status requireElem(const InferContext &C, size_t K, ElemType T) {
  if (C.elem(K) != T)
    return makeError("input ", K, " must be ", elemTypeName(T), ", got ", elemTypeName(C.elem(K)));
  return Status::ok();
}

/// An activation operand: int8 or int16 (the config's activation type); returns it.
Expected<ElemType> actElem(const InferContext &C, size_t K) {
  const ElemType T = C.elem(K);
  if (T != ElemType::Int8 && T != ElemType::Int16)
    return makeError("input ", K, " must be i8 or i16, got ", elemTypeName(T));
  return T;
}

/// The zero point attribute Name of an activation of type T.
Status checkZeroPoint(const Node &N, const char *Name, ElemType T) {
  return checkRange(N, Name, integerTypeMin(T), integerTypeMax(T), 0);
}

/// The largest npu.QAdd / QLeakyRelu multiplier for operands of type T.
int64_t maxAddMultiplier(ElemType T) { return quant::maxAddMultiplier(T == ElemType::Int16 ? 16 : 8); }

/// multiplier (one per output channel or one for all) and the rest, or none of them for an int32 result; the
/// requantized result has the activation type Act of the input.
Expected<ElemType> checkPerChannelRequant(const InferContext &C, int64_t Channels, ElemType Act) {
  const Node &N = C.node();
  if (!N.findAttr("multiplier")) {
    for (const char *A : {"shift", "y_zero_point", "act_min", "act_max"})
      if (N.findAttr(A))
        return makeError(A, " is given without multiplier (an int32 result has no requantization)");
    return ElemType::Int32;
  }
  std::vector<int64_t> M = N.getInts("multiplier");
  if (M.size() != 1 && int64_t(M.size()) != Channels)
    return makeError(M.size(), " multipliers for ", Channels, " output channels (give 1 or ", Channels, ")");
  for (int64_t V : M)
    NPU_TRY(checkMultiplier(V, quant::MaxMultiplier));
  NPU_TRY(checkRequantAttrs(N, integerTypeMin(Act), integerTypeMax(Act)));
  return Act;
}

Status checkBias(const InferContext &C, size_t K, int64_t Channels) {
  if (!C.hasInput(K))
    return Status::ok();
  NPU_TRY(requireElem(C, K, ElemType::Int32));
  if (C.dims(K) != Shape{Channels})
    return makeError("bias ", formatShape(C.dims(K)), " does not match ", Channels, " output channels");
  return Status::ok();
}

Expected<TypeList> inferQConv(const InferContext &C) {
  NPU_ASSIGN(ElemType Act, actElem(C, 0));
  NPU_TRY(requireElem(C, 1, ElemType::Int8));
  NPU_TRY(checkZeroPoint(C.node(), "x_zero_point", Act));
  const Shape &X = C.dims(0), &W = C.dims(1);
  int64_t G = C.node().getInt("group", 1);
  if (!isBlockedNode(C.node())) {
    if (X.size() < 3 || W.size() != X.size())
      return makeError("input ", formatShape(X), " and weights ", formatShape(W), " need equal rank >= 3");
    if (G <= 0 || X[1] % G != 0 || W[0] % G != 0 || W[1] * G != X[1])
      return makeError("weights ", formatShape(W), " do not match ", X[1], " input channels in ", G,
                       " groups");
    auto Geo = resolveWindow(C.node(), Shape(X.begin() + 2, X.end()), Shape(W.begin() + 2, W.end()), false);
    if (!Geo)
      return Geo.error();
    NPU_TRY(checkBias(C, 2, W[0]));
    NPU_ASSIGN(ElemType Out, checkPerChannelRequant(C, W[0], Act));
    Shape Y = {X[0], W[0]};
    Y.insert(Y.end(), Geo->OutSpatial.begin(), Geo->OutSpatial.end());
    return one(Out, Y);
  }
  // Blocked: X [N/n, C/bi, sp..., n, bi], W [O/bo, C/bi, k..., bo, bi].
  NPU_ASSIGN(BlockedShape XB, decodeBlocked(X));
  NPU_ASSIGN(BlockedShape WB, decodeBlocked(W));
  if (G < 1)
    return makeError("group ", G, " must be positive");
  if (W.size() != X.size() || WB.COuter != XB.COuter || WB.BlockC != XB.BlockC)
    return makeError("blocked weights ", formatShape(W), " do not match the blocked input ", formatShape(X));
  auto Geo = resolveWindow(C.node(), XB.Spatial, WB.Spatial, false);
  if (!Geo)
    return Geo.error();
  int64_t O = WB.NOuter * WB.BlockN;
  NPU_TRY(checkBias(C, 2, O));
  NPU_ASSIGN(ElemType Out, checkPerChannelRequant(C, O, Act));
  BlockedShape YB = XB;
  YB.COuter = WB.NOuter;
  YB.BlockC = WB.BlockN;
  YB.Spatial = Geo->OutSpatial;
  return one(Out, YB.dims());
}

Expected<TypeList> inferQMatMul(const InferContext &C) {
  NPU_ASSIGN(ElemType Act, actElem(C, 0));
  NPU_TRY(requireElem(C, 1, ElemType::Int8));
  NPU_TRY(checkZeroPoint(C.node(), "x_zero_point", Act));
  const Shape &X = C.dims(0), &W = C.dims(1);
  if (!isBlockedNode(C.node())) {
    if (X.size() < 2 || W.size() != 2 || X.back() != W[0])
      return makeError("npu.QMatMul needs X [..., K] and W [K, N], got ", formatShape(X), " and ",
                       formatShape(W));
    NPU_TRY(checkBias(C, 2, W[1]));
    NPU_ASSIGN(ElemType Out, checkPerChannelRequant(C, W[1], Act));
    Shape Y = X;
    Y.back() = W[1];
    return one(Out, Y);
  }
  // Blocked: X [M/n, K/bi, n, bi], W [N/bo, K/bi, bo, bi].
  if (X.size() != 4 || W.size() != 4 || X[1] != W[1] || X[3] != W[3])
    return makeError("blocked npu.QMatMul needs X [M/n, K/bi, n, bi] and W [N/bo, K/bi, bo, bi], got ",
                     formatShape(X), " and ", formatShape(W));
  NPU_TRY(checkBias(C, 2, W[0] * W[2]));
  NPU_ASSIGN(ElemType Out, checkPerChannelRequant(C, W[0] * W[2], Act));
  return one(Out, {X[0], W[0], X[2], W[2]});
}

/// What npu.QAdd and npu.QMul share: two operands of one activation type (int8 or int16) with zero points,
/// the requantization attributes and a result of that type and the broadcast shape.
Expected<TypeList> inferBinaryAct(const InferContext &C) {
  NPU_ASSIGN(ElemType Act, actElem(C, 0));
  NPU_TRY(requireElem(C, 1, Act));
  const Node &N = C.node();
  NPU_TRY(checkZeroPoint(N, "a_zero_point", Act));
  NPU_TRY(checkZeroPoint(N, "b_zero_point", Act));
  NPU_TRY(checkRequantAttrs(N, integerTypeMin(Act), integerTypeMax(Act)));
  auto Out = broadcastShapes(C.dims(0), C.dims(1));
  if (!Out)
    return Out.error();
  return one(Act, *Out);
}

Expected<TypeList> inferQAdd(const InferContext &C) {
  const Node &N = C.node();
  NPU_ASSIGN(ElemType Act, actElem(C, 0));
  for (const char *A : {"a_multiplier", "b_multiplier"}) {
    if (!N.findAttr(A))
      return makeError("the ", A, " attribute is required");
    NPU_TRY(checkMultiplier(N.getInt(A, 0), maxAddMultiplier(Act)));
  }
  return inferBinaryAct(C);
}

/// npu.QMul: (A - za) * (B - zb) (|.| <= 255 * 255 for int8, wrapping int32 for int16) requantized by one
/// multiplier < 2^31.
Expected<TypeList> inferQMul(const InferContext &C) {
  const Node &N = C.node();
  if (!N.findAttr("multiplier"))
    return makeError("the multiplier attribute is required");
  NPU_TRY(checkMultiplier(N.getInt("multiplier", 0), quant::MaxMultiplier));
  return inferBinaryAct(C);
}

/// npu.QLeakyRelu: max(d, 0) * pos_multiplier + min(d, 0) * neg_multiplier (|M| < 2^22 for int8, 2^14 for
/// int16: a negative slope gives a negative neg_multiplier) requantized by 1.
Expected<TypeList> inferQLeakyRelu(const InferContext &C) {
  NPU_ASSIGN(ElemType Act, actElem(C, 0));
  const Node &N = C.node();
  for (const char *A : {"pos_multiplier", "neg_multiplier"}) {
    if (!N.findAttr(A))
      return makeError("the ", A, " attribute is required");
    const int64_t M = N.getInt(A, 0);
    NPU_TRY(checkMultiplier(M < 0 ? -M : M, maxAddMultiplier(Act)));
  }
  NPU_TRY(checkZeroPoint(N, "x_zero_point", Act));
  NPU_TRY(checkRequantAttrs(N, integerTypeMin(Act), integerTypeMax(Act)));
  return one(Act, C.dims(0));
}

/// npu.QLut: y = table[x + 128] on int8 (256 entries in [-128, 127]; `function` names the float activation
/// the table was computed from, for reports).
Expected<TypeList> inferQLut(const InferContext &C) {
  NPU_TRY(requireElem(C, 0, ElemType::Int8));
  const std::vector<int64_t> T = C.node().getInts("table");
  if (T.size() != 256)
    return makeError("table has ", T.size(), " entries, needs 256 (one per int8 value)");
  for (int64_t V : T)
    if (V < -128 || V > 127)
      return makeError("table entry ", V, " is outside int8");
  return one(ElemType::Int8, C.dims(0));
}

/// Pools: the window geometry on the logical or blocked spatial dims.
Expected<Shape> poolOutput(const InferContext &C, bool Global) {
  const Shape &X = C.dims(0);
  bool Blocked = isBlockedNode(C.node());
  Shape Sp;
  if (Blocked) {
    NPU_ASSIGN(BlockedShape B, decodeBlocked(X));
    Sp = B.Spatial;
  } else {
    if (X.size() < 3)
      return makeError("pooling needs an input of rank >= 3, got ", formatShape(X));
    Sp.assign(X.begin() + 2, X.end());
  }
  Shape OutSp(Sp.size(), 1);
  if (!Global) {
    Shape K = C.node().getInts("kernel_shape");
    if (K.empty())
      return makeError("kernel_shape is required");
    auto Geo = resolveWindow(C.node(), Sp, K, C.node().getInt("ceil_mode", 0) != 0);
    if (!Geo)
      return Geo.error();
    OutSp = Geo->OutSpatial;
  }
  Shape Y = {X[0], X[1]};
  Y.insert(Y.end(), OutSp.begin(), OutSp.end());
  if (Blocked)
    Y.insert(Y.end(), X.end() - 2, X.end());
  return Y;
}

Expected<TypeList> inferQPool(const InferContext &C) {
  NPU_ASSIGN(ElemType Act, actElem(C, 0));
  const Node &N = C.node();
  if (!N.findAttr("multiplier"))
    return makeError("the multiplier attribute is required");
  NPU_TRY(checkMultiplier(N.getInt("multiplier", 0), quant::MaxMultiplier));
  NPU_TRY(checkZeroPoint(N, "x_zero_point", Act));
  NPU_TRY(checkRequantAttrs(N, integerTypeMin(Act), integerTypeMax(Act)));
  NPU_ASSIGN(Shape Y, poolOutput(C, N.OpType == "npu.QGlobalAvgPool"));
  return one(Act, Y);
}

Expected<TypeList> inferMaxPool(const InferContext &C) {
  NPU_ASSIGN(ElemType Act, actElem(C, 0));
  NPU_ASSIGN(Shape Y, poolOutput(C, false));
  return one(Act, Y);
}

Expected<TypeList> inferRequantize(const InferContext &C) {
  const Node &N = C.node();
  ElemType In = C.elem(0);
  if (In != ElemType::Int8 && In != ElemType::UInt8 && In != ElemType::Int16 && In != ElemType::Int32)
    return makeError("npu.Requantize takes i8, u8, i16 or i32, got ", elemTypeName(In));
  std::string To = N.getString("to", "i8");
  if (To != "i8" && To != "u8" && To != "i16")
    return makeError("to = '", To, "': npu.Requantize produces i8, u8 or i16");
  ElemType Out = To == "u8" ? ElemType::UInt8 : To == "i16" ? ElemType::Int16 : ElemType::Int8;
  if (!N.findAttr("multiplier"))
    return makeError("the multiplier attribute is required");
  NPU_TRY(checkMultiplier(N.getInt("multiplier", 0), quant::MaxMultiplier));
  int64_t InLo = integerTypeMin(In), InHi = integerTypeMax(In);
  if (In == ElemType::Int32)
    InLo = InHi = 0; // an int32 input is an accumulator: no zero point
  NPU_TRY(checkRange(N, "x_zero_point", InLo, InHi, 0));
  NPU_TRY(checkRequantAttrs(N, integerTypeMin(Out), integerTypeMax(Out)));
  return one(Out, C.dims(0));
}

std::vector<AttrSpec> requantAttrs(bool PerChannel) {
  return {{"multiplier", PerChannel ? Is : I},
          {"shift", I},
          {"x_zero_point", I},
          {"y_zero_point", I},
          {"act_min", I},
          {"act_max", I}};
}

std::vector<AttrSpec> withAttrs(std::vector<AttrSpec> A, std::initializer_list<AttrSpec> More) {
  A.insert(A.end(), More);
  return A;
}

} // namespace

void addNpuQuantOps(std::vector<OpDef> &Ops) {
  const std::initializer_list<AttrSpec> Window = {
      {"kernel_shape", Is}, {"strides", Is}, {"pads", Is}, {"dilations", Is}, {"layout", S}};
  Ops.push_back({"npu.QConv", 2, 3, 1, 1,
                 withAttrs(requantAttrs(true), {{"kernel_shape", Is},
                                                {"strides", Is},
                                                {"pads", Is},
                                                {"dilations", Is},
                                                {"group", I},
                                                {"layout", S}}),
                 inferQConv});
  Ops.push_back({"npu.QMatMul", 2, 3, 1, 1, withAttrs(requantAttrs(true), {{"layout", S}}), inferQMatMul});
  Ops.push_back({"npu.QAdd",
                 2,
                 2,
                 1,
                 1,
                 {{"a_multiplier", I},
                  {"b_multiplier", I},
                  {"shift", I},
                  {"a_zero_point", I},
                  {"b_zero_point", I},
                  {"y_zero_point", I},
                  {"act_min", I},
                  {"act_max", I}},
                 inferQAdd});
  Ops.push_back({"npu.QMul",
                 2,
                 2,
                 1,
                 1,
                 {{"multiplier", I},
                  {"shift", I},
                  {"a_zero_point", I},
                  {"b_zero_point", I},
                  {"y_zero_point", I},
                  {"act_min", I},
                  {"act_max", I},
                  {"layout", S}},
                 inferQMul});
  Ops.push_back({"npu.QLeakyRelu",
                 1,
                 1,
                 1,
                 1,
                 {{"pos_multiplier", I},
                  {"neg_multiplier", I},
                  {"shift", I},
                  {"x_zero_point", I},
                  {"y_zero_point", I},
                  {"act_min", I},
                  {"act_max", I}},
                 inferQLeakyRelu});
  Ops.push_back({"npu.QLut", 1, 1, 1, 1, {{"table", Is}, {"function", S}}, inferQLut});
  Ops.push_back({"npu.QAvgPool", 1, 1, 1, 1,
                 withAttrs(withAttrs(requantAttrs(false), Window), {{"ceil_mode", I}}), inferQPool});
  Ops.push_back(
      {"npu.QGlobalAvgPool", 1, 1, 1, 1, withAttrs(requantAttrs(false), {{"layout", S}}), inferQPool});
  Ops.push_back({"npu.Requantize", 1, 1, 1, 1, withAttrs(requantAttrs(false), {{"to", S}}), inferRequantize});
  Ops.push_back({"npu.MaxPool", 1, 1, 1, 1, withAttrs(Window, {{"ceil_mode", I}}), inferMaxPool});
}

} // namespace npu::ir
