// Lowering of BatchNormalization (inference), InstanceNormalization, LayerNormalization and LRN.
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <cmath>

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;

void batchNormAffine(const ir::Tensor &Scale, const ir::Tensor &Bias, const ir::Tensor &Mean, const ir::Tensor &Var,
                     double Eps, std::vector<float> &A, std::vector<float> &B) {
  int64_t Ch = Scale.numElements();
  A.resize(static_cast<size_t>(Ch));
  B.resize(static_cast<size_t>(Ch));
  for (int64_t K = 0; K < Ch; ++K) {
    A[static_cast<size_t>(K)] = static_cast<float>(Scale.getDouble(K) / std::sqrt(Var.getDouble(K) + Eps));
    B[static_cast<size_t>(K)] =
        static_cast<float>(Bias.getDouble(K) - Mean.getDouble(K) * static_cast<double>(A[static_cast<size_t>(K)]));
  }
}

namespace {

Value *toDouble(KB &K, Value *V, ElemType E) { return convert(K, V, E, ElemType::Float64); }

/// Training mode: batch statistics per channel (population variance, in double) and the running averages.
Status batchNormTraining(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]);
  const Shape &X = C.dims(N.Inputs[0]);
  if (!ir::isFloatType(E) || X.size() < 2)
    return noCodegen(C, "not a float type");
  int64_t Nb = X[0], Ch = X[1], Sp = ir::shapeNumElements(Shape(X.begin() + 2, X.end()));
  if (Nb * Ch * Sp == 0)
    return noCodegen(C, "empty input");
  double Eps = N.getFloat("epsilon", 1e-5f), Mom = N.getFloat("momentum", 0.9f);
  KB K(C.E, C.kernelName());
  Buf Xb = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  Type *F64 = C.E.F64, *CT = computeType(C.E, E);
  Value *Count = ConstantFP::get(F64, static_cast<double>(Nb * Sp));
  emitItems(K, [&](Value *Kc) {
    auto Param = [&](size_t I) { return toDouble(K, K.load(C.buf(K, N.Inputs[I]), Kc), C.elem(N.Inputs[I])); };
    auto Each = [&](const std::function<void(Value *)> &Body) {
      K.loop(Nb, [&](Value *Bt) {
        Value *Base = B.CreateMul(B.CreateAdd(B.CreateMul(Bt, K.c64(Ch)), Kc), K.c64(Sp));
        K.loop(Sp, [&](Value *P) { Body(B.CreateAdd(Base, P)); });
      });
    };
    AllocaInst *S = K.var(F64, ConstantFP::get(F64, 0.0));
    Each([&](Value *I) { K.set(S, B.CreateFAdd(K.get(S), toDouble(K, K.load(Xb, I), E))); });
    Value *M = B.CreateFDiv(K.get(S), Count);
    AllocaInst *S2 = K.var(F64, ConstantFP::get(F64, 0.0));
    Each([&](Value *I) {
      Value *D = B.CreateFSub(toDouble(K, K.load(Xb, I), E), M);
      K.set(S2, B.CreateFAdd(K.get(S2), B.CreateFMul(D, D)));
    });
    Value *Var = B.CreateFDiv(K.get(S2), Count);
    Value *MomV = ConstantFP::get(F64, Mom), *Rest = ConstantFP::get(F64, 1 - Mom);
    if (N.hasOutput(1))
      K.store(C.buf(K, N.Outputs[1]), Kc, convert(K, B.CreateFAdd(B.CreateFMul(Param(3), MomV), B.CreateFMul(M, Rest)),
                                                   ElemType::Float64, C.elem(N.Outputs[1])));
    if (N.hasOutput(2))
      K.store(C.buf(K, N.Outputs[2]), Kc, convert(K, B.CreateFAdd(B.CreateFMul(Param(4), MomV), B.CreateFMul(Var, Rest)),
                                                   ElemType::Float64, C.elem(N.Outputs[2])));
    Value *A = B.CreateFPCast(B.CreateFDiv(Param(1), math(K, "sqrt", B.CreateFAdd(Var, ConstantFP::get(F64, Eps)))), CT);
    Value *Bv = B.CreateFPCast(B.CreateFSub(Param(2), B.CreateFMul(M, B.CreateFPCast(A, F64))), CT);
    Each([&](Value *I) { K.store(Y, I, B.CreateFAdd(B.CreateFMul(K.load(Xb, I), A), Bv)); });
  });
  C.add(K.finish(Ch, 6.0 * static_cast<double>(Nb * Sp)));
  return Status::ok();
}

Status batchNorm(LowerCtx &C) {
  const ir::Node &N = C.node();
  if (N.getInt("training_mode", 0) != 0)
    return batchNormTraining(C);
  ElemType E = C.elem(N.Inputs[0]);
  if (!ir::isFloatType(E))
    return noCodegen(C, "not a float type");
  const Shape &X = C.dims(N.Inputs[0]);
  if (X.size() < 2)
    return noCodegen(C, "rank below 2");
  int64_t Ch = X[1], Sp = ir::shapeNumElements(Shape(X.begin() + 2, X.end()));
  Shape Space = {X[0], Ch, Sp};
  double Eps = N.getFloat("epsilon", 1e-5f);
  bool Known = true;
  for (size_t I = 1; I <= 4; ++I)
    Known &= C.known(N.Inputs[I]) != nullptr;
  bool Dbl = E == ElemType::Float64;
  if (Known && !Dbl) { // fold the parameters into per-channel tables
    std::vector<float> A, Bv;
    batchNormAffine(*C.known(N.Inputs[1]), *C.known(N.Inputs[2]), *C.known(N.Inputs[3]), *C.known(N.Inputs[4]), Eps,
                    A, Bv);
    auto *GA = C.E.constF32s(A), *GB = C.E.constF32s(Bv);
    KB K(C.E, C.kernelName());
    Buf Xb = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
    int64_t Items = emitNest(K, Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
      Value *Av = K.B.CreateLoad(C.E.F32, K.B.CreateInBoundsGEP(C.E.F32, GA, Idx[1]));
      Value *Bb = K.B.CreateLoad(C.E.F32, K.B.CreateInBoundsGEP(C.E.F32, GB, Idx[1]));
      K.store(Y, Flat, K.B.CreateFAdd(K.B.CreateFMul(K.load(Xb, Flat), Av), Bb));
    });
    C.add(K.finish(Items, 2.0 * static_cast<double>(ir::shapeNumElements(Space)) /
                              static_cast<double>(std::max<int64_t>(Items, 1))));
    return Status::ok();
  }
  // Parameters read at run time; A and B are per channel, so the optimizer hoists them out of the inner loop.
  KB K(C.E, C.kernelName());
  Buf Xb = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  Buf Pb[4];
  for (size_t I = 0; I < 4; ++I)
    Pb[I] = C.buf(K, N.Inputs[I + 1]);
  ElemType PE[4];
  for (size_t I = 0; I < 4; ++I)
    PE[I] = C.elem(N.Inputs[I + 1]);
  Type *CT = computeType(C.E, E);
  auto &B = K.B;
  int64_t Items = emitNest(K, Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *P[4];
    for (size_t I = 0; I < 4; ++I)
      P[I] = toDouble(K, K.load(Pb[I], Idx[1]), PE[I]);
    Value *A = B.CreateFDiv(P[0], math(K, "sqrt", B.CreateFAdd(P[3], ConstantFP::get(C.E.F64, Eps))));
    A = B.CreateFPCast(A, CT);
    Value *Bv = B.CreateFSub(P[1], B.CreateFMul(P[2], B.CreateFPCast(A, C.E.F64)));
    Bv = B.CreateFPCast(Bv, CT);
    K.store(Y, Flat, B.CreateFAdd(B.CreateFMul(K.load(Xb, Flat), A), Bv));
  });
  C.add(K.finish(Items, 3.0 * static_cast<double>(ir::shapeNumElements(Space)) /
                            static_cast<double>(std::max<int64_t>(Items, 1))));
  return Status::ok();
}

/// Normalizes Groups blocks of Size elements in double; Affine(K, Group, Elem, V) applies scale and bias.
Status normalizeBlocks(LowerCtx &C, int64_t Groups, int64_t Size, double Eps,
                       const std::function<Value *(KB &, Value *, Value *, Value *)> &Affine, int MeanOut, int InvOut) {
  const ir::Node &N = C.node();
  if (Groups * Size == 0)
    return Status::ok();
  ElemType E = C.elem(N.Inputs[0]);
  KB K(C.E, C.kernelName());
  Buf X = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  Type *F64 = C.E.F64;
  Value *SizeD = ConstantFP::get(F64, static_cast<double>(Size));
  emitItems(K, [&](Value *G) {
    Value *Base = B.CreateMul(G, K.c64(Size));
    AllocaInst *S = K.var(F64, ConstantFP::get(F64, 0.0));
    K.loop(Size, [&](Value *I) { K.set(S, B.CreateFAdd(K.get(S), toDouble(K, K.load(X, B.CreateAdd(Base, I)), E))); });
    Value *M = B.CreateFDiv(K.get(S), SizeD);
    AllocaInst *S2 = K.var(F64, ConstantFP::get(F64, 0.0));
    K.loop(Size, [&](Value *I) {
      Value *D = B.CreateFSub(toDouble(K, K.load(X, B.CreateAdd(Base, I)), E), M);
      K.set(S2, B.CreateFAdd(K.get(S2), B.CreateFMul(D, D)));
    });
    Value *Inv = B.CreateFDiv(ConstantFP::get(F64, 1.0),
                              math(K, "sqrt", B.CreateFAdd(B.CreateFDiv(K.get(S2), SizeD), ConstantFP::get(F64, Eps))));
    K.loop(Size, [&](Value *I) {
      Value *V = B.CreateFMul(B.CreateFSub(toDouble(K, K.load(X, B.CreateAdd(Base, I)), E), M), Inv);
      K.store(Y, B.CreateAdd(Base, I), convert(K, Affine(K, G, I, V), ElemType::Float64, C.elem(N.Outputs[0])));
    });
    if (MeanOut >= 0)
      K.store(C.buf(K, N.Outputs[static_cast<size_t>(MeanOut)]), G,
              convert(K, M, ElemType::Float64, C.elem(N.Outputs[static_cast<size_t>(MeanOut)])));
    if (InvOut >= 0)
      K.store(C.buf(K, N.Outputs[static_cast<size_t>(InvOut)]), G,
              convert(K, Inv, ElemType::Float64, C.elem(N.Outputs[static_cast<size_t>(InvOut)])));
  });
  C.add(K.finish(Groups, 8.0 * static_cast<double>(Size)));
  return Status::ok();
}

Status instanceNorm(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  if (X.size() < 2)
    return noCodegen(C, "rank below 2");
  int64_t Ch = X[1], Groups = X[0] * Ch;
  int64_t Size = Groups ? ir::shapeNumElements(X) / Groups : 0;
  ElemType SE = C.elem(N.Inputs[1]), BE = C.elem(N.Inputs[2]);
  ir::ValueId SV = N.Inputs[1], BV = N.Inputs[2];
  return normalizeBlocks(
      C, Groups, Size, N.getFloat("epsilon", 1e-5f),
      [&](KB &K, Value *G, Value *, Value *V) {
        Value *Cc = K.B.CreateURem(G, K.c64(Ch));
        Value *S = toDouble(K, K.load(C.buf(K, SV), Cc), SE), *Bb = toDouble(K, K.load(C.buf(K, BV), Cc), BE);
        return K.B.CreateFAdd(K.B.CreateFMul(V, S), Bb);
      },
      -1, -1);
}

Status layerNorm(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  auto Axis = ir::normalizeAxis(N.getInt("axis", -1), static_cast<int64_t>(X.size()));
  if (!Axis)
    return Axis.error();
  Shape Norm(X.begin() + *Axis, X.end());
  int64_t Size = ir::shapeNumElements(Norm), Groups = Size ? ir::shapeNumElements(X) / Size : 0;
  // Offsets of scale and bias for a normalized element: broadcast against the normalized shape.
  auto Strides = [&](ir::ValueId V) {
    const Shape &S = C.dims(V);
    Shape R(Norm.size(), 0), IS = rowMajor(S);
    size_t Off = Norm.size() - S.size();
    for (size_t D = 0; D < S.size(); ++D)
      R[Off + D] = S[D] == 1 ? 0 : IS[D];
    return R;
  };
  Shape SS = Strides(N.Inputs[1]), BS = N.hasInput(2) ? Strides(N.Inputs[2]) : Shape();
  ElemType SE = C.elem(N.Inputs[1]), BE = N.hasInput(2) ? C.elem(N.Inputs[2]) : ElemType::Float32;
  ir::ValueId SV = N.Inputs[1], BV = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  return normalizeBlocks(
      C, Groups, Size, N.getFloat("epsilon", 1e-5f),
      [&](KB &K, Value *, Value *I, Value *V) -> Value * {
        std::vector<Value *> Idx = unflatten(K, I, Norm);
        auto Off = [&](const Shape &St) {
          Value *O = K.c64(0);
          for (size_t D = 0; D < Idx.size(); ++D)
            if (St[D])
              O = K.B.CreateAdd(O, K.B.CreateMul(Idx[D], K.c64(St[D])));
          return O;
        };
        Value *R = K.B.CreateFMul(V, toDouble(K, K.load(C.buf(K, SV), Off(SS)), SE));
        Value *Bb = BV == ir::NoValue ? ConstantFP::get(K.E.F64, 0.0) : toDouble(K, K.load(C.buf(K, BV), Off(BS)), BE);
        return K.B.CreateFAdd(R, Bb);
      },
      N.hasOutput(1) ? 1 : -1, N.hasOutput(2) ? 2 : -1);
}

Status lrn(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  ElemType E = C.elem(N.Inputs[0]);
  if (X.size() < 2 || ir::shapeNumElements(X) == 0)
    return X.size() < 2 ? noCodegen(C, "rank below 2") : Status::ok();
  int64_t Ch = X[1], Sp = ir::shapeNumElements(X) / (X[0] * Ch);
  double Alpha = N.getFloat("alpha", 1e-4f), Beta = N.getFloat("beta", 0.75f), Bias = N.getFloat("bias", 1.0f);
  int64_t Size = N.getInt("size", 1);
  int64_t Lo = (Size - 1) / 2, Hi = Size - 1 - Lo;
  KB K(C.E, C.kernelName());
  Buf Xb = C.buf(K, N.Inputs[0]), Y = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  Type *F64 = C.E.F64;
  int64_t Items = emitNest(K, {X[0], Ch, Sp}, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *J0 = B.CreateSub(Idx[1], K.c64(Lo)), *J1 = B.CreateAdd(Idx[1], K.c64(Hi + 1));
    J0 = B.CreateSelect(B.CreateICmpSLT(J0, K.c64(0)), K.c64(0), J0);
    J1 = B.CreateSelect(B.CreateICmpSGT(J1, K.c64(Ch)), K.c64(Ch), J1);
    Value *Base = B.CreateAdd(B.CreateMul(Idx[0], K.c64(Ch * Sp)), Idx[2]);
    Value *Sq = ConstantFP::get(F64, 0.0);
    if (Size <= 16) {
      // The window's taps unrolled, in the reference's order: taps outside the channels add +0 (exact), and the
      // body has no inner loop, so the loop over positions vectorizes.
      for (int64_t T = 0; T < Size; ++T) {
        Value *J = B.CreateAdd(Idx[1], K.c64(T - Lo));
        Value *Ok = B.CreateAnd(B.CreateICmpSGE(J, J0), B.CreateICmpSLT(J, J1));
        Value *At = B.CreateAdd(Base, B.CreateMul(B.CreateSelect(Ok, J, Idx[1]), K.c64(Sp)));
        Value *V = toDouble(K, K.load(Xb, At), E);
        Sq = B.CreateFAdd(Sq, B.CreateSelect(Ok, B.CreateFMul(V, V), ConstantFP::get(F64, 0.0)));
      }
    } else {
      AllocaInst *Acc = K.var(F64, Sq);
      K.loop(J0, J1, [&](Value *J) {
        Value *V = toDouble(K, K.load(Xb, B.CreateAdd(Base, B.CreateMul(J, K.c64(Sp)))), E);
        K.set(Acc, B.CreateFAdd(K.get(Acc), B.CreateFMul(V, V)));
      });
      Sq = K.get(Acc);
    }
    Value *Den = B.CreateFAdd(ConstantFP::get(F64, Bias),
                              B.CreateFMul(ConstantFP::get(F64, Alpha / static_cast<double>(Size)), Sq));
    // d^0.75 (the usual beta) as sqrt(d) * sqrt(sqrt(d)): vector square roots instead of a pow call per element.
    Value *Pow = Beta == 0.75 ? B.CreateFMul(math(K, "sqrt", Den), math(K, "sqrt", math(K, "sqrt", Den)))
                              : math(K, "pow", Den, ConstantFP::get(F64, Beta));
    Value *R = B.CreateFDiv(toDouble(K, K.load(Xb, Flat), E), Pow);
    K.store(Y, Flat, convert(K, R, ElemType::Float64, C.elem(N.Outputs[0])));
  });
  C.add(K.finish(Items, (30.0 + 2.0 * static_cast<double>(Size)) * static_cast<double>(Sp)));
  return Status::ok();
}

} // namespace

void addNormLowering(LowerTable &T) {
  T["BatchNormalization"] = batchNorm;
  T["InstanceNormalization"] = instanceNorm;
  T["LayerNormalization"] = layerNorm;
  T["LRN"] = lrn;
}

} // namespace npu::host
