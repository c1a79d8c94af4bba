// Type inference of Conv, ConvTranspose, ConvInteger, QLinearConv and the pooling operators.
#include "OpFamilies.h"

namespace npu::ir {

namespace {

constexpr AttrKind I = AttrKind::Int, S = AttrKind::String, Is = AttrKind::Ints;

Shape spatial(const Shape &D) { return Shape(D.begin() + 2, D.end()); }

/// Checks X/W ranks, groups and kernel_shape; returns the group count.
Expected<int64_t> checkConvOperands(const InferContext &C, size_t X, size_t W, bool Transposed) {
  const Shape &XD = C.dims(X), &WD = C.dims(W);
  if (XD.size() < 3 || WD.size() != XD.size())
    return makeError("input ", formatShape(XD), " and weights ", formatShape(WD), " need equal rank >= 3");
  int64_t G = C.node().getInt("group", 1);
  if (G <= 0 || XD[1] % G != 0)
    return makeError("group ", G, " does not divide the ", XD[1], " input channels");
  if (!Transposed && (WD[0] % G != 0 || WD[1] * G != XD[1]))
    return makeError("weights ", formatShape(WD), " do not match ", XD[1], " input channels in ", G,
                     " groups");
  if (Transposed && WD[0] != XD[1])
    return makeError("weights ", formatShape(WD), " do not match ", XD[1], " input channels");
  Shape K = C.node().getInts("kernel_shape");
  if (!K.empty() && K != spatial(WD))
    return makeError("kernel_shape ", formatShape(K), " differs from the weights ", formatShape(WD));
  return G;
}

Status checkBias(const InferContext &C, size_t B, int64_t Channels) {
  if (C.hasInput(B) && C.dims(B) != Shape{Channels})
    return makeError("bias ", formatShape(C.dims(B)), " does not match ", Channels, " output channels");
  return Status::ok();
}

Expected<Shape> convOutput(const InferContext &C, size_t X, size_t W) {
  auto G = checkConvOperands(C, X, W, false);
  if (!G)
    return G.error();
  auto Geo = resolveWindow(C.node(), spatial(C.dims(X)), spatial(C.dims(W)), false);
  if (!Geo)
    return Geo.error();
  Shape Out = {C.dims(X)[0], C.dims(W)[0]};
  Out.insert(Out.end(), Geo->OutSpatial.begin(), Geo->OutSpatial.end());
  return Out;
}

Expected<TypeList> inferConv(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  NPU_TRY(sameElem(C, 0, 1));
  auto Out = convOutput(C, 0, 1);
  if (!Out)
    return Out.error();
  if (C.hasInput(2))
    NPU_TRY(sameElem(C, 0, 2));
  NPU_TRY(checkBias(C, 2, (*Out)[1]));
  return one(C.elem(0), *Out);
}

Expected<TypeList> inferConvTranspose(const InferContext &C) {
  NPU_TRY(requireFloat(C, 0));
  NPU_TRY(sameElem(C, 0, 1));
  auto G = checkConvOperands(C, 0, 1, true);
  if (!G)
    return G.error();
  auto Geo = resolveTransposedWindow(C.node(), spatial(C.dims(0)), spatial(C.dims(1)));
  if (!Geo)
    return Geo.error();
  Shape Out = {C.dims(0)[0], C.dims(1)[1] * *G};
  Out.insert(Out.end(), Geo->OutSpatial.begin(), Geo->OutSpatial.end());
  if (C.hasInput(2))
    NPU_TRY(sameElem(C, 0, 2));
  NPU_TRY(checkBias(C, 2, Out[1]));
  return one(C.elem(0), Out);
}

bool isInt8Like(ElemType T) { return T == ElemType::Int8 || T == ElemType::UInt8; }

Status checkZeroPoint(const InferContext &C, size_t Zp, size_t Of) {
  if (C.hasInput(Zp) && C.elem(Zp) != C.elem(Of))
    return makeError("zero point ", Zp, " has type ", elemTypeName(C.elem(Zp)), ", its tensor ",
                     elemTypeName(C.elem(Of)));
  return Status::ok();
}

Expected<TypeList> inferConvInteger(const InferContext &C) {
  if (!isInt8Like(C.elem(0)) || !isInt8Like(C.elem(1)))
    return makeError("ConvInteger needs int8/uint8 inputs");
  NPU_TRY(checkZeroPoint(C, 2, 0));
  NPU_TRY(checkZeroPoint(C, 3, 1));
  auto Out = convOutput(C, 0, 1);
  if (!Out)
    return Out.error();
  return one(ElemType::Int32, *Out);
}

Expected<TypeList> inferQLinearConv(const InferContext &C) {
  if (!isInt8Like(C.elem(0)) || !isInt8Like(C.elem(3)))
    return makeError("QLinearConv needs int8/uint8 inputs");
  NPU_TRY(checkZeroPoint(C, 2, 0));
  NPU_TRY(checkZeroPoint(C, 5, 3));
  for (size_t K : {1, 4, 6})
    NPU_TRY(requireFloat(C, K));
  auto Out = convOutput(C, 0, 3);
  if (!Out)
    return Out.error();
  if (C.hasInput(8) && (C.elem(8) != ElemType::Int32 || C.dims(8) != Shape{(*Out)[1]}))
    return makeError("QLinearConv bias must be i32[", (*Out)[1], "]");
  ElemType YT = C.hasInput(7) ? C.elem(7) : C.elem(0);
  if (!isInt8Like(YT))
    return makeError("QLinearConv output must be int8/uint8");
  return one(YT, *Out);
}

Expected<TypeList> inferPool(const InferContext &C) {
  const Shape &XD = C.dims(0);
  if (XD.size() < 3)
    return makeError("pooling needs an input of rank >= 3, got ", formatShape(XD));
  bool IsMax = C.node().OpType == "MaxPool";
  if (IsMax ? C.elem(0) == ElemType::Bool : !isFloatType(C.elem(0)))
    return makeError("unsupported element type ", elemTypeName(C.elem(0)));
  Shape K = C.node().getInts("kernel_shape");
  if (K.empty())
    return makeError("kernel_shape is required");
  auto Geo = resolveWindow(C.node(), spatial(XD), K, C.node().getInt("ceil_mode", 0) != 0);
  if (!Geo)
    return Geo.error();
  Shape Out = {XD[0], XD[1]};
  Out.insert(Out.end(), Geo->OutSpatial.begin(), Geo->OutSpatial.end());
  return TypeList{TensorType(C.elem(0), Out), TensorType(ElemType::Int64, Out)};
}

Expected<TypeList> inferGlobalPool(const InferContext &C) {
  const Shape &XD = C.dims(0);
  if (XD.size() < 3)
    return makeError("global pooling needs an input of rank >= 3");
  NPU_TRY(requireFloat(C, 0));
  Shape Out(XD.size(), 1);
  Out[0] = XD[0];
  Out[1] = XD[1];
  return one(C.elem(0), Out);
}

} // namespace

void addConvPoolOps(std::vector<OpDef> &Ops) {
  std::vector<AttrSpec> ConvAttrs = {{"auto_pad", S},      {"dilations", Is}, {"group", I},
                                     {"kernel_shape", Is}, {"pads", Is},      {"strides", Is}};
  std::vector<AttrSpec> TransAttrs = ConvAttrs;
  TransAttrs.push_back({"output_padding", Is});
  TransAttrs.push_back({"output_shape", Is});
  Ops.push_back({"Conv", 2, 3, 1, 1, ConvAttrs, inferConv});
  Ops.push_back({"ConvTranspose", 2, 3, 1, 1, TransAttrs, inferConvTranspose});
  Ops.push_back({"ConvInteger", 2, 4, 1, 1, ConvAttrs, inferConvInteger});
  Ops.push_back({"QLinearConv", 8, 9, 1, 1, ConvAttrs, inferQLinearConv});
  Ops.push_back({"MaxPool",
                 1,
                 1,
                 1,
                 2,
                 {{"auto_pad", S},
                  {"ceil_mode", I},
                  {"dilations", Is},
                  {"kernel_shape", Is},
                  {"pads", Is},
                  {"storage_order", I},
                  {"strides", Is}},
                 inferPool});
  Ops.push_back({"AveragePool",
                 1,
                 1,
                 1,
                 1,
                 {{"auto_pad", S},
                  {"ceil_mode", I},
                  {"count_include_pad", I},
                  {"dilations", Is},
                  {"kernel_shape", Is},
                  {"pads", Is},
                  {"strides", Is}},
                 inferPool});
  Ops.push_back({"GlobalAveragePool", 1, 1, 1, 1, {}, inferGlobalPool});
  Ops.push_back({"GlobalMaxPool", 1, 1, 1, 1, {}, inferGlobalPool});
}

} // namespace npu::ir
