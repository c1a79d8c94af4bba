// Lowering of QuantizeLinear and DequantizeLinear (per tensor, per axis and blocked; round half to even).
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;

namespace {

/// Iteration space [Outer, D, Inner] around the quantization axis and the parameter index of each element.
struct ParamLayout {
  enum { PerTensor, PerAxis, Blocked } Mode = PerTensor;
  Shape Space;
  int64_t Block = 1, SD = 1;
};

Expected<ParamLayout> layoutOf(const ir::Node &N, const Shape &X, const Shape &Scale) {
  ParamLayout P;
  int64_t Block = N.getInt("block_size", 0);
  int64_t Count = ir::shapeNumElements(X);
  if (ir::shapeNumElements(Scale) == 1 && Scale.size() <= 1 && Block == 0) {
    P.Space = {1, 1, Count};
    return P;
  }
  auto Axis = ir::normalizeAxis(N.getInt("axis", 1), static_cast<int64_t>(X.size()));
  if (!Axis)
    return Axis.error();
  size_t A = static_cast<size_t>(*Axis);
  P.Space = {ir::shapeNumElements(Shape(X.begin(), X.begin() + *Axis)), X[A],
             ir::shapeNumElements(Shape(X.begin() + *Axis + 1, X.end()))};
  if (Block == 0) {
    P.Mode = ParamLayout::PerAxis;
    return P;
  }
  P.Mode = ParamLayout::Blocked;
  P.Block = Block;
  P.SD = Scale[A];
  return P;
}

Value *paramIndex(KB &K, const ParamLayout &P, const std::vector<Value *> &Idx) {
  if (P.Mode == ParamLayout::PerTensor)
    return K.c64(0);
  if (P.Mode == ParamLayout::PerAxis)
    return Idx[1];
  auto &B = K.B;
  Value *Row = B.CreateAdd(B.CreateMul(Idx[0], K.c64(P.SD)), B.CreateUDiv(Idx[1], K.c64(P.Block)));
  return B.CreateAdd(B.CreateMul(Row, K.c64(P.Space[2])), Idx[2]);
}

/// The precision x / scale is rounded to before rounding to an integer (as the reference).
ElemType divPrecision(ElemType X, ElemType S) {
  if (X == ElemType::Float64 || S == ElemType::Float64)
    return ElemType::Float64;
  return X == S ? S : ElemType::Float32;
}

Status quantize(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  auto P = layoutOf(N, X, C.dims(N.Inputs[1]));
  if (!P)
    return P.error();
  if (ir::shapeNumElements(X) == 0)
    return Status::ok();
  ElemType XE = C.elem(N.Inputs[0]), SE = C.elem(N.Inputs[1]), YE = C.elem(N.Outputs[0]);
  if (!ir::isIntegerType(YE))
    return noCodegen(C, "non-integer output");
  ElemType Prec = divPrecision(XE, SE);
  ir::ValueId Zp = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  ElemType ZE = Zp == ir::NoValue ? YE : C.elem(Zp);
  KB K(C.E, C.kernelName());
  Buf Xb = C.buf(K, N.Inputs[0]), Sb = C.buf(K, N.Inputs[1]), Y = C.buf(K, N.Outputs[0]);
  Buf Zb = Zp == ir::NoValue ? Buf{} : C.buf(K, Zp);
  auto &B = K.B;
  Type *F64 = C.E.F64;
  double Lo = static_cast<double>(ir::integerTypeMin(YE)), Hi = static_cast<double>(ir::integerTypeMax(YE));
  int64_t Items = emitNest(K, P->Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Pi = paramIndex(K, *P, Idx);
    Value *Xv = K.load(Xb, Flat), *Sv = K.load(Sb, Pi);
    Value *Q;
    if (Prec == ElemType::Float32 && XE == ElemType::Float32 && SE == ElemType::Float32) {
      Q = B.CreateFPExt(B.CreateFDiv(Xv, Sv), F64); // float division rounds like double-then-float
    } else {
      Q = B.CreateFDiv(convert(K, Xv, XE, ElemType::Float64), convert(K, Sv, SE, ElemType::Float64));
      if (Prec != ElemType::Float64)
        Q = B.CreateFPExt(roundToStorage(K, B.CreateFPTrunc(Q, C.E.F32), Prec), F64);
    }
    Q = math(K, "rint", Q);
    if (Zp != ir::NoValue)
      Q = B.CreateFAdd(Q, convert(K, K.load(Zb, Pi), ZE, ElemType::Float64));
    Value *LoV = ConstantFP::get(F64, Lo), *HiV = ConstantFP::get(F64, Hi);
    Q = B.CreateSelect(B.CreateFCmpOLT(Q, LoV), LoV, B.CreateSelect(B.CreateFCmpOLT(HiV, Q), HiV, Q));
    K.store(Y, Flat, convert(K, Q, ElemType::Float64, YE));
  });
  C.add(K.finish(Items, 4.0 * static_cast<double>(ir::shapeNumElements(X)) / static_cast<double>(Items)));
  return Status::ok();
}

Status dequantize(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  auto P = layoutOf(N, X, C.dims(N.Inputs[1]));
  if (!P)
    return P.error();
  if (ir::shapeNumElements(X) == 0)
    return Status::ok();
  ElemType XE = C.elem(N.Inputs[0]), SE = C.elem(N.Inputs[1]), YE = C.elem(N.Outputs[0]);
  if (!ir::isIntegerType(XE))
    return noCodegen(C, "non-integer input");
  ir::ValueId Zp = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  KB K(C.E, C.kernelName());
  Buf Xb = C.buf(K, N.Inputs[0]), Sb = C.buf(K, N.Inputs[1]), Y = C.buf(K, N.Outputs[0]);
  Buf Zb = Zp == ir::NoValue ? Buf{} : C.buf(K, Zp);
  auto &B = K.B;
  int64_t Items = emitNest(K, P->Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Pi = paramIndex(K, *P, Idx);
    Value *Xv = convert(K, K.load(Xb, Flat), XE, ElemType::Int64);
    if (Zp != ir::NoValue)
      Xv = B.CreateSub(Xv, convert(K, K.load(Zb, Pi), C.elem(Zp), ElemType::Int64));
    Value *D = B.CreateSIToFP(Xv, C.E.F32);
    Value *S = convert(K, K.load(Sb, Pi), SE, ElemType::Float32);
    K.store(Y, Flat, convert(K, B.CreateFMul(D, S), ElemType::Float32, YE));
  });
  C.add(K.finish(Items, 2.0 * static_cast<double>(ir::shapeNumElements(X)) / static_cast<double>(Items)));
  return Status::ok();
}

} // namespace

void addQuantLowering(LowerTable &T) {
  T["QuantizeLinear"] = quantize;
  T["DequantizeLinear"] = dequantize;
}

} // namespace npu::host
