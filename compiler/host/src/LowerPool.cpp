// Lowering of MaxPool (with indices), AveragePool and the global pools (N-d, pads, dilations, ceil_mode).
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>
#include <limits>

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;

namespace {

/// Calls Body(TapIndex per dim) for every kernel tap: unrolled when the window is small, else as loops.
void forEachTap(KB &K, const Shape &Kernel, const std::function<void(const std::vector<Value *> &)> &Body) {
  int64_t Taps = ir::shapeNumElements(Kernel);
  if (Taps <= 64) {
    Shape Str = ir::stridesOf(Kernel);
    for (int64_t T = 0; T < Taps; ++T) {
      std::vector<Value *> Idx;
      for (size_t D = 0; D < Kernel.size(); ++D)
        Idx.push_back(K.c64((T / Str[D]) % Kernel[D]));
      Body(Idx);
    }
    return;
  }
  std::function<void(size_t, std::vector<Value *> &)> Rec = [&](size_t D, std::vector<Value *> &Idx) {
    if (D == Kernel.size()) {
      Body(Idx);
      return;
    }
    K.loop(Kernel[D], [&](Value *I) {
      Idx.push_back(I);
      Rec(D + 1, Idx);
      Idx.pop_back();
    });
  };
  std::vector<Value *> Idx;
  Rec(0, Idx);
}

/// One tap of the running maximum: the first valid tap is taken, then greater values (the reference's rule).
/// Valid and Have are scalars; on f32 vectors (the vector columns below) they hold for every lane.
void maxStep(KB &K, ElemType E, Value *&Acc, Value *&Have, Value *V, Value *Valid) {
  auto &B = K.B;
  Value *Take;
  if (auto *VT = dyn_cast<FixedVectorType>(V->getType())) {
    auto Splat = [&](Value *X) { return B.CreateVectorSplat(VT->getNumElements(), X); };
    Take = B.CreateAnd(Splat(Valid), B.CreateOr(Splat(B.CreateNot(Have)), B.CreateFCmpOGT(V, Acc)));
  } else {
    Take = B.CreateAnd(Valid, B.CreateOr(B.CreateNot(Have), cmpGt(K, V, Acc, E)));
  }
  Acc = B.CreateSelect(Take, V, Acc);
  Have = B.CreateOr(Have, Valid);
}

/// One output row of a 2-D MaxPool: its input rows (RowBase, clamped to row 0 where RowOk is false).
struct PoolRow {
  Buf In, Out;
  std::vector<Value *> RowOk, RowBase;
  Value *OutBase, *Init;
};

/// f32 interior columns [L, R) at stride 1 or 2 as vectors of VW outputs, the last vector ending at R and
/// overlapping the one before (the same values written twice), or one masked vector for a row of 4 to VW - 1
/// columns; returns where the scalar columns start (R, or L
/// when the row is not vectorized). The vectorizer turned the stride-2 taps into gathers: ResNet-50's and
/// SqueezeNet's 3x3 stride-2 pools took about 5 cycles an output. Stride 2 takes the even lanes of two loads,
/// the second starting one element early so that nothing past the last element used is read.
int64_t maxPoolVectorColumns(KB &K, const ir::WindowGeometry &G, ElemType E, const PoolRow &P, int64_t L, int64_t R) {
  const int64_t KH = G.Kernel[0], KW = G.Kernel[1], SW = G.Strides[1], DW = G.Dilations[1], PL = G.PadsBegin[1];
  const int VW = std::max(4, K.E.T.VectorBits / 32);
  if (E != ElemType::Float32 || (SW != 1 && SW != 2) || R - L < 4)
    return L;
  auto &B = K.B;
  auto *VT = FixedVectorType::get(K.E.F32, static_cast<unsigned>(VW));
  SmallVector<int, 32> Even;
  for (int I = 0; I < VW; ++I)
    Even.push_back(I < VW / 2 ? 2 * I : 2 * I + 1);
  // Lanes below N (a row narrower than a vector: SqueezeNet's 13 outputs) or every lane (N >= VW).
  auto Below = [&](int64_t N) {
    SmallVector<Constant *, 32> Bits;
    for (int I = 0; I < VW; ++I)
      Bits.push_back(ConstantInt::get(K.E.I1, I < N));
    return ConstantVector::get(Bits);
  };
  const int64_t Len = std::min<int64_t>(R - L, VW);
  auto Load = [&](Value *At, int64_t Lanes) -> Value * {
    if (Lanes >= VW)
      return K.loadVec(P.In, At, static_cast<unsigned>(VW));
    CallInst *M = B.CreateMaskedLoad(VT, B.CreateInBoundsGEP(K.E.F32, P.In.Ptr, At), Align(4), Below(Lanes),
                                     Constant::getNullValue(VT));
    K.tag(M, P.In.Slot);
    return M;
  };
  Value *VInit = B.CreateVectorSplat(static_cast<unsigned>(VW), P.Init);
  auto Vector = [&](Value *Ow) {
    Value *Acc = VInit, *Have = B.getFalse();
    for (int64_t Kh = 0; Kh < KH; ++Kh)
      for (int64_t Kw = 0; Kw < KW; ++Kw) {
        Value *At = B.CreateAdd(P.RowBase[size_t(Kh)], B.CreateAdd(B.CreateMul(Ow, K.c64(SW)), K.c64(Kw * DW - PL)));
        Value *V = Load(At, SW == 2 ? 2 * Len - 1 : Len);
        if (SW == 2)
          V = B.CreateShuffleVector(V, Load(B.CreateAdd(At, K.c64(VW - 1)), 2 * Len - VW), Even);
        maxStep(K, E, Acc, Have, V, P.RowOk[size_t(Kh)]);
      }
    Value *Dst = B.CreateAdd(P.OutBase, Ow);
    if (Len < VW)
      K.tag(B.CreateMaskedStore(Acc, B.CreateInBoundsGEP(K.E.F32, P.Out.Ptr, Dst), Align(4), Below(Len)), P.Out.Slot);
    else
      K.storeVec(P.Out, Dst, Acc);
  };
  if (Len < VW) {
    Vector(K.c64(L));
    return R;
  }
  K.loop(K.c64(0), K.c64((R - L) / VW),
         [&](Value *Blk) { Vector(B.CreateAdd(K.c64(L), B.CreateMul(Blk, K.c64(VW)))); });
  if ((R - L) % VW)
    Vector(K.c64(R - VW));
  return R;
}

/// 2-D MaxPool without indices on the CPU: one task per output row, the row split at compile time into the
/// columns whose window lies inside the input width (no column checks, addresses affine in the column: f32 as
/// explicit vectors, other types left to the vectorizer) and the border columns. Rows outside the input are
/// read from row 0 and masked, which keeps the addresses affine too. Same tap order and first-tap rule as the
/// general kernel.
Status maxPool2d(LowerCtx &C, const ir::WindowGeometry &G) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  ElemType E = C.elem(N.Inputs[0]);
  const int64_t Planes = X[0] * X[1], H = X[2], W = X[3], OH = G.OutSpatial[0], OW = G.OutSpatial[1];
  const int64_t KH = G.Kernel[0], KW = G.Kernel[1], SH = G.Strides[0], SW = G.Strides[1];
  const int64_t DH = G.Dilations[0], DW = G.Dilations[1], PT = G.PadsBegin[0], PL = G.PadsBegin[1];
  // Interior columns: 0 <= ow*SW - PL and ow*SW - PL + (KW-1)*DW <= W-1.
  int64_t L = (PL + SW - 1) / SW, R = W - 1 + PL - (KW - 1) * DW;
  R = R < 0 ? 0 : R / SW + 1;
  L = std::min(L, OW);
  R = std::clamp(R, L, OW);
  KB K(C.E, C.kernelName());
  PoolRow P{C.buf(K, N.Inputs[0]), C.buf(K, N.Outputs[0]), {}, {}, nullptr, nullptr};
  auto &B = K.B;
  Type *T = computeType(C.E, E);
  P.Init = T->isFloatingPointTy() ? ConstantFP::getInfinity(T, true)
                                  : ConstantInt::get(T, static_cast<uint64_t>(ir::integerTypeMin(E)), true);
  emitItems(K, [&](Value *Item) {
    Value *Plane = B.CreateUDiv(Item, K.c64(OH)), *OhV = B.CreateURem(Item, K.c64(OH));
    Value *PlaneBase = B.CreateMul(Plane, K.c64(H * W));
    P.RowOk.assign(static_cast<size_t>(KH), nullptr);
    P.RowBase.assign(static_cast<size_t>(KH), nullptr);
    for (int64_t Kh = 0; Kh < KH; ++Kh) {
      Value *Ih = B.CreateAdd(B.CreateMul(OhV, K.c64(SH)), K.c64(Kh * DH - PT));
      P.RowOk[size_t(Kh)] = B.CreateICmpULT(Ih, K.c64(H));
      P.RowBase[size_t(Kh)] =
          B.CreateAdd(PlaneBase, B.CreateMul(B.CreateSelect(P.RowOk[size_t(Kh)], Ih, K.c64(0)), K.c64(W)));
    }
    P.OutBase = B.CreateMul(Item, K.c64(OW));
    auto Columns = [&](int64_t From, int64_t To, bool Interior) {
      if (From >= To)
        return;
      K.loop(K.c64(From), K.c64(To), [&](Value *Ow) {
        Value *Acc = P.Init, *Have = B.getFalse();
        for (int64_t Kh = 0; Kh < KH; ++Kh)
          for (int64_t Kw = 0; Kw < KW; ++Kw) {
            Value *Iw = B.CreateAdd(B.CreateMul(Ow, K.c64(SW)), K.c64(Kw * DW - PL));
            Value *Valid = P.RowOk[size_t(Kh)], *Col = Iw;
            if (!Interior) {
              Value *ColOk = B.CreateICmpULT(Iw, K.c64(W));
              Valid = B.CreateAnd(Valid, ColOk);
              Col = B.CreateSelect(ColOk, Iw, K.c64(0));
            }
            maxStep(K, E, Acc, Have, K.load(P.In, B.CreateAdd(P.RowBase[size_t(Kh)], Col)), Valid);
          }
        K.store(P.Out, B.CreateAdd(P.OutBase, Ow), Acc);
      });
    };
    Columns(0, L, false);
    Columns(maxPoolVectorColumns(K, G, E, P, L, R), R, true);
    Columns(R, OW, false);
  });
  C.add(K.finish(Planes * OH, 3.0 * double(KH * KW * OW)));
  return Status::ok();
}

Status pool(LowerCtx &C, bool Max) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  ElemType E = C.elem(N.Inputs[0]);
  if (!Max && !ir::isFloatType(E))
    return noCodegen(C, "not a float type");
  if (X.size() < 3)
    return noCodegen(C, "rank below 3");
  Shape InSp(X.begin() + 2, X.end());
  auto G = ir::resolveWindow(N, InSp, N.getInts("kernel_shape"), N.getInt("ceil_mode", 0) != 0);
  if (!G)
    return G.error();
  int64_t Planes = X[0] * X[1], InSize = ir::shapeNumElements(InSp);
  Shape Space = {Planes};
  Space.insert(Space.end(), G->OutSpatial.begin(), G->OutSpatial.end());
  if (ir::shapeNumElements(Space) == 0)
    return Status::ok();
  bool WantIdx = Max && N.hasOutput(1);
  if (Max && !WantIdx && InSp.size() == 2 && !C.E.T.Gpu && G->Kernel.size() == 2 && G->Strides.size() == 2 &&
      G->Dilations.size() == 2 && G->PadsBegin.size() == 2 && ir::shapeNumElements(G->Kernel) <= 64)
    return maxPool2d(C, *G);
  bool ColMajor = N.getInt("storage_order", 0) != 0;
  bool IncludePad = N.getInt("count_include_pad", 0) != 0;
  size_t R = InSp.size();
  Shape RowStr = ir::stridesOf(InSp), ColStr(R, 1);
  for (size_t D = 1; D < R; ++D)
    ColStr[D] = ColStr[D - 1] * InSp[D - 1];
  KB K(C.E, C.kernelName());
  Buf In = C.buf(K, N.Inputs[0]), Out = C.buf(K, N.Outputs[0]);
  Buf Ind = WantIdx ? C.buf(K, N.Outputs[1]) : Buf{};
  auto &B = K.B;
  Type *T = computeType(C.E, E);
  Value *Init;
  if (T->isFloatingPointTy())
    Init = ConstantFP::getInfinity(T, true);
  else
    Init = ConstantInt::get(T, static_cast<uint64_t>(ir::integerTypeMin(E)), true);
  int64_t Items = emitNest(K, Space, [&](const std::vector<Value *> &Idx, Value *Flat) {
    Value *PlaneBase = B.CreateMul(Idx[0], K.c64(InSize));
    std::vector<Value *> Start(R);
    for (size_t D = 0; D < R; ++D)
      Start[D] = B.CreateSub(B.CreateMul(Idx[D + 1], K.c64(G->Strides[D])), K.c64(G->PadsBegin[D]));
    AllocaInst *Acc = K.var(T, Max ? Init : ConstantFP::get(T, 0.0));
    AllocaInst *Have = K.var(C.E.I1, B.getFalse());
    AllocaInst *BestAt = K.var(C.E.I64, K.c64(0));
    AllocaInst *Count = K.var(C.E.I64, K.c64(0));
    forEachTap(K, G->Kernel, [&](const std::vector<Value *> &Tap) {
      Value *Valid = B.getTrue(), *InPad = B.getTrue(), *Off = K.c64(0), *Pos = K.c64(0);
      for (size_t D = 0; D < R; ++D) {
        Value *I = B.CreateAdd(Start[D], B.CreateMul(Tap[D], K.c64(G->Dilations[D])));
        Valid = B.CreateAnd(Valid, B.CreateICmpULT(I, K.c64(InSp[D])));
        if (!Max && IncludePad)
          InPad = B.CreateAnd(InPad, B.CreateAnd(B.CreateICmpSGE(I, K.c64(-G->PadsBegin[D])),
                                                 B.CreateICmpSLT(I, K.c64(InSp[D] + G->PadsEnd[D]))));
        Off = B.CreateAdd(Off, B.CreateMul(I, K.c64(RowStr[D])));
        if (WantIdx)
          Pos = B.CreateAdd(Pos, B.CreateMul(I, K.c64((ColMajor ? ColStr : RowStr)[D])));
      }
      Value *V = K.load(In, B.CreateAdd(PlaneBase, B.CreateSelect(Valid, Off, K.c64(0))));
      Value *Cur = K.get(Acc);
      if (Max) { // the first tap in the window wins, later ones only when greater (as the reference)
        Value *Take = B.CreateAnd(Valid, B.CreateOr(B.CreateNot(K.get(Have)), cmpGt(K, V, Cur, E)));
        K.set(Acc, B.CreateSelect(Take, V, Cur));
        K.set(Have, B.CreateOr(K.get(Have), Valid));
        if (WantIdx)
          K.set(BestAt, B.CreateSelect(Take, Pos, K.get(BestAt)));
      } else {
        K.set(Acc, B.CreateSelect(Valid, B.CreateFAdd(Cur, V), Cur));
        K.set(Count, B.CreateAdd(K.get(Count), B.CreateZExt(IncludePad ? InPad : Valid, C.E.I64)));
      }
    });
    if (Max) {
      K.store(Out, Flat, K.get(Acc));
      if (WantIdx)
        K.store(Ind, Flat, B.CreateAdd(PlaneBase, K.get(BestAt)));
      return;
    }
    Value *Cnt = K.get(Count);
    Value *Avg = B.CreateFDiv(K.get(Acc), B.CreateSIToFP(Cnt, T));
    K.store(Out, Flat, B.CreateSelect(B.CreateICmpEQ(Cnt, K.c64(0)), ConstantFP::get(T, 0.0), Avg));
  });
  double Cost = 3.0 * static_cast<double>(ir::shapeNumElements(G->Kernel)) *
                static_cast<double>(ir::shapeNumElements(Space)) / static_cast<double>(Items);
  C.add(K.finish(Items, Cost));
  return Status::ok();
}

Status globalPool(LowerCtx &C, bool Max) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]);
  ElemType E = C.elem(N.Inputs[0]);
  if (!ir::isFloatType(E) || X.size() < 2)
    return noCodegen(C, "not a float type");
  int64_t Planes = X[0] * X[1], Size = Planes ? ir::shapeNumElements(X) / Planes : 0;
  if (Planes == 0)
    return Status::ok();
  KB K(C.E, C.kernelName());
  Buf In = C.buf(K, N.Inputs[0]), Out = C.buf(K, N.Outputs[0]);
  auto &B = K.B;
  Type *T = computeType(C.E, E);
  emitItems(K, [&](Value *P) {
    AllocaInst *Acc = K.var(T, Max ? ConstantFP::getInfinity(T, true) : ConstantFP::get(T, 0.0));
    Value *Base = B.CreateMul(P, K.c64(Size));
    K.loop(Size, [&](Value *I) {
      Value *V = K.load(In, B.CreateAdd(Base, I)), *A = K.get(Acc);
      Value *S = Max ? stdMax(K, A, V, E) : B.CreateFAdd(A, V);
      // The sum may be reassociated: the vectorizer then keeps several partial sums instead of one chain of
      // dependent adds (SqueezeNet's 1000 planes of 169: 0.18 ms, bound by the add's latency).
      if (!Max)
        cast<Instruction>(S)->setHasAllowReassoc(true);
      K.set(Acc, S);
    });
    Value *R = K.get(Acc);
    if (!Max)
      R = B.CreateFDiv(R, ConstantFP::get(T, static_cast<double>(Size)));
    K.store(Out, P, R);
  });
  C.add(K.finish(Planes, 2.0 * static_cast<double>(Size)));
  return Status::ok();
}

} // namespace

void addPoolLowering(LowerTable &T) {
  T["MaxPool"] = [](LowerCtx &C) { return pool(C, true); };
  T["AveragePool"] = [](LowerCtx &C) { return pool(C, false); };
  T["GlobalAveragePool"] = [](LowerCtx &C) { return globalPool(C, false); };
  T["GlobalMaxPool"] = [](LowerCtx &C) { return globalPool(C, true); };
}

} // namespace npu::host
