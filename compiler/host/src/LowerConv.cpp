// Lowering of Conv, ConvInteger, QLinearConv and ConvTranspose as direct loop nests (any element type; the f32 CPU
// Conv goes to the packed GEMM kernels first), and registration of the pooling lowerings.
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;
using ir::ValueId;

void addPoolLowering(LowerTable &T);

/// The requantization multiplier (x_scale * w_scale) / y_scale formed in the scales' precision (as the reference).
Value *requantMultiplier(KB &K, Value *XS, Value *WS, Value *YS, ElemType SE) {
  auto Round = [&](Value *V) -> Value * {
    if (SE == ElemType::Float64)
      return V;
    Value *F = K.B.CreateFPTrunc(V, K.E.F32);
    return K.B.CreateFPExt(roundToStorage(K, F, SE), K.E.F64);
  };
  return Round(K.B.CreateFDiv(Round(K.B.CreateFMul(XS, WS)), YS));
}

namespace {

/// Element types and zero points of an integer convolution's operands.
struct IntOperands {
  ValueId XZp = ir::NoValue, WZp = ir::NoValue, Bias = ir::NoValue;
};

Value *toDouble(KB &K, Value *V, ElemType E) { return convert(K, V, E, ElemType::Float64); }

/// Direct convolution: Acc(n, m, o) = sum over the group's channels and the taps of W * X, then the epilogue.
/// Integer operands have their zero points subtracted and accumulate in int32.
Status directConv(LowerCtx &C, size_t XI, size_t WI, const IntOperands *Int,
                  const std::function<Value *(KB &, Value *Acc, Value *M)> &Epilogue) {
  const ir::Node &N = C.node();
  ValueId XV = N.Inputs[XI], WV = N.Inputs[WI], YV = N.Outputs[0];
  const Shape &X = C.dims(XV), &W = C.dims(WV);
  if (X.size() < 3)
    return noCodegen(C, "rank below 3");
  Shape InSp(X.begin() + 2, X.end());
  auto G = ir::resolveWindow(N, InSp, Shape(W.begin() + 2, W.end()), false);
  if (!G)
    return G.error();
  int64_t Groups = N.getInt("group", 1), Cin = X[1], M = W[0], Cg = Cin / Groups, Mg = M / Groups;
  if (Groups <= 0 || Cin % Groups || M % Groups || W[1] != Cg)
    return noCodegen(C, "inconsistent group");
  Shape Space = {X[0], M};
  Space.insert(Space.end(), G->OutSpatial.begin(), G->OutSpatial.end());
  if (ir::shapeNumElements(Space) == 0)
    return Status::ok();
  ElemType XE = C.elem(XV), WE = C.elem(WV);
  ElemType AccE = Int ? ElemType::Int32 : XE == ElemType::Float64 ? ElemType::Float64 : ElemType::Float32;
  size_t R = InSp.size();
  int64_t InSize = ir::shapeNumElements(InSp), KSize = ir::shapeNumElements(G->Kernel);
  Shape InStr = ir::stridesOf(InSp);
  KB K(C.E, C.kernelName());
  Buf Xb = C.buf(K, XV), Wb = C.buf(K, WV);
  auto &B = K.B;
  Type *AccT = computeType(C.E, AccE);
  Value *XZ = nullptr, *WZ0 = nullptr;
  if (Int && Int->XZp != ir::NoValue)
    XZ = convert(K, K.load(C.buf(K, Int->XZp), K.c64(0)), C.elem(Int->XZp), ElemType::Int32);
  bool WZPerChannel = Int && Int->WZp != ir::NoValue && ir::shapeNumElements(C.dims(Int->WZp)) > 1;
  if (Int && Int->WZp != ir::NoValue && !WZPerChannel)
    WZ0 = convert(K, K.load(C.buf(K, Int->WZp), K.c64(0)), C.elem(Int->WZp), ElemType::Int32);
  auto Operand = [&](Value *V, ElemType E, Value *Zp) -> Value * {
    if (!Int)
      return convert(K, V, E, AccE);
    V = convert(K, V, E, ElemType::Int32);
    return Zp ? B.CreateSub(V, Zp) : V;
  };
  Buf Yb = C.buf(K, YV);
  int64_t Items = emitNest(K, Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Mo = Idx[1];
    Value *Grp = B.CreateUDiv(Mo, K.c64(Mg));
    Value *XBase = B.CreateMul(B.CreateAdd(B.CreateMul(Idx[0], K.c64(Cin)), B.CreateMul(Grp, K.c64(Cg))), K.c64(InSize));
    Value *WBase = B.CreateMul(Mo, K.c64(Cg * KSize));
    Value *WZ = WZ0;
    if (WZPerChannel)
      WZ = convert(K, K.load(C.buf(K, Int->WZp), Mo), C.elem(Int->WZp), ElemType::Int32);
    std::vector<Value *> Start(R);
    for (size_t D = 0; D < R; ++D)
      Start[D] = B.CreateSub(B.CreateMul(Idx[D + 2], K.c64(G->Strides[D])), K.c64(G->PadsBegin[D]));
    AllocaInst *Acc = K.var(AccT, Constant::getNullValue(AccT));
    K.loop(Cg, [&](Value *Ci) {
      Value *XC = B.CreateAdd(XBase, B.CreateMul(Ci, K.c64(InSize)));
      Value *WC = B.CreateAdd(WBase, B.CreateMul(Ci, K.c64(KSize)));
      Shape KStr = ir::stridesOf(G->Kernel);
      for (int64_t T = 0; T < KSize; ++T) {
        Value *Valid = B.getTrue(), *Off = K.c64(0);
        for (size_t D = 0; D < R; ++D) {
          int64_t Kd = (T / KStr[D]) % G->Kernel[D];
          Value *I = B.CreateAdd(Start[D], K.c64(Kd * G->Dilations[D]));
          Valid = B.CreateAnd(Valid, B.CreateICmpULT(I, K.c64(InSp[D])));
          Off = B.CreateAdd(Off, B.CreateMul(I, K.c64(InStr[D])));
        }
        K.ifThen(Valid, [&] {
          Value *Xv = Operand(K.load(Xb, B.CreateAdd(XC, Off)), XE, XZ);
          Value *Wv = Operand(K.load(Wb, B.CreateAdd(WC, K.c64(T))), WE, WZ);
          Value *P = AccT->isFloatingPointTy() ? B.CreateFMul(Xv, Wv) : B.CreateMul(Xv, Wv);
          K.set(Acc, AccT->isFloatingPointTy() ? B.CreateFAdd(K.get(Acc), P) : B.CreateAdd(K.get(Acc), P));
        });
      }
    });
    K.store(Yb, Flat, Epilogue(K, K.get(Acc), Mo));
  });
  double Cost = 2.0 * static_cast<double>(Cg * KSize) * static_cast<double>(ir::shapeNumElements(Space)) /
                static_cast<double>(Items);
  C.add(K.finish(Items, Cost));
  return Status::ok();
}

Status conv(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]), OE = C.elem(N.Outputs[0]);
  if (!ir::isFloatType(E))
    return noCodegen(C, "not a float type");
  if (E == ElemType::Float32 && !C.E.T.Gpu && lowerFusedGemm(C))
    return Status::ok();
  C.Kernels.clear();
  ElemType AccE = E == ElemType::Float64 ? ElemType::Float64 : ElemType::Float32;
  ValueId Bias = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  if (N.OpType != baseOpType(N) && N.getString("activation", "") != "relu" && N.getString("activation", "") != "clip" &&
      N.getString("activation", "") != "leaky_relu")
    return noCodegen(C, "unknown activation");
  return directConv(C, 0, 1, nullptr, [&](KB &K, Value *Acc, Value *M) -> Value * {
    if (Bias != ir::NoValue)
      Acc = K.B.CreateFAdd(Acc, convert(K, K.load(C.buf(K, Bias), M), C.elem(Bias), AccE));
    Acc = roundToStorage(K, Acc, OE); // the activation reads the stored convolution result
    return convert(K, *fusedActivation(K, N, Acc), AccE, OE);
  });
}

Status convInteger(LowerCtx &C) {
  const ir::Node &N = C.node();
  IntOperands Int;
  Int.XZp = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  Int.WZp = N.hasInput(3) ? N.Inputs[3] : ir::NoValue;
  if (Int.XZp != ir::NoValue && ir::shapeNumElements(C.dims(Int.XZp)) != 1)
    return makeError("unsupported: per-channel input zero point");
  return directConv(C, 0, 1, &Int, [](KB &, Value *Acc, Value *) { return Acc; });
}

Status qlinearConv(LowerCtx &C) {
  // Inputs: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B.
  const ir::Node &N = C.node();
  IntOperands Int;
  Int.XZp = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  Int.WZp = N.hasInput(5) ? N.Inputs[5] : ir::NoValue;
  if (Int.XZp != ir::NoValue && ir::shapeNumElements(C.dims(Int.XZp)) != 1)
    return makeError("unsupported: per-channel input zero point");
  ValueId Bias = N.hasInput(8) ? N.Inputs[8] : ir::NoValue, YZp = N.hasInput(7) ? N.Inputs[7] : ir::NoValue;
  ElemType SE = C.elem(N.Inputs[1]), YE = C.elem(N.Outputs[0]);
  bool WSPerChannel = ir::shapeNumElements(C.dims(N.Inputs[4])) > 1;
  double Lo = static_cast<double>(ir::integerTypeMin(YE)), Hi = static_cast<double>(ir::integerTypeMax(YE));
  return directConv(C, 0, 3, &Int, [&](KB &K, Value *Acc, Value *M) -> Value * {
    auto &B = K.B;
    if (Bias != ir::NoValue)
      Acc = B.CreateAdd(Acc, convert(K, K.load(C.buf(K, Bias), M), C.elem(Bias), ElemType::Int32));
    Value *XS = toDouble(K, K.load(C.buf(K, N.Inputs[1]), K.c64(0)), SE);
    Value *WS = toDouble(K, K.load(C.buf(K, N.Inputs[4]), WSPerChannel ? M : K.c64(0)), C.elem(N.Inputs[4]));
    Value *YS = toDouble(K, K.load(C.buf(K, N.Inputs[6]), K.c64(0)), C.elem(N.Inputs[6]));
    Value *Mult = requantMultiplier(K, XS, WS, YS, SE);
    Value *V = B.CreateFMul(B.CreateSIToFP(Acc, K.E.F64), Mult);
    if (YZp != ir::NoValue)
      V = B.CreateFAdd(V, toDouble(K, K.load(C.buf(K, YZp), K.c64(0)), C.elem(YZp)));
    V = math(K, "rint", V);
    Value *LoV = ConstantFP::get(K.E.F64, Lo), *HiV = ConstantFP::get(K.E.F64, Hi);
    V = B.CreateSelect(B.CreateFCmpOLT(V, LoV), LoV, B.CreateSelect(B.CreateFCmpOLT(HiV, V), HiV, V));
    return convert(K, V, ElemType::Float64, YE);
  });
}

/// ConvTranspose as a gather: each output sums, tap by tap, the group's channel dot products of the inputs that
/// map onto it (the reference's order: per tap the channel sum first).
Status convTranspose(LowerCtx &C) {
  const ir::Node &N = C.node();
  ElemType E = C.elem(N.Inputs[0]), OE = C.elem(N.Outputs[0]);
  if (!ir::isFloatType(E))
    return noCodegen(C, "not a float type");
  const Shape &X = C.dims(N.Inputs[0]), &W = C.dims(N.Inputs[1]);
  if (X.size() < 3)
    return noCodegen(C, "rank below 3");
  Shape InSp(X.begin() + 2, X.end());
  auto G = ir::resolveTransposedWindow(N, InSp, Shape(W.begin() + 2, W.end()));
  if (!G)
    return G.error();
  int64_t Groups = N.getInt("group", 1), Cin = X[1], Cg = Cin / Groups, Mg = W[1], M = Mg * Groups;
  Shape Space = {X[0], M};
  Space.insert(Space.end(), G->OutSpatial.begin(), G->OutSpatial.end());
  if (ir::shapeNumElements(Space) == 0)
    return Status::ok();
  ElemType AccE = E == ElemType::Float64 ? ElemType::Float64 : ElemType::Float32;
  size_t R = InSp.size();
  int64_t InSize = ir::shapeNumElements(InSp), KSize = ir::shapeNumElements(G->Kernel);
  Shape InStr = ir::stridesOf(InSp), KStr = ir::stridesOf(G->Kernel);
  KB K(C.E, C.kernelName());
  Buf Xb = C.buf(K, N.Inputs[0]), Wb = C.buf(K, N.Inputs[1]), Yb = C.buf(K, N.Outputs[0]);
  ValueId Bias = N.hasInput(2) ? N.Inputs[2] : ir::NoValue;
  auto &B = K.B;
  Type *AccT = computeType(C.E, AccE);
  int64_t Items = emitNest(K, Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *Mo = Idx[1];
    Value *Grp = B.CreateUDiv(Mo, K.c64(Mg)), *Ml = B.CreateURem(Mo, K.c64(Mg));
    Value *XBase = B.CreateMul(B.CreateAdd(B.CreateMul(Idx[0], K.c64(Cin)), B.CreateMul(Grp, K.c64(Cg))), K.c64(InSize));
    // W is [Cin, Mg, taps]: element (g*Cg + c, ml, t).
    Value *WBase = B.CreateMul(B.CreateAdd(B.CreateMul(B.CreateMul(Grp, K.c64(Cg)), K.c64(Mg)), Ml), K.c64(KSize));
    AllocaInst *Acc = K.var(AccT, Constant::getNullValue(AccT));
    for (int64_t T = 0; T < KSize; ++T) {
      Value *Valid = B.getTrue(), *Off = K.c64(0);
      for (size_t D = 0; D < R; ++D) {
        int64_t Kd = (T / KStr[D]) % G->Kernel[D];
        // o = i * s + k * d - pad  =>  i = (o + pad - k * d) / s when divisible and in range.
        Value *Num = B.CreateAdd(Idx[D + 2], K.c64(G->PadsBegin[D] - Kd * G->Dilations[D]));
        Value *S = K.c64(G->Strides[D]);
        Value *I = B.CreateSDiv(Num, S);
        Valid = B.CreateAnd(Valid, B.CreateICmpSGE(Num, K.c64(0)));
        Valid = B.CreateAnd(Valid, B.CreateICmpEQ(B.CreateSRem(Num, S), K.c64(0)));
        Valid = B.CreateAnd(Valid, B.CreateICmpSLT(I, K.c64(InSp[D])));
        Off = B.CreateAdd(Off, B.CreateMul(I, K.c64(InStr[D])));
      }
      K.ifThen(Valid, [&] {
        AllocaInst *Part = K.var(AccT, Constant::getNullValue(AccT));
        K.loop(Cg, [&](Value *Ci) {
          Value *Xv = convert(K, K.load(Xb, B.CreateAdd(B.CreateAdd(XBase, B.CreateMul(Ci, K.c64(InSize))), Off)), E, AccE);
          Value *Wv = convert(K, K.load(Wb, B.CreateAdd(B.CreateAdd(WBase, B.CreateMul(Ci, K.c64(Mg * KSize))), K.c64(T))),
                              C.elem(N.Inputs[1]), AccE);
          K.set(Part, B.CreateFAdd(K.get(Part), B.CreateFMul(Wv, Xv)));
        });
        K.set(Acc, B.CreateFAdd(K.get(Acc), K.get(Part)));
      });
    }
    Value *R2 = K.get(Acc);
    if (Bias != ir::NoValue)
      R2 = B.CreateFAdd(R2, convert(K, K.load(C.buf(K, Bias), Mo), C.elem(Bias), AccE));
    K.store(Yb, Flat, convert(K, R2, AccE, OE));
  });
  double Cost = 2.0 * static_cast<double>(Cg * KSize) * static_cast<double>(ir::shapeNumElements(Space)) /
                static_cast<double>(Items);
  C.add(K.finish(Items, Cost));
  return Status::ok();
}

} // namespace

void addConvPoolLowering(LowerTable &T) {
  T["Conv"] = conv;
  T["npu.FusedConv"] = conv;
  T["ConvInteger"] = convInteger;
  T["QLinearConv"] = qlinearConv;
  T["ConvTranspose"] = convTranspose;
  addPoolLowering(T);
}

} // namespace npu::host
