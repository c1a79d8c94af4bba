// Lowering of Softmax/LogSoftmax, the Reduce* family, ArgMax/ArgMin and the normalizations (BatchNormalization,
// InstanceNormalization, LayerNormalization, LRN), accumulating where the reference does (double for reductions).
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <cmath>

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;

namespace {

struct AxisSplit {
  int64_t Outer, D, Inner;
};

AxisSplit splitAt(const Shape &S, int64_t Axis) {
  return {ir::shapeNumElements(Shape(S.begin(), S.begin() + Axis)), S[static_cast<size_t>(Axis)],
          ir::shapeNumElements(Shape(S.begin() + Axis + 1, S.end()))};
}

Value *toDouble(KB &K, Value *V, ElemType E) { return convert(K, V, E, ElemType::Float64); }

Status softmax(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]);
  if (!ir::isFloatType(E))
    return noCodegen(C, "not a float type");
  const Shape &X = C.dims(N.Inputs[0]);
  auto Axis = ir::normalizeAxis(N.getInt("axis", -1), static_cast<int64_t>(X.size()));
  if (!Axis)
    return Axis.error();
  AxisSplit S = splitAt(X, *Axis);
  if (S.Outer * S.D * S.Inner == 0)
    return Status::ok();
  bool Log = N.OpType == "LogSoftmax";
  KB K(C.E, C.kernelName());
  Buf In = C.buf(K, N.Inputs[0]), Out = C.buf(K, N.Outputs[0]);
  Type *T = computeType(C.E, E);
  bool KeepExp = E == ElemType::Float32 || E == ElemType::Float64; // the output can hold exp() unrounded
  auto &B = K.B;
  emitItems(K, [&](Value *Row) {
    Value *Base = B.CreateAdd(B.CreateMul(B.CreateUDiv(Row, K.c64(S.Inner)), K.c64(S.D * S.Inner)),
                              B.CreateURem(Row, K.c64(S.Inner)));
    auto At = [&](Value *Kk) { return B.CreateAdd(Base, B.CreateMul(Kk, K.c64(S.Inner))); };
    AllocaInst *Max = K.var(T, ConstantFP::getInfinity(T, true));
    K.loop(S.D, [&](Value *Kk) { K.set(Max, stdMax(K, K.get(Max), K.load(In, At(Kk)), E)); });
    Value *M = K.get(Max);
    AllocaInst *Sum = K.var(T, ConstantFP::get(T, 0.0));
    K.loop(S.D, [&](Value *Kk) {
      Value *Ex = math(K, "exp", B.CreateFSub(K.load(In, At(Kk)), M));
      if (KeepExp && !Log)
        K.store(Out, At(Kk), Ex);
      K.set(Sum, B.CreateFAdd(K.get(Sum), Ex));
    });
    Value *Sm = K.get(Sum);
    Value *LogSum = Log ? math(K, "log", Sm) : nullptr;
    K.loop(S.D, [&](Value *Kk) {
      Value *X = K.load(In, At(Kk));
      Value *R;
      if (Log)
        R = B.CreateFSub(B.CreateFSub(X, M), LogSum);
      else
        R = B.CreateFDiv(KeepExp ? K.load(Out, At(Kk)) : math(K, "exp", B.CreateFSub(X, M)), Sm);
      K.store(Out, At(Kk), R);
    });
  });
  C.add(K.finish(S.Outer * S.Inner, 25.0 * static_cast<double>(S.D)));
  return Status::ok();
}

/// Nested loops over the reduced dims (row-major), calling Body with the input element offset.
void reduceLoops(KB &K, const Shape &Dims, const Shape &Str, size_t D, Value *Off,
                 const std::function<void(Value *)> &Body) {
  if (D == Dims.size()) {
    Body(Off);
    return;
  }
  K.loop(Dims[D], [&](Value *I) {
    reduceLoops(K, Dims, Str, D + 1, K.B.CreateAdd(Off, K.B.CreateMul(I, K.c64(Str[D]))), Body);
  });
}

Status reduce(LowerCtx &C) {
  const ir::Node &N = C.node();
  if (N.hasInput(1) && !C.known(N.Inputs[1]))
    return noCodegen(C, "axes are not constants");
  const Shape &X = C.dims(N.Inputs[0]);
  ElemType E = C.elem(N.Inputs[0]), OE = C.elem(N.Outputs[0]);
  auto Red = ir::resolveReduceAxes(N, static_cast<int64_t>(X.size()), N.hasInput(1) ? C.known(N.Inputs[1]) : nullptr);
  if (!Red)
    return Red.error();
  Shape InStr = rowMajor(X), Kept, KeptStr, RDims, RStr;
  for (size_t D = 0; D < X.size(); ++D) {
    if ((*Red)[D]) {
      RDims.push_back(X[D]);
      RStr.push_back(InStr[D]);
    } else {
      Kept.push_back(X[D]);
      KeptStr.push_back(InStr[D]);
    }
  }
  int64_t NOut = ir::shapeNumElements(C.dims(N.Outputs[0]));
  if (NOut == 0)
    return Status::ok();
  int64_t Count = ir::shapeNumElements(RDims);
  const std::string &Op = N.OpType;
  double Init = Op == "ReduceProd" ? 1.0
                : Op == "ReduceMax" ? -INFINITY
                : Op == "ReduceMin" ? INFINITY
                                    : 0.0;
  KB K(C.E, C.kernelName());
  Buf In = C.buf(K, N.Inputs[0]), Out = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  Type *F64 = C.E.F64;
  int64_t Items = emitNest(K, Kept.empty() ? Shape{1} : Kept, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Base = K.c64(0);
    for (size_t D = 0; D < Kept.size(); ++D)
      Base = B.CreateAdd(Base, B.CreateMul(Idx[D], K.c64(KeptStr[D])));
    AllocaInst *Acc = K.var(F64, ConstantFP::get(F64, Init));
    reduceLoops(K, RDims, RStr, 0, Base, [&](Value *Off) {
      Value *V = toDouble(K, K.load(In, Off), E), *A = K.get(Acc), *R;
      if (Op == "ReduceSum" || Op == "ReduceMean")
        R = B.CreateFAdd(A, V);
      else if (Op == "ReduceProd")
        R = B.CreateFMul(A, V);
      else if (Op == "ReduceMax")
        R = stdMax(K, A, V, ElemType::Float64);
      else if (Op == "ReduceMin")
        R = stdMin(K, A, V, ElemType::Float64);
      else if (Op == "ReduceL1")
        R = B.CreateFAdd(A, math(K, "fabs", V));
      else if (Op == "ReduceLogSumExp")
        R = B.CreateFAdd(A, math(K, "exp", V));
      else
        R = B.CreateFAdd(A, B.CreateFMul(V, V));
      K.set(Acc, R);
    });
    Value *A = K.get(Acc);
    if (Op == "ReduceMean")
      A = B.CreateFDiv(A, ConstantFP::get(F64, static_cast<double>(Count)));
    else if (Op == "ReduceL2")
      A = math(K, "sqrt", A);
    else if (Op == "ReduceLogSumExp")
      A = math(K, "log", A);
    K.store(Out, Kept.empty() ? K.c64(0) : Flat, convert(K, A, ElemType::Float64, OE));
  });
  C.add(K.finish(Items, 2.0 * static_cast<double>(Count) * static_cast<double>(NOut) / static_cast<double>(Items)));
  return Status::ok();
}

Status argMax(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  ElemType E = C.elem(N.Inputs[0]);
  auto Axis = ir::normalizeAxis(N.getInt("axis", 0), static_cast<int64_t>(X.size()));
  if (!Axis)
    return Axis.error();
  AxisSplit S = splitAt(X, *Axis);
  if (S.Outer * S.Inner == 0 || S.D == 0)
    return S.D == 0 ? noCodegen(C, "empty axis") : Status::ok();
  bool Max = N.OpType == "ArgMax", Last = N.getInt("select_last_index", 0) != 0;
  KB K(C.E, C.kernelName());
  Buf In = C.buf(K, N.Inputs[0]), Out = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  int64_t Items = emitNest(K, {S.Outer, S.Inner}, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Base = B.CreateAdd(B.CreateMul(Idx[0], K.c64(S.D * S.Inner)), Idx[1]);
    AllocaInst *BV = K.var(C.E.F64, toDouble(K, K.load(In, Base), E));
    AllocaInst *Best = K.var(C.E.I64, K.c64(0));
    K.loop(K.c64(1), K.c64(S.D), [&](Value *Kk) {
      Value *V = toDouble(K, K.load(In, B.CreateAdd(Base, B.CreateMul(Kk, K.c64(S.Inner)))), E);
      Value *Cur = K.get(BV);
      Value *Better = Max ? B.CreateFCmpOGT(V, Cur) : B.CreateFCmpOLT(V, Cur);
      if (Last)
        Better = B.CreateOr(Better, B.CreateFCmpOEQ(V, Cur));
      K.set(BV, B.CreateSelect(Better, V, Cur));
      K.set(Best, B.CreateSelect(Better, Kk, K.get(Best)));
    });
    K.store(Out, Flat, K.get(Best));
  });
  C.add(K.finish(Items, 2.0 * static_cast<double>(S.D * S.Outer * S.Inner) / static_cast<double>(Items)));
  return Status::ok();
}

} // namespace

void addNormLowering(LowerTable &T);

void addReduceLowering(LowerTable &T) {
  T["Softmax"] = softmax;
  T["LogSoftmax"] = softmax;
  for (const char *Name : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                           "ReduceSumSquare", "ReduceLogSumExp"})
    T[Name] = reduce;
  T["ArgMax"] = argMax;
  T["ArgMin"] = argMax;
  addNormLowering(T);
}

} // namespace npu::host
