// Lowering of the elementwise operators: activations, arithmetic and comparisons with broadcasting, Clip, Cast.
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;
using ir::ValueId;

Value *roundToStorage(KB &K, Value *V, ElemType T) {
  if (T == ElemType::Float16)
    return K.B.CreateFPExt(K.B.CreateFPTrunc(V, K.E.F16), K.E.F32);
  if (T == ElemType::BFloat16) {
    Value *Bits = K.B.CreateBitCast(V, K.E.I32);
    Value *IsNan = K.B.CreateICmpUGT(K.B.CreateAnd(Bits, K.c32(0x7fffffff)), K.c32(0x7f800000));
    Value *Nan = K.B.CreateOr(K.B.CreateAnd(Bits, K.c32(static_cast<int32_t>(0xffff0000u))), K.c32(0x400000));
    Value *R = K.B.CreateAdd(K.B.CreateAdd(Bits, K.c32(0x7fff)), K.B.CreateAnd(K.B.CreateLShr(Bits, 16), K.c32(1)));
    R = K.B.CreateAnd(R, K.c32(static_cast<int32_t>(0xffff0000u)));
    return K.B.CreateBitCast(K.B.CreateSelect(IsNan, Nan, R), K.E.F32);
  }
  return V;
}

Value *stdMin(KB &K, Value *A, Value *B, ElemType T) { return K.B.CreateSelect(cmpLt(K, B, A, T), B, A); }
Value *stdMax(KB &K, Value *A, Value *B, ElemType T) { return K.B.CreateSelect(cmpLt(K, A, B, T), B, A); }

namespace {

/// Broadcast strides of In against Out (0 where In broadcasts), aligned to Out's trailing dims.
Shape bstrides(const Shape &Out, const Shape &In) {
  Shape S(Out.size(), 0), IS = ir::stridesOf(In);
  size_t Off = Out.size() - In.size();
  for (size_t I = 0; I < In.size(); ++I)
    S[Off + I] = In[I] == 1 ? 0 : IS[I];
  return S;
}

} // namespace

Shape rowMajor(const Shape &S) { return ir::stridesOf(S); }

Status emitAffineMap(LowerCtx &C, const Shape &Space, const std::vector<Access> &Ins, const Access &Out,
                     const ElemFn &Fn, double CostPerElem) {
  // Operand 0 is the output; drop unit dims, then merge neighbours every operand walks contiguously.
  std::vector<const Access *> Ops = {&Out};
  for (const Access &A : Ins)
    Ops.push_back(&A);
  Shape CO;
  std::vector<Shape> CS(Ops.size());
  for (size_t D = 0; D < Space.size(); ++D) {
    if (Space[D] == 1)
      continue;
    bool Merge = !CO.empty();
    for (size_t K = 0; K < Ops.size() && Merge; ++K)
      Merge = Ops[K]->V == ir::NoValue || CS[K].back() == Ops[K]->Strides[D] * Space[D];
    if (Merge) {
      CO.back() *= Space[D];
      for (size_t K = 0; K < Ops.size(); ++K)
        CS[K].back() = Ops[K]->V == ir::NoValue ? 0 : Ops[K]->Strides[D];
      continue;
    }
    CO.push_back(Space[D]);
    for (size_t K = 0; K < Ops.size(); ++K)
      CS[K].push_back(Ops[K]->V == ir::NoValue ? 0 : Ops[K]->Strides[D]);
  }
  KB K(C.E, C.kernelName());
  std::vector<Buf> Bufs;
  for (const Access *A : Ops)
    Bufs.push_back(A->V == ir::NoValue ? Buf{} : C.buf(K, A->V));
  bool OutRowMajor = CS[0] == rowMajor(CO) && Out.Base == 0;
  int64_t Items = emitNest(K, CO, [&](const std::vector<Value *> &Idx, Value *Flat) {
    auto Offset = [&](size_t Op) {
      Value *Off = K.c64(Ops[Op]->Base);
      for (size_t D = 0; D < Idx.size(); ++D)
        if (CS[Op][D])
          Off = K.B.CreateAdd(Off, K.B.CreateMul(Idx[D], K.c64(CS[Op][D])));
      return Off;
    };
    std::vector<Value *> Vals;
    for (size_t I = 1; I < Ops.size(); ++I)
      Vals.push_back(Ops[I]->V == ir::NoValue ? nullptr : K.load(Bufs[I], Offset(I)));
    K.store(Bufs[0], OutRowMajor ? Flat : Offset(0), Fn(K, Vals));
  });
  int64_t Total = ir::shapeNumElements(CO);
  C.add(K.finish(Items, CostPerElem * static_cast<double>(Total) / static_cast<double>(std::max<int64_t>(Items, 1))));
  return Status::ok();
}

Status emitBroadcastMap(LowerCtx &C, const std::vector<ValueId> &Ins, ValueId Out, const ElemFn &Fn,
                        double CostPerElem) {
  const Shape &O = C.dims(Out);
  std::vector<Access> As;
  for (ValueId V : Ins)
    As.push_back(Access{V, V == ir::NoValue ? Shape(O.size(), 0) : bstrides(O, C.dims(V)), 0});
  return emitAffineMap(C, O, As, Access{Out, rowMajor(O), 0}, Fn, CostPerElem);
}

namespace {

using UnaryFn = std::function<Value *(KB &K, Value *X, Type *T)>;

/// A float activation; attribute defaults as the reference's.
Status unaryFloat(LowerCtx &C, const UnaryFn &F, double Cost = 1) {
  const ir::Node &N = C.node();
  if (!ir::isFloatType(C.elem(N.Inputs[0])))
    return noCodegen(C, "not a float type");
  return emitBroadcastMap(C, {N.Inputs[0]}, N.Outputs[0],
                          [&](KB &K, const std::vector<Value *> &In) { return F(K, In[0], In[0]->getType()); }, Cost);
}

Value *fc(Type *T, double V) { return ConstantFP::get(T, V); }
ElemType fe(Type *T) { return T->isDoubleTy() ? ElemType::Float64 : ElemType::Float32; }

Value *sigmoid(KB &K, Value *X, Type *T) {
  auto &B = K.B;
  Value *One = fc(T, 1);
  Value *Pos = B.CreateFDiv(One, B.CreateFAdd(One, math(K, "exp", B.CreateFNeg(X))));
  Value *EX = math(K, "exp", X);
  Value *Neg = B.CreateFDiv(EX, B.CreateFAdd(One, EX));
  return B.CreateSelect(B.CreateFCmpOGE(X, fc(T, 0)), Pos, Neg);
}

Value *softplus(KB &K, Value *X, Type *T) {
  return K.B.CreateSelect(K.B.CreateFCmpOGT(X, fc(T, 30)), X, math(K, "log1p", math(K, "exp", X)));
}

/// Registers a float activation whose body uses the node's alpha/beta/gamma attributes.
#define ACT(NAME, DA, DB, DG, COST, BODY)                                                                          \
  T[NAME] = [](LowerCtx &C) {                                                                                      \
    double Alpha = C.node().getFloat("alpha", DA), Beta = C.node().getFloat("beta", DB),                           \
           Gamma = C.node().getFloat("gamma", DG);                                                                 \
    (void)Alpha, (void)Beta, (void)Gamma;                                                                          \
    return unaryFloat(                                                                                             \
        C,                                                                                                         \
        [=](KB &K, Value *X, Type *Ty) -> Value * {                                                                \
          auto &B = K.B;                                                                                           \
          (void)B;                                                                                                 \
          BODY;                                                                                                    \
        },                                                                                                         \
        COST);                                                                                                     \
  }

void addActivations(LowerTable &T) {
  ACT("Sigmoid", 0, 0, 0, 20, return sigmoid(K, X, Ty));
  ACT("npu.SiLU", 0, 0, 0, 20, return B.CreateFMul(X, sigmoid(K, X, Ty)));
  ACT("Tanh", 0, 0, 0, 20, return math(K, "tanh", X));
  ACT("Exp", 0, 0, 0, 10, return math(K, "exp", X));
  ACT("Log", 0, 0, 0, 10, return math(K, "log", X));
  ACT("Sqrt", 0, 0, 0, 2, return math(K, "sqrt", X));
  ACT("Reciprocal", 0, 0, 0, 2, return B.CreateFDiv(fc(Ty, 1), X));
  ACT("Erf", 0, 0, 0, 20, return math(K, "erf", X));
  ACT("Sin", 0, 0, 0, 20, return math(K, "sin", X));
  ACT("Cos", 0, 0, 0, 20, return math(K, "cos", X));
  ACT("Softsign", 0, 0, 0, 2, return B.CreateFDiv(X, B.CreateFAdd(fc(Ty, 1), math(K, "fabs", X))));
  ACT("Softplus", 0, 0, 0, 20, return softplus(K, X, Ty));
  ACT("Mish", 0, 0, 0, 40, return B.CreateFMul(X, math(K, "tanh", softplus(K, X, Ty))));
  ACT("Ceil", 0, 0, 0, 1, return math(K, "ceil", X));
  ACT("Floor", 0, 0, 0, 1, return math(K, "floor", X));
  ACT("Round", 0, 0, 0, 1, return math(K, "rint", X));
  ACT("HardSwish", 0, 0, 0, 2, {
    Value *Lin = B.CreateFAdd(B.CreateFMul(X, fc(Ty, static_cast<double>(1.0f / 6.0f))), fc(Ty, 0.5));
    return B.CreateFMul(X, stdMax(K, fc(Ty, 0), stdMin(K, fc(Ty, 1), Lin, fe(Ty)), fe(Ty)));
  });
  ACT("HardSigmoid", 0.2f, 0.5f, 0, 2, {
    Value *Lin = B.CreateFAdd(B.CreateFMul(fc(Ty, Alpha), X), fc(Ty, Beta));
    return stdMax(K, fc(Ty, 0), stdMin(K, fc(Ty, 1), Lin, fe(Ty)), fe(Ty));
  });
  ACT("LeakyRelu", 0.01f, 0, 0, 1,
      return B.CreateSelect(B.CreateFCmpOGE(X, fc(Ty, 0)), X, B.CreateFMul(fc(Ty, Alpha), X)));
  ACT("Elu", 1.0f, 0, 0, 10, {
    Value *Neg = B.CreateFMul(fc(Ty, Alpha), B.CreateFSub(math(K, "exp", X), fc(Ty, 1)));
    return B.CreateSelect(B.CreateFCmpOGE(X, fc(Ty, 0)), X, Neg);
  });
  ACT("Celu", 1.0f, 0, 0, 10, {
    Value *E = B.CreateFSub(math(K, "exp", B.CreateFDiv(X, fc(Ty, Alpha))), fc(Ty, 1));
    return B.CreateFAdd(stdMax(K, fc(Ty, 0), X, fe(Ty)), stdMin(K, fc(Ty, 0), B.CreateFMul(fc(Ty, Alpha), E), fe(Ty)));
  });
  ACT("ThresholdedRelu", 1.0f, 0, 0, 1, return B.CreateSelect(B.CreateFCmpOGT(X, fc(Ty, Alpha)), X, fc(Ty, 0)));
  ACT("Selu", 1.67326319f, 0, 1.05070102f, 10, {
    Value *Neg = B.CreateFMul(fc(Ty, Gamma), B.CreateFSub(B.CreateFMul(fc(Ty, Alpha), math(K, "exp", X)), fc(Ty, Alpha)));
    return B.CreateSelect(B.CreateFCmpOGT(X, fc(Ty, 0)), B.CreateFMul(fc(Ty, Gamma), X), Neg);
  });
  T["Gelu"] = [](LowerCtx &C) {
    bool Tanh = C.node().getString("approximate", "none") == "tanh";
    return unaryFloat(
        C,
        [=](KB &K, Value *X, Type *Ty) -> Value * {
          auto &B = K.B;
          Value *Half = B.CreateFMul(fc(Ty, 0.5), X);
          Value *Inner;
          if (Tanh) {
            Value *X3 = B.CreateFMul(B.CreateFMul(B.CreateFMul(fc(Ty, 0.044715), X), X), X);
            Inner = math(K, "tanh", B.CreateFMul(fc(Ty, 0.7978845608028654), B.CreateFAdd(X, X3)));
          } else {
            Inner = math(K, "erf", B.CreateFDiv(X, fc(Ty, 1.4142135623730951)));
          }
          return B.CreateFMul(Half, B.CreateFAdd(fc(Ty, 1), Inner));
        },
        20);
  };
}

/// Unary operators on every numeric type (not bool).
Status unaryNumeric(LowerCtx &C, const std::function<Value *(KB &, Value *, ElemType)> &F) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]);
  if (E == ElemType::Bool)
    return noCodegen(C, "bool input");
  return emitBroadcastMap(C, {N.Inputs[0]}, N.Outputs[0],
                          [&](KB &K, const std::vector<Value *> &In) { return F(K, In[0], E); });
}

Value *zeroOf(KB &K, ElemType E) { return constOf(K, E, 0); }

void addNumericUnary(LowerTable &T) {
  T["Relu"] = [](LowerCtx &C) {
    return unaryNumeric(C, [](KB &K, Value *X, ElemType E) {
      return K.B.CreateSelect(cmpGt(K, X, zeroOf(K, E), E), X, zeroOf(K, E));
    });
  };
  T["Neg"] = [](LowerCtx &C) {
    return unaryNumeric(C, [](KB &K, Value *X, ElemType E) -> Value * {
      return ir::isFloatType(E) ? K.B.CreateFNeg(X) : K.B.CreateSub(zeroOf(K, E), X);
    });
  };
  T["Abs"] = [](LowerCtx &C) {
    return unaryNumeric(C, [](KB &K, Value *X, ElemType E) {
      Value *Neg = ir::isFloatType(E) ? K.B.CreateFSub(zeroOf(K, E), X) : K.B.CreateSub(zeroOf(K, E), X);
      return K.B.CreateSelect(cmpLt(K, X, zeroOf(K, E), E), Neg, X);
    });
  };
  T["Sign"] = [](LowerCtx &C) {
    return unaryNumeric(C, [](KB &K, Value *X, ElemType E) {
      Value *Z = zeroOf(K, E);
      Value *NegOne = constOf(K, E, -1);
      return K.B.CreateSelect(cmpGt(K, X, Z, E), constOf(K, E, 1), K.B.CreateSelect(cmpLt(K, X, Z, E), NegOne, Z));
    });
  };
  T["Not"] = [](LowerCtx &C) {
    return emitBroadcastMap(C, {C.node().Inputs[0]}, C.node().Outputs[0],
                            [](KB &K, const std::vector<Value *> &In) { return K.B.CreateNot(In[0]); });
  };
  auto Copy = [](LowerCtx &C) -> Status {
    const ir::Node &N = C.node();
    NPU_TRY(emitBroadcastMap(C, {N.Inputs[0]}, N.Outputs[0],
                             [](KB &, const std::vector<Value *> &In) { return In[0]; }, 0.25));
    if (N.hasOutput(1)) // Dropout's mask: nothing is dropped at inference
      return emitBroadcastMap(C, {}, N.Outputs[1], [](KB &K, const std::vector<Value *> &) { return K.B.getTrue(); });
    return Status::ok();
  };
  T["Identity"] = Copy;
  T["Dropout"] = Copy;
  T["Clip"] = [](LowerCtx &C) -> Status {
    const ir::Node &N = C.node();
    ElemType E = C.elem(N.Inputs[0]);
    if (E == ElemType::Bool)
      return noCodegen(C, "bool input");
    // Absent bounds are the type's extremes; present ones are scalars (constants or read at run time).
    std::vector<ValueId> Ins = {N.Inputs[0], N.hasInput(1) ? N.Inputs[1] : ir::NoValue,
                                N.hasInput(2) ? N.Inputs[2] : ir::NoValue};
    for (size_t I = 1; I < 3; ++I)
      if (Ins[I] != ir::NoValue && ir::shapeNumElements(C.dims(Ins[I])) != 1)
        return noCodegen(C, "bounds are not scalars");
    // The bounds broadcast as scalars: give them rank-0 views by reading element 0.
    KB K(C.E, C.kernelName());
    Buf X = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
    Value *Lo, *Hi;
    if (ir::isFloatType(E)) {
      Type *Ty = computeType(C.E, E);
      Lo = ConstantFP::getInfinity(Ty, true);
      Hi = ConstantFP::getInfinity(Ty, false);
    } else {
      Lo = constOf(K, E, static_cast<double>(ir::integerTypeMin(E)));
      Hi = E == ElemType::UInt64 ? ConstantInt::get(K.E.I64, ~uint64_t(0))
                                 : ConstantInt::get(computeType(C.E, E), static_cast<uint64_t>(ir::integerTypeMax(E)));
    }
    if (Ins[1] != ir::NoValue)
      Lo = K.load(C.buf(K, Ins[1]), K.c64(0));
    if (Ins[2] != ir::NoValue)
      Hi = K.load(C.buf(K, Ins[2]), K.c64(0));
    int64_t Items = emitNest(K, {ir::shapeNumElements(C.dims(N.Inputs[0]))}, [&](const std::vector<Value *> &,
                                                                                  Value *Flat) {
      K.store(Y, Flat, stdMin(K, stdMax(K, K.load(X, Flat), Lo, E), Hi, E));
    });
    int64_t Total = ir::shapeNumElements(C.dims(N.Inputs[0]));
    C.add(K.finish(Items, static_cast<double>(Total) / static_cast<double>(std::max<int64_t>(Items, 1))));
    return Status::ok();
  };
  auto Cast = [](LowerCtx &C) {
    const ir::Node &N = C.node();
    ElemType From = C.elem(N.Inputs[0]), To = C.elem(N.Outputs[0]);
    return emitBroadcastMap(C, {N.Inputs[0]}, N.Outputs[0],
                            [=](KB &K, const std::vector<Value *> &In) { return convert(K, In[0], From, To); });
  };
  T["Cast"] = Cast;
  T["CastLike"] = Cast;
}

} // namespace

void addBinaryLowering(LowerTable &T);

void addElementwiseLowering(LowerTable &T) {
  addActivations(T);
  addNumericUnary(T);
  addBinaryLowering(T);
}

} // namespace npu::host
