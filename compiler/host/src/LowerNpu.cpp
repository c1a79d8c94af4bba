// Lowering of the NPU operators that host segments of NPU artifacts run: the layout conversions
// npu.ToBlocked / npu.FromBlocked / npu.Reblock and npu.Requantize (bit-exact with the reference kernels).
#include "Lower.h"
#include "npu/compiler/ops/BlockedLayout.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;

namespace {

/// Row-major flat index of the spatial dims Idx[First, First + Rank).
Value *spatialIndex(KB &K, const std::vector<Value *> &Idx, size_t First, const Shape &Spatial) {
  Value *S = K.c64(0);
  for (size_t D = 0; D < Spatial.size(); ++D)
    S = K.B.CreateAdd(K.B.CreateMul(S, K.c64(Spatial[D])), Idx[First + D]);
  return S;
}

/// Element (N, C, S) of a blocked tensor (ir::BlockedShape::offset with constant block sizes).
Value *blockedOffset(KB &K, const ir::BlockedShape &B, Value *N, Value *C, Value *S) {
  auto &IR = K.B;
  Value *NB = IR.CreateUDiv(N, K.c64(B.BlockN)), *NI = IR.CreateURem(N, K.c64(B.BlockN));
  Value *CB = IR.CreateUDiv(C, K.c64(B.BlockC)), *CI = IR.CreateURem(C, K.c64(B.BlockC));
  Value *Row = IR.CreateAdd(IR.CreateMul(IR.CreateAdd(IR.CreateMul(NB, K.c64(B.COuter)), CB),
                                         K.c64(B.spatialSize())),
                            S);
  Value *Lane = IR.CreateAdd(IR.CreateMul(Row, K.c64(B.BlockN)), NI);
  return IR.CreateAdd(IR.CreateMul(Lane, K.c64(B.BlockC)), CI);
}

/// Blocked output (ToBlocked, Reblock): every element of Out is either a copy of the source element (n, c, s)
/// when n < Batch and c < Channels, or pad_value. SrcOffset maps (n, c, s) to the source element.
Status blockedOut(LowerCtx &C, int64_t Batch, int64_t Channels,
                  const std::function<Value *(KB &, Value *, Value *, Value *)> &SrcOffset) {
  const ir::Node &N = C.node();
  const Shape &Out = C.dims(N.Outputs[0]);
  auto OB = ir::decodeBlocked(Out);
  if (!OB)
    return OB.error();
  if (ir::shapeNumElements(Out) == 0)
    return Status::ok();
  ElemType E = C.elem(N.Outputs[0]);
  if (C.elem(N.Inputs[0]) != E)
    return noCodegen(C, "input and output types differ");
  KB K(C.E, C.kernelName());
  Buf X = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  const size_t R = Out.size();
  const bool Empty = ir::shapeNumElements(C.dims(N.Inputs[0])) == 0;
  int64_t Items = emitNest(K, Out, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Pad = constOf(K, E, double(N.getInt("pad_value", 0)));
    if (Empty) {
      K.store(Y, Flat, Pad);
      return;
    }
    Value *Nn = B.CreateAdd(B.CreateMul(Idx[0], K.c64(OB->BlockN)), Idx[R - 2]);
    Value *Cc = B.CreateAdd(B.CreateMul(Idx[1], K.c64(OB->BlockC)), Idx[R - 1]);
    Value *S = spatialIndex(K, Idx, 2, OB->Spatial);
    Value *Ok = B.CreateAnd(B.CreateICmpULT(Nn, K.c64(Batch)), B.CreateICmpULT(Cc, K.c64(Channels)));
    // Padding lanes read element 0 (always there) and discard it: no branch in the inner loop.
    Value *Src = B.CreateSelect(Ok, SrcOffset(K, Nn, Cc, S), K.c64(0));
    K.store(Y, Flat, B.CreateSelect(Ok, K.load(X, Src), Pad));
  });
  C.add(K.finish(Items, 2.0 * double(ir::shapeNumElements(Out)) / double(Items)));
  return Status::ok();
}

Status toBlocked(LowerCtx &C) {
  const Shape &In = C.dims(C.node().Inputs[0]);
  if (In.size() < 2)
    return noCodegen(C, "input rank below 2");
  const int64_t Ch = In[1], Size = ir::shapeNumElements(Shape(In.begin() + 2, In.end()));
  auto OB = ir::decodeBlocked(C.dims(C.node().Outputs[0]));
  if (!OB)
    return OB.error();
  if (OB->spatialSize() != Size)
    return noCodegen(C, "input and output positions differ");
  return blockedOut(C, In[0], Ch, [&](KB &K, Value *N, Value *Cc, Value *S) {
    auto &B = K.B;
    return B.CreateAdd(B.CreateMul(B.CreateAdd(B.CreateMul(N, K.c64(Ch)), Cc), K.c64(Size)), S);
  });
}

Status reblock(LowerCtx &C) {
  auto IB = ir::decodeBlocked(C.dims(C.node().Inputs[0]));
  if (!IB)
    return IB.error();
  const ir::BlockedShape Src = *IB;
  auto OB = ir::decodeBlocked(C.dims(C.node().Outputs[0]));
  if (!OB)
    return OB.error();
  if (OB->spatialSize() != Src.spatialSize())
    return noCodegen(C, "input and output positions differ");
  return blockedOut(C, Src.batch(), C.node().getInt("channels", 0),
                    [&](KB &K, Value *N, Value *Cc, Value *S) { return blockedOffset(K, Src, N, Cc, S); });
}

Status fromBlocked(LowerCtx &C) {
  const ir::Node &N = C.node();
  auto IB = ir::decodeBlocked(C.dims(N.Inputs[0]));
  if (!IB)
    return IB.error();
  const Shape &Out = C.dims(N.Outputs[0]);
  if (Out.size() < 2)
    return noCodegen(C, "output rank below 2");
  if (ir::shapeNumElements(Out) == 0)
    return Status::ok();
  if (C.elem(N.Inputs[0]) != C.elem(N.Outputs[0]))
    return noCodegen(C, "input and output types differ");
  KB K(C.E, C.kernelName());
  Buf X = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  Shape Spatial(Out.begin() + 2, Out.end());
  if (ir::shapeNumElements(Spatial) != IB->spatialSize() || Out[0] > IB->batch() || Out[1] > IB->channels())
    return noCodegen(C, "output does not fit the blocked input");
  int64_t Items = emitNest(K, Out, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *S = spatialIndex(K, Idx, 2, Spatial);
    K.store(Y, Flat, K.load(X, blockedOffset(K, *IB, Idx[0], Idx[1], S)));
  });
  C.add(K.finish(Items, 2.0 * double(ir::shapeNumElements(Out)) / double(Items)));
  return Status::ok();
}

/// y = clamp(clamp(((x - x_zp) wrapped to int32) * M rounding-shifted by S + y_zp, type range), act range).
Status requantize(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType XE = C.elem(N.Inputs[0]), YE = C.elem(N.Outputs[0]);
  if (!ir::isIntegerType(XE) || !ir::isIntegerType(YE) || XE == ElemType::UInt64)
    return noCodegen(C, "non-integer types");
  std::vector<int64_t> M;
  if (const ir::Attribute *A = N.findAttr("multiplier"))
    M = A->kind() == ir::AttrKind::Ints ? std::get<std::vector<int64_t>>(A->Val)
                                        : std::vector<int64_t>{std::get<int64_t>(A->Val)};
  const int64_t Shift = N.getInt("shift", 1);
  if (M.empty() || Shift < 1 || Shift > 62)
    return noCodegen(C, "no multiplier, or a shift outside 1..62");
  const int64_t XZp = N.getInt("x_zero_point", 0), YZp = N.getInt("y_zero_point", 0);
  const int64_t Lo = ir::integerTypeMin(YE), Hi = ir::integerTypeMax(YE);
  const int64_t ActMin = N.getInt("act_min", Lo), ActMax = N.getInt("act_max", Hi);
  const int64_t Mul = M[0];
  return emitBroadcastMap(
      C, {N.Inputs[0]}, N.Outputs[0],
      [&](KB &K, const std::vector<Value *> &In) -> Value * {
        auto &B = K.B;
        Value *X = convert(K, In[0], XE, ElemType::Int64);
        X = B.CreateSExt(B.CreateTrunc(B.CreateSub(X, K.c64(XZp)), K.E.I32), K.E.I64);
        Value *P = B.CreateMul(X, K.c64(Mul));
        Value *R = B.CreateAShr(B.CreateAdd(P, K.c64(int64_t(1) << (Shift - 1))), K.c64(Shift));
        R = B.CreateAdd(R, K.c64(YZp));
        auto Clamp = [&](Value *V, int64_t L, int64_t H) {
          V = B.CreateSelect(B.CreateICmpSLT(V, K.c64(L)), K.c64(L), V);
          return B.CreateSelect(B.CreateICmpSGT(V, K.c64(H)), K.c64(H), V);
        };
        R = Clamp(Clamp(R, Lo, Hi), ActMin, ActMax);
        return convert(K, R, ElemType::Int64, YE);
      },
      4);
}

} // namespace

void addNpuLowering(LowerTable &T) {
  T["npu.ToBlocked"] = toBlocked;
  T["npu.FromBlocked"] = fromBlocked;
  T["npu.Reblock"] = reblock;
  T["npu.Requantize"] = requantize;
}

} // namespace npu::host
