// Lowering of the binary and variadic elementwise operators (arithmetic, Pow, comparisons, logic, Sum/Max/Min/Mean,
// PRelu, Where) with numpy broadcasting and the reference's integer semantics.
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::ValueId;

namespace {

enum class BinOp { Add, Sub, Mul, Div, Mod, FMod, Max, Min };

/// Integer division or remainder as the reference computes it: a zero divisor sets the status word and gives 0,
/// a divisor of -1 wraps instead of trapping.
Value *intDivRem(KB &K, Value *A, Value *Bv, ElemType E, bool Rem, bool PyMod) {
  auto &B = K.B;
  Type *T = A->getType();
  bool Signed = ir::isSignedIntegerType(E);
  Value *Zero = ConstantInt::get(T, 0), *One = ConstantInt::get(T, 1);
  Value *IsZero = B.CreateICmpEQ(Bv, Zero);
  K.ifThen(IsZero, [&] { K.setStatus(1); });
  Value *IsNegOne = Signed ? B.CreateICmpEQ(Bv, ConstantInt::get(T, static_cast<uint64_t>(-1), true)) : B.getFalse();
  Value *Safe = B.CreateSelect(B.CreateOr(IsZero, IsNegOne), One, Bv);
  Value *R;
  if (!Rem) {
    R = Signed ? B.CreateSDiv(A, Safe) : B.CreateUDiv(A, Safe);
    R = B.CreateSelect(IsNegOne, B.CreateSub(Zero, A), R);
  } else {
    R = Signed ? B.CreateSRem(A, Safe) : B.CreateURem(A, Safe);
    if (Signed && PyMod) { // the result takes the divisor's sign
      Value *Fix = B.CreateAnd(B.CreateICmpNE(R, Zero), B.CreateICmpNE(B.CreateICmpSLT(R, Zero), B.CreateICmpSLT(Safe, Zero)));
      R = B.CreateSelect(Fix, B.CreateAdd(R, Safe), R);
    }
    R = B.CreateSelect(IsNegOne, Zero, R);
  }
  return B.CreateSelect(IsZero, Zero, R);
}

Value *arith(KB &K, BinOp Op, Value *A, Value *Bv, ElemType E) {
  auto &B = K.B;
  bool F = ir::isFloatType(E);
  switch (Op) {
  case BinOp::Add:
    return F ? B.CreateFAdd(A, Bv) : B.CreateAdd(A, Bv);
  case BinOp::Sub:
    return F ? B.CreateFSub(A, Bv) : B.CreateSub(A, Bv);
  case BinOp::Mul:
    return F ? B.CreateFMul(A, Bv) : B.CreateMul(A, Bv);
  case BinOp::Max:
    return B.CreateSelect(cmpGt(K, A, Bv, E), A, Bv);
  case BinOp::Min:
    return B.CreateSelect(cmpLt(K, A, Bv, E), A, Bv);
  case BinOp::Div:
    return F ? B.CreateFDiv(A, Bv) : intDivRem(K, A, Bv, E, false, false);
  case BinOp::Mod:
  case BinOp::FMod:
    if (!F)
      return intDivRem(K, A, Bv, E, true, Op == BinOp::Mod);
    {
      Value *R = B.CreateFRem(A, Bv);
      if (Op == BinOp::FMod)
        return R;
      Value *Z = ConstantFP::get(A->getType(), 0);
      Value *Fix = B.CreateAnd(B.CreateFCmpUNE(R, Z), B.CreateXor(B.CreateFCmpOLT(R, Z), B.CreateFCmpOLT(Bv, Z)));
      return B.CreateSelect(Fix, B.CreateFAdd(R, Bv), R);
    }
  }
  return A;
}

Status binary(LowerCtx &C, BinOp Op) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]);
  if (E == ElemType::Bool)
    return noCodegen(C, "bool operands");
  double Cost = (Op == BinOp::Div || Op == BinOp::Mod || Op == BinOp::FMod) && !ir::isFloatType(E) ? 8 : 1;
  return emitBroadcastMap(
      C, {N.Inputs[0], N.Inputs[1]}, N.Outputs[0],
      [=](KB &K, const std::vector<Value *> &In) { return arith(K, Op, In[0], In[1], E); }, Cost);
}

enum class CmpOp { Eq, Lt, Gt, Le, Ge, And, Or, Xor };

Status compare(LowerCtx &C, CmpOp Op) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]);
  return emitBroadcastMap(C, {N.Inputs[0], N.Inputs[1]}, N.Outputs[0], [=](KB &K, const std::vector<Value *> &In) {
    auto &B = K.B;
    Value *X = In[0], *Z = In[1];
    bool F = X->getType()->isFloatingPointTy();
    switch (Op) {
    case CmpOp::Eq:
      return F ? B.CreateFCmpOEQ(X, Z) : B.CreateICmpEQ(X, Z);
    case CmpOp::Lt:
      return cmpLt(K, X, Z, E);
    case CmpOp::Gt:
      return cmpGt(K, X, Z, E);
    case CmpOp::Le:
      return F ? B.CreateFCmpOLE(X, Z) : ir::isSignedIntegerType(E) ? B.CreateICmpSLE(X, Z) : B.CreateICmpULE(X, Z);
    case CmpOp::Ge:
      return F ? B.CreateFCmpOGE(X, Z) : ir::isSignedIntegerType(E) ? B.CreateICmpSGE(X, Z) : B.CreateICmpUGE(X, Z);
    default:
      break;
    }
    Value *XB = convert(K, X, E, ElemType::Bool), *ZB = convert(K, Z, E, ElemType::Bool);
    return Op == CmpOp::And ? B.CreateAnd(XB, ZB) : Op == CmpOp::Or ? B.CreateOr(XB, ZB) : B.CreateXor(XB, ZB);
  });
}

/// Sum/Max/Min/Mean: folds the inputs left to right, rounding to the element type after each step.
Status variadic(LowerCtx &C, BinOp Op, bool Mean) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Outputs[0]);
  if (E == ElemType::Bool)
    return noCodegen(C, "bool operands");
  size_t Count = N.Inputs.size();
  return emitBroadcastMap(C, N.Inputs, N.Outputs[0], [=](KB &K, const std::vector<Value *> &In) {
    Value *Acc = In[0];
    for (size_t I = 1; I < In.size(); ++I)
      Acc = roundToStorage(K, arith(K, Op, Acc, In[I], E), E);
    if (!Mean)
      return Acc;
    Value *Div = constOf(K, E, static_cast<double>(Count));
    if (ir::isFloatType(E))
      return K.B.CreateFDiv(Acc, Div);
    return ir::isSignedIntegerType(E) ? K.B.CreateSDiv(Acc, Div) : K.B.CreateUDiv(Acc, Div);
  }, static_cast<double>(Count));
}

/// Pow: computed in double from both operands (which may differ in type), converted back like numpy.
Status pow(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType EA = C.elem(N.Inputs[0]), EB = C.elem(N.Inputs[1]), EO = C.elem(N.Outputs[0]);
  if (EA == ElemType::Bool || EB == ElemType::Bool)
    return noCodegen(C, "bool operands");
  return emitBroadcastMap(C, {N.Inputs[0], N.Inputs[1]}, N.Outputs[0], [=](KB &K, const std::vector<Value *> &In) {
    Value *A = convert(K, In[0], EA, ElemType::Float64), *Bv = convert(K, In[1], EB, ElemType::Float64);
    return convert(K, math(K, "pow", A, Bv), ElemType::Float64, EO);
  }, 20);
}

} // namespace

void addBinaryLowering(LowerTable &T) {
  T["Add"] = [](LowerCtx &C) { return binary(C, BinOp::Add); };
  T["Sub"] = [](LowerCtx &C) { return binary(C, BinOp::Sub); };
  T["Mul"] = [](LowerCtx &C) { return binary(C, BinOp::Mul); };
  T["Div"] = [](LowerCtx &C) { return binary(C, BinOp::Div); };
  T["Mod"] = [](LowerCtx &C) { return binary(C, C.node().getInt("fmod", 0) ? BinOp::FMod : BinOp::Mod); };
  T["Pow"] = pow;
  T["Equal"] = [](LowerCtx &C) { return compare(C, CmpOp::Eq); };
  T["Less"] = [](LowerCtx &C) { return compare(C, CmpOp::Lt); };
  T["Greater"] = [](LowerCtx &C) { return compare(C, CmpOp::Gt); };
  T["LessOrEqual"] = [](LowerCtx &C) { return compare(C, CmpOp::Le); };
  T["GreaterOrEqual"] = [](LowerCtx &C) { return compare(C, CmpOp::Ge); };
  T["And"] = [](LowerCtx &C) { return compare(C, CmpOp::And); };
  T["Or"] = [](LowerCtx &C) { return compare(C, CmpOp::Or); };
  T["Xor"] = [](LowerCtx &C) { return compare(C, CmpOp::Xor); };
  T["Sum"] = [](LowerCtx &C) { return variadic(C, BinOp::Add, false); };
  T["Max"] = [](LowerCtx &C) { return variadic(C, BinOp::Max, false); };
  T["Min"] = [](LowerCtx &C) { return variadic(C, BinOp::Min, false); };
  T["Mean"] = [](LowerCtx &C) { return variadic(C, BinOp::Add, true); };
  T["PRelu"] = [](LowerCtx &C) -> Status {
    const ir::Node &N = C.node();
    ElemType E = C.elem(N.Inputs[0]);
    if (!ir::isFloatType(E))
      return noCodegen(C, "not a float type");
    return emitBroadcastMap(C, {N.Inputs[0], N.Inputs[1]}, N.Outputs[0], [=](KB &K, const std::vector<Value *> &In) {
      Value *Z = ConstantFP::get(In[0]->getType(), 0);
      return K.B.CreateSelect(K.B.CreateFCmpOLT(In[0], Z), K.B.CreateFMul(In[1], In[0]), In[0]);
    });
  };
  T["Where"] = [](LowerCtx &C) {
    const ir::Node &N = C.node();
    return emitBroadcastMap(C, {N.Inputs[0], N.Inputs[1], N.Inputs[2]}, N.Outputs[0],
                            [](KB &K, const std::vector<Value *> &In) { return K.B.CreateSelect(In[0], In[1], In[2]); });
  };
}

} // namespace npu::host
