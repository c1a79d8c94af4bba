// Type inference of QuantizeLinear and DequantizeLinear (per tensor, per axis and blocked parameters).
#include "OpFamilies.h"

namespace npu::ir {

namespace {

constexpr AttrKind I = AttrKind::Int, S = AttrKind::String;

/// The scale (and zero point) must be a scalar, a vector along axis, or a blocked tensor.
Status checkQuantParams(const InferContext &C, size_t X, size_t Scale, size_t Zp) {
  NPU_TRY(requireFloat(C, Scale));
  const Shape &XD = C.dims(X), &SD = C.dims(Scale);
  if (C.hasInput(Zp) && C.dims(Zp) != SD)
    return makeError("zero point shape ", formatShape(C.dims(Zp)), " differs from scale shape ",
                     formatShape(SD));
  int64_t Block = C.node().getInt("block_size", 0);
  if (Block < 0)
    return makeError("block_size must not be negative");
  if (shapeNumElements(SD) == 1 && SD.size() <= 1 && Block == 0)
    return Status::ok();
  auto Axis = normalizeAxis(C.node().getInt("axis", 1), static_cast<int64_t>(XD.size()));
  if (!Axis)
    return Axis.error();
  if (Block == 0) {
    if (SD != Shape{XD[*Axis]})
      return makeError("per-axis scale ", formatShape(SD), " does not match dim ", *Axis, " of ",
                       formatShape(XD));
    return Status::ok();
  }
  if (SD.size() != XD.size())
    return makeError("blocked scale ", formatShape(SD), " needs the rank of ", formatShape(XD));
  for (size_t K = 0; K < XD.size(); ++K) {
    int64_t Want = static_cast<int64_t>(K) == *Axis ? (XD[K] + Block - 1) / Block : XD[K];
    if (SD[K] != Want)
      return makeError("blocked scale ", formatShape(SD), " does not match ", formatShape(XD),
                       " with block_size ", Block);
  }
  return Status::ok();
}

bool isQuantizedType(ElemType T) {
  return T == ElemType::Int8 || T == ElemType::UInt8 || T == ElemType::Int16 || T == ElemType::UInt16 ||
         T == ElemType::Int32;
}

Expected<TypeList> inferQuantize(const InferContext &C) {
  if (!isFloatType(C.elem(0)) && C.elem(0) != ElemType::Int32)
    return makeError("unsupported QuantizeLinear input type ", elemTypeName(C.elem(0)));
  NPU_TRY(checkQuantParams(C, 0, 1, 2));
  ElemType Out = ElemType::UInt8;
  std::string Dt = C.node().getString("output_dtype", "");
  if (C.hasInput(2)) {
    Out = C.elem(2);
    if (!Dt.empty() && parseElemType(Dt) != Out)
      return makeError("output_dtype '", Dt, "' differs from the zero point type");
  } else if (!Dt.empty()) {
    auto T = parseElemType(Dt);
    if (!T)
      return makeError("unsupported output_dtype '", Dt, "'");
    Out = *T;
  }
  if (!isQuantizedType(Out) || Out == ElemType::Int32)
    return makeError("unsupported quantized type ", elemTypeName(Out));
  return one(Out, C.dims(0));
}

Expected<TypeList> inferDequantize(const InferContext &C) {
  if (!isQuantizedType(C.elem(0)))
    return makeError("unsupported DequantizeLinear input type ", elemTypeName(C.elem(0)));
  if (C.hasInput(2) && C.elem(2) != C.elem(0))
    return makeError("zero point type differs from the input type");
  NPU_TRY(checkQuantParams(C, 0, 1, 2));
  ElemType Out = C.elem(1);
  std::string Dt = C.node().getString("output_dtype", "");
  if (!Dt.empty()) {
    auto T = parseElemType(Dt);
    if (!T || !isFloatType(*T))
      return makeError("unsupported output_dtype '", Dt, "'");
    Out = *T;
  }
  return one(Out, C.dims(0));
}

} // namespace

void addQuantOps(std::vector<OpDef> &Ops) {
  Ops.push_back({"QuantizeLinear",
                 2,
                 3,
                 1,
                 1,
                 {{"axis", I}, {"block_size", I}, {"output_dtype", S}, {"saturate", I}, {"precision", S}},
                 inferQuantize});
  Ops.push_back({"DequantizeLinear",
                 2,
                 3,
                 1,
                 1,
                 {{"axis", I}, {"block_size", I}, {"output_dtype", S}},
                 inferDequantize});
}

} // namespace npu::ir
