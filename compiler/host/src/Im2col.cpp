// The shared im2col helper of the GEMM convolutions (1-D and 2-D): copies rows (channel, tap) x output positions
// of the input into a scratch block, with run-time geometry so every convolution of a model shares one function.
#include "Gemm.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;

namespace {

enum GeoField { GKSize, GKH, GKW, GH, GW, GOH, GOW, GSH, GSW, GDH, GDW, GPH, GPW, GInSize, GCount };

/// Dst[DBase + p] = X[Src + 2p] for p in [P0, P1), P1 > P0: vectors of VW outputs from two loads of VW
/// inputs, the second starting one element early so that no element after the last one used is read. The last
/// vector ends at P1 and may overlap the one before (it writes the same values again); a run shorter than a
/// vector (the 7 and 14 columns of ResNet-50's stride-2 3x3 layers) is one masked load pair and masked store.
void copyEven(KB &K, const Buf &Dst, Value *DBase, const Buf &X, Value *Src, Value *P0, Value *P1, int VW) {
  auto &B = K.B;
  SmallVector<int, 32> Even;
  SmallVector<Constant *, 32> Lanes;
  for (int I = 0; I < VW; ++I) {
    Even.push_back(I < VW / 2 ? 2 * I : 2 * I + 1);
    Lanes.push_back(ConstantInt::get(K.E.I64, static_cast<uint64_t>(I)));
  }
  auto *VT = FixedVectorType::get(K.E.F32, static_cast<unsigned>(VW));
  Value *Len = B.CreateSub(P1, P0);
  // Mask is null for a whole vector, else the lanes below Mask(n).
  auto Vector = [&](Value *P, const std::function<Value *(Value *)> &Mask) {
    Value *S = B.CreateAdd(Src, B.CreateMul(P, K.c64(2)));
    auto Load = [&](Value *At, Value *M) -> Value * {
      if (!M)
        return K.loadVec(X, At, static_cast<unsigned>(VW));
      return B.CreateMaskedLoad(VT, B.CreateInBoundsGEP(K.E.F32, X.Ptr, At), Align(4), M, Constant::getNullValue(VT));
    };
    Value *Lo = Load(S, Mask ? Mask(B.CreateSub(B.CreateMul(Len, K.c64(2)), K.c64(1))) : nullptr);
    Value *Hi =
        Load(B.CreateAdd(S, K.c64(VW - 1)), Mask ? Mask(B.CreateSub(B.CreateMul(Len, K.c64(2)), K.c64(VW))) : nullptr);
    Value *R = B.CreateShuffleVector(Lo, Hi, Even), *At = B.CreateInBoundsGEP(K.E.F32, Dst.Ptr, B.CreateAdd(DBase, P));
    if (Mask)
      B.CreateMaskedStore(R, At, Align(4), Mask(Len));
    else
      B.CreateAlignedStore(R, At, Align(4));
  };
  auto Below = [&](Value *N) { return B.CreateICmpSLT(ConstantVector::get(Lanes), B.CreateVectorSplat(VW, N)); };
  K.ifThenElse(
      B.CreateICmpSLT(Len, K.c64(VW)), [&] { Vector(P0, Below); },
      [&] {
        Value *Full = B.CreateUDiv(Len, K.c64(VW));
        K.loop(K.c64(0), Full, [&](Value *V) { Vector(B.CreateAdd(P0, B.CreateMul(V, K.c64(VW))), nullptr); });
        K.ifThen(B.CreateICmpNE(B.CreateURem(Len, K.c64(VW)), K.c64(0)),
                 [&] { Vector(B.CreateSub(P1, K.c64(VW)), nullptr); });
      });
}

} // namespace

std::vector<int64_t> im2colGeometry(const GemmProblem &P) {
  bool TwoD = P.InSp.size() == 2;
  std::vector<int64_t> G(GCount);
  G[GKSize] = ir::shapeNumElements(P.Kernel);
  G[GKH] = TwoD ? P.Kernel[0] : 1;
  G[GKW] = P.Kernel.back();
  G[GH] = TwoD ? P.InSp[0] : 1;
  G[GW] = P.InSp.back();
  G[GOH] = TwoD ? P.OutSp[0] : 1;
  G[GOW] = P.OutSp.back();
  G[GSH] = TwoD ? P.Strides[0] : 1;
  G[GSW] = P.Strides.back();
  G[GDH] = TwoD ? P.Dilations[0] : 1;
  G[GDW] = P.Dilations.back();
  G[GPH] = TwoD ? P.PadsBegin[0] : 0;
  G[GPW] = P.PadsBegin.back();
  G[GInSize] = ir::shapeNumElements(P.InSp);
  return G;
}

Function *im2colHelper(ModuleEnv &E, int NR) {
  std::string Name = "npu_im2col_" + std::to_string(NR);
  if (auto It = E.Helpers.find(Name); It != E.Helpers.end())
    return It->second;
  // (dst, ld, x, kc0, klen, n0, nlen, geometry)
  auto *FT = FunctionType::get(E.Void, {E.Ptr, E.I64, E.Ptr, E.I64, E.I64, E.I64, E.I64, E.Ptr}, false);
  Function *F = Function::Create(FT, GlobalValue::InternalLinkage, Name, E.M);
  F->addFnAttr(Attribute::NoUnwind);
  F->addFnAttr(Attribute::NoInline);
  F->addFnAttr("no-builtins"); // short fills stay vector loops instead of becoming memset calls
  F->addFnAttr("target-cpu", E.T.Cpu);
  F->addFnAttr("target-features", E.T.Features);
  F->addParamAttr(0, Attribute::NoAlias);
  F->addParamAttr(2, Attribute::NoAlias);
  E.Helpers[Name] = F;
  KB K(E, F);
  auto &B = K.B;
  Buf Dst{F->getArg(0), -2, ElemType::Float32}, X{F->getArg(2), -2, ElemType::Float32};
  Value *Ld = F->getArg(1), *Kc0 = F->getArg(3), *KLen = F->getArg(4), *N0 = F->getArg(5), *NLen = F->getArg(6);
  Value *GeoP = F->getArg(7);
  Value *G[GCount];
  for (int I = 0; I < GCount; ++I)
    G[I] = B.CreateLoad(E.I64, B.CreateConstInBoundsGEP1_64(E.I64, GeoP, static_cast<uint64_t>(I)));
  auto c = [&](int64_t V) { return K.c64(V); };
  auto Min = [&](Value *A, Value *Bv) { return B.CreateSelect(B.CreateICmpSLT(A, Bv), A, Bv); };
  auto Max = [&](Value *A, Value *Bv) { return B.CreateSelect(B.CreateICmpSGT(A, Bv), A, Bv); };
  Value *Zero = ConstantFP::get(E.F32, 0.0);
  const int VW = gemmBlocking(E.T).VW;
  auto Fill = [&](Value *Base, Value *From, Value *To) {
    K.loop(From, To, [&](Value *J) { K.store(Dst, B.CreateAdd(Base, J), Zero); });
  };
  Value *End = B.CreateAdd(N0, NLen);
  Value *PadEnd = B.CreateMul(B.CreateUDiv(B.CreateAdd(NLen, c(NR - 1)), c(NR)), c(NR));
  Value *Unit = B.CreateAnd(B.CreateAnd(B.CreateICmpEQ(G[GSH], c(1)), B.CreateICmpEQ(G[GSW], c(1))),
                            B.CreateICmpEQ(G[GOW], G[GW]));
  Value *RFirst = B.CreateUDiv(N0, G[GOW]), *RLast = B.CreateUDiv(B.CreateSub(End, c(1)), G[GOW]);
  // The channel and taps of row Kc0, then advanced row by row (no divisions in the loop).
  Value *T0 = B.CreateURem(Kc0, G[GKSize]);
  AllocaInst *Ch = K.var(E.I64, B.CreateUDiv(Kc0, G[GKSize]));
  AllocaInst *Kh = K.var(E.I64, B.CreateUDiv(T0, G[GKW]));
  AllocaInst *Kw = K.var(E.I64, B.CreateURem(T0, G[GKW]));
  K.loop(c(0), KLen, [&](Value *Kk) {
    Value *Row = B.CreateMul(Kk, Ld);
    Value *DBase = B.CreateSub(Row, N0); // destination of output position p is DBase + p
    Value *ChBase = B.CreateMul(K.get(Ch), G[GInSize]);
    Value *ShiftW = B.CreateSub(B.CreateMul(K.get(Kw), G[GDW]), G[GPW]);
    Value *ShiftH = B.CreateSub(B.CreateMul(K.get(Kh), G[GDH]), G[GPH]);
    K.ifThenElse(
        Unit,
        [&] { // source of p is p + ShiftH*W + ShiftW over the rows the tap keeps inside
          Value *OhLo = Max(c(0), B.CreateNeg(ShiftH)), *OhHi = Min(G[GOH], B.CreateSub(G[GH], ShiftH));
          Value *PLo = Min(End, Max(N0, B.CreateMul(OhLo, G[GW])));
          Value *PHi = Max(PLo, Min(End, B.CreateMul(OhHi, G[GW])));
          Value *Shift = B.CreateAdd(B.CreateMul(ShiftH, G[GW]), ShiftW), *Off = B.CreateAdd(ChBase, Shift);
          // Positions whose source would leave the channel plane are edge columns (zeroed below): skip them
          // so nothing outside the input buffer is read.
          Value *CLo = Min(PHi, Max(PLo, B.CreateNeg(Shift))), *CHi = Max(CLo, Min(PHi, B.CreateSub(G[GInSize], Shift)));
          Fill(DBase, N0, CLo);
          K.loop(CLo, CHi, [&](Value *P) { K.store(Dst, B.CreateAdd(DBase, P), K.load(X, B.CreateAdd(Off, P))); });
          Fill(DBase, CHi, End);
          // Edge columns: the first -ShiftW or last ShiftW of every output row read a neighbouring row.
          Value *Left = Max(c(0), B.CreateNeg(ShiftW)), *Right = Max(c(0), ShiftW);
          Value *Edge = B.CreateSelect(B.CreateICmpSGT(ShiftW, c(0)), B.CreateSub(G[GW], Right), c(0));
          Value *Width = B.CreateAdd(Left, Right);
          K.ifThen(B.CreateAnd(B.CreateICmpSLT(CLo, CHi), B.CreateICmpNE(ShiftW, c(0))), [&] {
            K.loop(B.CreateUDiv(CLo, G[GW]), B.CreateAdd(B.CreateUDiv(B.CreateSub(CHi, c(1)), G[GW]), c(1)), [&](Value *Rw) {
              Value *First = B.CreateAdd(B.CreateMul(Rw, G[GW]), Edge);
              K.loop(c(0), Width, [&](Value *J) {
                Value *P = B.CreateAdd(First, J);
                K.ifThen(B.CreateAnd(B.CreateICmpSGE(P, CLo), B.CreateICmpSLT(P, CHi)),
                         [&] { K.store(Dst, B.CreateAdd(DBase, P), Zero); });
              });
            });
          });
        },
        [&] { // general strides: per output row, the columns inside [0, W) copied with the stride
          Value *NegShift = B.CreateNeg(ShiftW);
          Value *Lo = B.CreateSelect(B.CreateICmpSLE(NegShift, c(0)), c(0),
                                     B.CreateUDiv(B.CreateAdd(NegShift, B.CreateSub(G[GSW], c(1))), G[GSW]));
          Value *HiNum = B.CreateSub(B.CreateSub(G[GW], c(1)), ShiftW);
          Value *Hi = B.CreateSelect(B.CreateICmpSLT(HiNum, c(0)), c(0),
                                     Min(G[GOW], B.CreateAdd(B.CreateUDiv(HiNum, G[GSW]), c(1))));
          K.loop(RFirst, B.CreateAdd(RLast, c(1)), [&](Value *Rw) {
            Value *RowStart = B.CreateMul(Rw, G[GOW]);
            Value *OwA = B.CreateSub(Max(N0, RowStart), RowStart);
            Value *OwB = B.CreateSub(Min(End, B.CreateAdd(RowStart, G[GOW])), RowStart);
            Value *RBase = B.CreateAdd(DBase, RowStart);
            Value *Ih = B.CreateAdd(B.CreateMul(Rw, G[GSH]), ShiftH);
            K.ifThenElse(
                B.CreateICmpULT(Ih, G[GH]),
                [&] {
                  Value *Src = B.CreateAdd(B.CreateAdd(ChBase, B.CreateMul(Ih, G[GW])), ShiftW);
                  Fill(RBase, OwA, Min(OwB, Lo));
                  Value *A0 = Max(OwA, Lo), *A1 = Min(OwB, Hi);
                  auto Copy = [&](Value *Stride) {
                    K.loop(A0, A1, [&](Value *Ow) {
                      K.store(Dst, B.CreateAdd(RBase, Ow), K.load(X, B.CreateAdd(Src, B.CreateMul(Ow, Stride))));
                    });
                  };
                  // Stride 1 as a constant is a contiguous copy the vectorizer handles; stride 2 (ResNet-50's
                  // stem) as explicit vector loads and even-lane shuffles, where the vectorizer emits gathers
                  // (a quarter of the stem's time); other strides one element at a time.
                  K.ifThenElse(
                      B.CreateICmpEQ(G[GSW], c(1)), [&] { Copy(c(1)); },
                      [&] {
                        K.ifThenElse(
                            B.CreateAnd(B.CreateICmpEQ(G[GSW], c(2)), B.CreateICmpSLT(A0, A1)),
                            [&] { copyEven(K, Dst, RBase, X, Src, A0, A1, VW); }, [&] { Copy(G[GSW]); });
                      });
                  Fill(RBase, Max(OwA, Hi), OwB);
                },
                [&] { Fill(RBase, OwA, OwB); });
          });
        });
    Fill(Row, NLen, PadEnd);
    // Next row: kw, then kh, then the channel.
    Value *NKw = B.CreateAdd(K.get(Kw), c(1));
    Value *WrapW = B.CreateICmpEQ(NKw, G[GKW]);
    K.set(Kw, B.CreateSelect(WrapW, c(0), NKw));
    Value *NKh = B.CreateSelect(WrapW, B.CreateAdd(K.get(Kh), c(1)), K.get(Kh));
    Value *WrapH = B.CreateICmpEQ(NKh, G[GKH]);
    K.set(Kh, B.CreateSelect(WrapH, c(0), NKh));
    K.set(Ch, B.CreateSelect(WrapH, B.CreateAdd(K.get(Ch), c(1)), K.get(Ch)));
  });
  K.finishHelper();
  return F;
}

} // namespace npu::host
