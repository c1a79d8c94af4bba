// Lowering of MatMul (numpy batching), Gemm, MatMulInteger and QLinearMatMul as loop nests (the f32 CPU forms go
// to the packed GEMM kernels first).
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;
using ir::ValueId;

Value *requantMultiplier(KB &K, Value *XS, Value *WS, Value *YS, ElemType SE);

namespace {

/// Geometry of a numpy matmul and the batch strides of A and B in the output's batch space.
struct MatMulDims {
  int64_t M, K, N;
  Shape OutBatch, ABatchStr, BBatchStr;
};

MatMulDims matMulDims(const Shape &A0, const Shape &B0) {
  Shape A = A0.size() == 1 ? Shape{1, A0[0]} : A0;
  Shape Bs = B0.size() == 1 ? Shape{B0[0], 1} : B0;
  MatMulDims D{A[A.size() - 2], A.back(), Bs.back(), {}, {}, {}};
  Shape AB(A.begin(), A.end() - 2), BB(Bs.begin(), Bs.end() - 2);
  D.OutBatch = *ir::broadcastShapes(AB, BB);
  auto Str = [&](const Shape &S, int64_t Mat) {
    Shape R(D.OutBatch.size(), 0), IS = ir::stridesOf(S);
    size_t Off = D.OutBatch.size() - S.size();
    for (size_t I = 0; I < S.size(); ++I)
      R[Off + I] = S[I] == 1 ? 0 : IS[I] * Mat;
    return R;
  };
  D.ABatchStr = Str(AB, D.M * D.K);
  D.BBatchStr = Str(BB, D.K * D.N);
  return D;
}

/// One kernel over [batch..., M, N]: Acc = sum over k of LoadA(a) * LoadB(b) in AccE, then Epilogue.
Status matmulLoops(LowerCtx &C, ValueId AV, ValueId BV, const MatMulDims &D, ElemType AccE,
                   const std::function<Value *(KB &, Value *)> &LoadA, const std::function<Value *(KB &, Value *)> &LoadB,
                   const std::function<Value *(KB &, Value *Acc, Value *I, Value *J)> &Epilogue, ValueId YV) {
  Shape Space = D.OutBatch;
  Space.push_back(D.M);
  Space.push_back(D.N);
  if (ir::shapeNumElements(Space) == 0)
    return Status::ok();
  KB K(C.E, C.kernelName());
  auto &B = K.B;
  Type *AccT = computeType(C.E, AccE);
  Buf Yb = C.buf(K, YV);
  size_t NB = D.OutBatch.size();
  int64_t Items = emitNest(K, Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *ABase = K.c64(0), *BBase = K.c64(0);
    for (size_t I = 0; I < NB; ++I) {
      ABase = B.CreateAdd(ABase, B.CreateMul(Idx[I], K.c64(D.ABatchStr[I])));
      BBase = B.CreateAdd(BBase, B.CreateMul(Idx[I], K.c64(D.BBatchStr[I])));
    }
    Value *Row = Idx[NB], *Col = Idx[NB + 1];
    ABase = B.CreateAdd(ABase, B.CreateMul(Row, K.c64(D.K)));
    BBase = B.CreateAdd(BBase, Col);
    AllocaInst *Acc = K.var(AccT, Constant::getNullValue(AccT));
    K.loop(D.K, [&](Value *P) {
      Value *A = LoadA(K, B.CreateAdd(ABase, P)), *Bv = LoadB(K, B.CreateAdd(BBase, B.CreateMul(P, K.c64(D.N))));
      Value *Prod = AccT->isFloatingPointTy() ? B.CreateFMul(A, Bv) : B.CreateMul(A, Bv);
      K.set(Acc, AccT->isFloatingPointTy() ? B.CreateFAdd(K.get(Acc), Prod) : B.CreateAdd(K.get(Acc), Prod));
    });
    K.store(Yb, Flat, Epilogue(K, K.get(Acc), Row, Col));
  });
  C.add(K.finish(Items, 2.0 * static_cast<double>(D.K) * static_cast<double>(ir::shapeNumElements(Space)) /
                            static_cast<double>(Items)));
  (void)AV, (void)BV;
  return Status::ok();
}

Status matMul(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]);
  if (E == ElemType::Bool)
    return noCodegen(C, "bool operands");
  if (E == ElemType::Float32 && !C.E.T.Gpu && lowerFusedGemm(C))
    return Status::ok();
  C.Kernels.clear();
  MatMulDims D = matMulDims(C.dims(N.Inputs[0]), C.dims(N.Inputs[1]));
  ElemType AccE = E == ElemType::Float16 || E == ElemType::BFloat16 ? ElemType::Float32 : E;
  ValueId AV = N.Inputs[0], BV = N.Inputs[1];
  return matmulLoops(
      C, AV, BV, D, AccE, [&](KB &K, Value *I) { return K.load(C.buf(K, AV), I); },
      [&](KB &K, Value *I) { return K.load(C.buf(K, BV), I); },
      [&](KB &K, Value *Acc, Value *, Value *) { return convert(K, Acc, AccE, E); }, N.Outputs[0]);
}

/// Gemm on any type: Y = alpha * op(A) op(B) (+ beta * C), accumulated like the reference (int64 for integers).
Status gemm(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]);
  if (E == ElemType::Bool)
    return noCodegen(C, "bool operands");
  if (E == ElemType::Float32 && !C.E.T.Gpu && lowerFusedGemm(C))
    return Status::ok();
  C.Kernels.clear();
  std::string Act = N.getString("activation", "relu");
  if (N.OpType != baseOpType(N) && ((Act != "relu" && Act != "leaky_relu" && Act != "clip") || !ir::isFloatType(E)))
    return noCodegen(C, "fused activation");
  bool TA = N.getInt("transA", 0) != 0, TB = N.getInt("transB", 0) != 0;
  double Alpha = N.getFloat("alpha", 1.0f), Beta = N.getFloat("beta", 1.0f);
  const Shape &AS = C.dims(N.Inputs[0]), &YS = C.dims(N.Outputs[0]);
  int64_t M = YS[0], Nn = YS[1], Kk = TA ? AS[0] : AS[1];
  ElemType AccE = ir::isFloatType(E) ? (E == ElemType::Float64 ? ElemType::Float64 : ElemType::Float32) : ElemType::Int64;
  if (M * Nn == 0)
    return Status::ok();
  ValueId AV = N.Inputs[0], BV = N.Inputs[1], CV = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  Shape CStr;
  if (CV != ir::NoValue) {
    const Shape &CS = C.dims(CV);
    Shape IS = ir::stridesOf(CS);
    CStr.assign(2, 0);
    for (size_t I = 0; I < CS.size(); ++I)
      CStr[2 - CS.size() + I] = CS[I] == 1 ? 0 : IS[I];
  }
  KB K(C.E, C.kernelName());
  auto &B = K.B;
  Type *AccT = computeType(C.E, AccE);
  bool F = AccT->isFloatingPointTy();
  Buf Ab = C.buf(K, AV), Bb = C.buf(K, BV), Yb = C.buf(K, N.Outputs[0]);
  auto Const = [&](double V) -> Value * {
    return F ? ConstantFP::get(AccT, static_cast<double>(static_cast<float>(V)))
             : ConstantInt::get(AccT, static_cast<uint64_t>(static_cast<int64_t>(static_cast<float>(V))), true);
  };
  int64_t Items = emitNest(K, {M, Nn}, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *I = Idx[0], *J = Idx[1];
    AllocaInst *Acc = K.var(AccT, Constant::getNullValue(AccT));
    K.loop(Kk, [&](Value *P) {
      Value *AI = TA ? B.CreateAdd(B.CreateMul(P, K.c64(M)), I) : B.CreateAdd(B.CreateMul(I, K.c64(Kk)), P);
      Value *BI = TB ? B.CreateAdd(B.CreateMul(J, K.c64(Kk)), P) : B.CreateAdd(B.CreateMul(P, K.c64(Nn)), J);
      Value *A = convert(K, K.load(Ab, AI), E, AccE), *Bv = convert(K, K.load(Bb, BI), E, AccE);
      K.set(Acc, F ? B.CreateFAdd(K.get(Acc), B.CreateFMul(A, Bv)) : B.CreateAdd(K.get(Acc), B.CreateMul(A, Bv)));
    });
    Value *Y = K.get(Acc);
    Y = F ? B.CreateFMul(Y, Const(Alpha)) : B.CreateMul(Y, Const(Alpha));
    if (CV != ir::NoValue) {
      Value *CI = B.CreateAdd(B.CreateMul(I, K.c64(CStr[0])), B.CreateMul(J, K.c64(CStr[1])));
      Value *Cv = convert(K, K.load(C.buf(K, CV), CI), C.elem(CV), AccE);
      Y = F ? B.CreateFAdd(Y, B.CreateFMul(Const(Beta), Cv)) : B.CreateAdd(Y, B.CreateMul(Const(Beta), Cv));
    }
    if (N.OpType != baseOpType(N)) { // a fused activation reads the stored Gemm result
      Value *Stored = convert(K, convert(K, Y, AccE, E), E, AccE);
      auto A = fusedActivation(K, N, Stored);
      Y = A ? *A : Stored;
    }
    K.store(Yb, Flat, convert(K, Y, AccE, E));
  });
  C.add(K.finish(Items, 2.0 * static_cast<double>(Kk) * static_cast<double>(M * Nn) / static_cast<double>(Items)));
  return Status::ok();
}

/// MatMulInteger / QLinearMatMul: (A - a_zp) x (B - b_zp) in int32; a_zp per tensor or per row, b_zp per tensor
/// or per column.
Status integerMatMul(LowerCtx &C, size_t AI, size_t AZ, size_t BI, size_t BZ,
                     const std::function<Value *(KB &, Value *Acc)> &Epilogue) {
  const ir::Node &N = C.node();
  ValueId AV = N.Inputs[AI], BV = N.Inputs[BI];
  MatMulDims D = matMulDims(C.dims(AV), C.dims(BV));
  ValueId AZp = N.hasInput(AZ) ? N.Inputs[AZ] : ir::NoValue, BZp = N.hasInput(BZ) ? N.Inputs[BZ] : ir::NoValue;
  int64_t NA = AZp == ir::NoValue ? 1 : ir::shapeNumElements(C.dims(AZp));
  int64_t NBz = BZp == ir::NoValue ? 1 : ir::shapeNumElements(C.dims(BZp));
  if ((NA != 1 && NA != D.M) || (NBz != 1 && NBz != D.N))
    return makeError("zero points must be scalars, per row of A or per column of B");
  ElemType AE = C.elem(AV), BE = C.elem(BV);
  auto Load = [&](KB &K, ValueId V, ElemType E, ValueId Zp, int64_t Count, Value *I, int64_t Div, int64_t Mod) {
    Value *X = convert(K, K.load(C.buf(K, V), I), E, ElemType::Int32);
    if (Zp == ir::NoValue)
      return X;
    Value *ZI = Count == 1 ? K.c64(0) : K.B.CreateURem(K.B.CreateUDiv(I, K.c64(Div)), K.c64(Mod));
    return K.B.CreateSub(X, convert(K, K.load(C.buf(K, Zp), ZI), C.elem(Zp), ElemType::Int32));
  };
  return matmulLoops(
      C, AV, BV, D, ElemType::Int32, [&](KB &K, Value *I) { return Load(K, AV, AE, AZp, NA, I, D.K, D.M); },
      [&](KB &K, Value *I) { return Load(K, BV, BE, BZp, NBz, I, 1, D.N); },
      [&](KB &K, Value *Acc, Value *, Value *) { return Epilogue(K, Acc); }, N.Outputs[0]);
}

Status qlinearMatMul(LowerCtx &C) {
  // Inputs: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp.
  const ir::Node &N = C.node();
  for (size_t S : {1, 4, 6})
    if (ir::shapeNumElements(C.dims(N.Inputs[S])) != 1)
      return makeError("unsupported: QLinearMatMul with per-axis scales");
  ElemType SE = C.elem(N.Inputs[1]), YE = C.elem(N.Outputs[0]);
  ValueId YZp = N.hasInput(7) ? N.Inputs[7] : ir::NoValue;
  double Lo = static_cast<double>(ir::integerTypeMin(YE)), Hi = static_cast<double>(ir::integerTypeMax(YE));
  return integerMatMul(C, 0, 2, 3, 5, [&](KB &K, Value *Acc) -> Value * {
    auto &B = K.B;
    auto D = [&](size_t I) { return convert(K, K.load(C.buf(K, N.Inputs[I]), K.c64(0)), C.elem(N.Inputs[I]), ElemType::Float64); };
    Value *Mult = requantMultiplier(K, D(1), D(4), D(6), SE);
    Value *V = math(K, "rint", B.CreateFMul(B.CreateSIToFP(Acc, K.E.F64), Mult));
    if (YZp != ir::NoValue)
      V = B.CreateFAdd(V, convert(K, K.load(C.buf(K, YZp), K.c64(0)), C.elem(YZp), ElemType::Float64));
    Value *LoV = ConstantFP::get(K.E.F64, Lo), *HiV = ConstantFP::get(K.E.F64, Hi);
    V = B.CreateSelect(B.CreateFCmpOLT(V, LoV), LoV, B.CreateSelect(B.CreateFCmpOLT(HiV, V), HiV, V));
    return convert(K, V, ElemType::Float64, YE);
  });
}

} // namespace

void addMatMulLowering(LowerTable &T) {
  T["MatMul"] = matMul;
  T["Gemm"] = gemm;
  T["npu.FusedGemm"] = gemm;
  T["MatMulInteger"] = [](LowerCtx &C) {
    return integerMatMul(C, 0, 2, 1, 3, [](KB &, Value *Acc) { return Acc; });
  };
  T["QLinearMatMul"] = qlinearMatMul;
}

} // namespace npu::host
