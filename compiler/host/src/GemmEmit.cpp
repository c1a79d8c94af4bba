// Packed-GEMM kernel emission: cache blocking (KC x NC blocks of B in scratch), a register-blocked MR x NR
// micro-kernel with FMAs on the host's vector width, masked tails, and the fused epilogue.
#include "Gemm.h"
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/support/Math.h"

#include <llvm/IR/Intrinsics.h>

#include <algorithm>

namespace npu::host {

using llvm::ConstantFP, llvm::Type, llvm::Value;

Value *emitEpStep(KB &K, const EpStep &S, Value *V, Value *Base1, Value *Base2,
                  llvm::function_ref<Value *(const EpOperand &, Value *)> Op) {
  auto &B = K.B;
  Type *F32 = K.E.F32;
  Value *Zero = ConstantFP::get(F32, 0.0);
  switch (S.Kind) {
  case EpKind::Add: {
    Value *O = Op(S.Op, Base1);
    V = B.CreateFAdd(V, S.F1 == 1.0f ? O : B.CreateFMul(ConstantFP::get(F32, S.F1), O));
    break;
  }
  case EpKind::Scale:
    V = B.CreateFMul(V, ConstantFP::get(F32, S.F1));
    break;
  case EpKind::Affine:
    V = B.CreateFAdd(B.CreateFMul(V, Op(S.Op, Base1)), Op(S.Op2, Base2));
    break;
  case EpKind::Relu:
    V = B.CreateSelect(B.CreateFCmpOGT(V, Zero), V, Zero);
    break;
  case EpKind::Clip: {
    Value *Lo = ConstantFP::get(F32, S.F1), *Hi = ConstantFP::get(F32, S.F2);
    V = B.CreateSelect(B.CreateFCmpOLT(V, Lo), Lo, V);
    V = B.CreateSelect(B.CreateFCmpOLT(Hi, V), Hi, V);
    break;
  }
  case EpKind::LeakyRelu:
    V = B.CreateSelect(B.CreateFCmpOGE(V, Zero), V, B.CreateFMul(ConstantFP::get(F32, S.F1), V));
    break;
  }
  return V;
}

using namespace llvm;
using ir::ElemType;

GemmBlocking gemmBlocking(const TargetInfo &T) {
  int VW = std::max(4, T.VectorBits / 32);
  // Accumulators MR x NV vectors plus NV loads of B and one broadcast of A stay in registers (32 with AVX-512).
  int MR = VW >= 16 ? 8 : 6; // 8 divides the usual channel counts
  return {VW, 2, 2 * VW, MR};
}

/// The shared micro-kernel: C[Rows x Lanes] (+)= A-panel x B-panel, accumulators in vector registers, over
/// Segs segments of KLen steps: segment s reads A from A + s*ASeg and B from B + Shift[s] (Shift null: 0), so a
/// stride-1 convolution sums all its taps before C is touched. A(r, k) at A + k*MR + r (packed) or
/// A + r*ars + k*acs; B(k, j) at B + k*ldb + j; C rows ldc apart. `first` starts from zero instead of C.
/// Columns past Lanes are masked off. UnitRows: ars is 1 (rows of A adjacent; the argument is ignored).
/// MaskedB: a 13th argument points to one i64 per segment whose bit v*VW + l enables lane l of B's vector v; the
/// other lanes read as zero and are not accessed (B + Shift[s] may point outside the buffer there).
/// ShiftA (> 0, with UnitRows): segment s reads A from A + Shift[s] and B from B + s*aseg instead, and row r of A
/// is at A + r + (r / ShiftA) * Gap (rows of ShiftA positions Gap apart: positions of a padded grid).
Function *microKernel(ModuleEnv &E, const GemmBlocking &Bl, int Rows, int Lanes, bool PackedA, bool UnitRows,
                      bool MaskedB, int ShiftA, int64_t Gap) {
  std::string Name = "npu_ukr_" + std::to_string(Rows) + "x" + std::to_string(Lanes) +
                     (PackedA    ? "p"
                      : UnitRows ? "u"
                                 : "s") +
                     (MaskedB ? "m" : "") +
                     (ShiftA > 0 ? "a" + std::to_string(ShiftA) + "g" + std::to_string(Gap) + "_" : "") +
                     std::to_string(Bl.VW) + "_" + std::to_string(Bl.MR);
  auto It = E.Helpers.find(Name);
  if (It != E.Helpers.end())
    return It->second;
  // (a, ars, acs, b, ldb, c, ldc, klen, first, segs, aseg, shifts[, masks])
  std::vector<Type *> Params = {E.Ptr, E.I64, E.I64, E.Ptr, E.I64, E.Ptr, E.I64, E.I64, E.I1, E.I64, E.I64, E.Ptr};
  if (MaskedB)
    Params.push_back(E.Ptr);
  auto *FT = FunctionType::get(E.Void, Params, false);
  Function *F = Function::Create(FT, GlobalValue::InternalLinkage, Name, E.M);
  F->addFnAttr(Attribute::NoUnwind);
  F->addFnAttr(Attribute::NoInline);
  if (!E.T.Gpu) {
    F->addFnAttr("target-cpu", E.T.Cpu);
    F->addFnAttr("target-features", E.T.Features);
  }
  for (unsigned I : {0u, 3u, 5u})
    F->addParamAttr(I, Attribute::NoAlias);
  E.Helpers[Name] = F;
  Value *A = F->getArg(0), *Ars = F->getArg(1), *Acs = F->getArg(2), *Bp = F->getArg(3), *Ldb = F->getArg(4),
        *Cp = F->getArg(5), *Ldc = F->getArg(6), *KLen = F->getArg(7), *First = F->getArg(8), *Segs = F->getArg(9),
        *ASeg = F->getArg(10), *Shifts = F->getArg(11);
  KB K(E, F);
  auto &B = K.B;
  auto *VT = FixedVectorType::get(E.F32, static_cast<unsigned>(Bl.VW));
  int NV = (Lanes + Bl.VW - 1) / Bl.VW;
  auto LanesOf = [&](int V) { return static_cast<unsigned>(std::min(Bl.VW, Lanes - V * Bl.VW)); };
  auto Mask = [&](unsigned L) {
    std::vector<Constant *> Bits;
    for (int I = 0; I < Bl.VW; ++I)
      Bits.push_back(ConstantInt::get(E.I1, static_cast<unsigned>(I) < L));
    return ConstantVector::get(Bits);
  };
  auto CPtr = [&](int R, int V) {
    return B.CreateInBoundsGEP(E.F32, Cp, B.CreateAdd(B.CreateMul(B.getInt64(static_cast<uint64_t>(R)), Ldc),
                                                      B.getInt64(static_cast<uint64_t>(V * Bl.VW))));
  };
  std::vector<AllocaInst *> Acc;
  for (int I = 0; I < Rows * NV; ++I)
    Acc.push_back(K.var(VT));
  K.ifThenElse(
      First, [&] { for (AllocaInst *X : Acc) K.set(X, ConstantFP::get(VT, 0.0)); },
      [&] {
        for (int R = 0; R < Rows; ++R)
          for (int V = 0; V < NV; ++V)
            K.set(Acc[static_cast<size_t>(R * NV + V)],
                  LanesOf(V) == static_cast<unsigned>(Bl.VW)
                      ? static_cast<Value *>(B.CreateAlignedLoad(VT, CPtr(R, V), Align(4)))
                      : B.CreateMaskedLoad(VT, CPtr(R, V), Align(4), Mask(LanesOf(V)), Constant::getNullValue(VT)));
      });
  Value *HasShifts = B.CreateICmpNE(Shifts, ConstantPointerNull::get(cast<PointerType>(E.Ptr)));
  K.loop(B.getInt64(0), Segs, [&](Value *S) {
    Value *Shift = B.CreateSelect(HasShifts, B.CreateLoad(E.I64, B.CreateInBoundsGEP(E.I64, Shifts, S)), B.getInt64(0));
    // A masked segment's pointer may leave the buffer (its lanes there are off): no inbounds.
    Value *BSeg = ShiftA > 0 ? B.CreateInBoundsGEP(E.F32, Bp, B.CreateMul(S, ASeg))
                  : MaskedB  ? B.CreateGEP(E.F32, Bp, Shift)
                             : B.CreateInBoundsGEP(E.F32, Bp, Shift);
    Value *ASegP = B.CreateInBoundsGEP(E.F32, A, ShiftA > 0 ? Shift : B.CreateMul(S, ASeg));
    std::vector<Value *> BMask;
    if (MaskedB) {
      Value *Bits = B.CreateLoad(E.I64, B.CreateInBoundsGEP(E.I64, F->getArg(12), S));
      auto *MT = FixedVectorType::get(E.I1, static_cast<unsigned>(Bl.VW));
      for (int V = 0; V < NV; ++V)
        BMask.push_back(B.CreateBitCast(B.CreateTrunc(B.CreateLShr(Bits, static_cast<uint64_t>(V * Bl.VW)),
                                                      B.getIntNTy(static_cast<unsigned>(Bl.VW))),
                                        MT));
    }
    K.loop(B.getInt64(0), KLen, [&](Value *Kk) {
      Value *BRow = MaskedB ? B.CreateGEP(E.F32, BSeg, B.CreateMul(Kk, Ldb))
                            : B.CreateInBoundsGEP(E.F32, BSeg, B.CreateMul(Kk, Ldb));
      std::vector<Value *> Bv;
      for (int V = 0; V < NV; ++V) {
        Value *Ptr = B.CreateGEP(E.F32, BRow, B.getInt64(static_cast<uint64_t>(V * Bl.VW)), "", !MaskedB);
        Bv.push_back(
            MaskedB ? B.CreateMaskedLoad(VT, Ptr, Align(4), BMask[static_cast<size_t>(V)], Constant::getNullValue(VT))
                    : static_cast<Value *>(B.CreateAlignedLoad(VT, Ptr, Align(4))));
      }
      Value *ACol = PackedA ? B.CreateInBoundsGEP(E.F32, ASegP, B.CreateMul(Kk, B.getInt64(static_cast<uint64_t>(Bl.MR))))
                            : B.CreateInBoundsGEP(E.F32, ASegP, B.CreateMul(Kk, Acs));
      for (int R = 0; R < Rows; ++R) {
        int64_t RowOff = ShiftA > 0 ? R + R / ShiftA * Gap : R;
        Value *AOff = PackedA || UnitRows ? B.getInt64(static_cast<uint64_t>(RowOff))
                                          : B.CreateMul(B.getInt64(static_cast<uint64_t>(R)), Ars);
        Value *Av = B.CreateVectorSplat(static_cast<unsigned>(Bl.VW),
                                        B.CreateLoad(E.F32, B.CreateInBoundsGEP(E.F32, ACol, AOff)));
        for (int V = 0; V < NV; ++V) {
          AllocaInst *X = Acc[static_cast<size_t>(R * NV + V)];
          K.set(X, B.CreateIntrinsic(Intrinsic::fmuladd, {VT}, {Av, Bv[static_cast<size_t>(V)], K.get(X)}));
        }
      }
    });
  });
  for (int R = 0; R < Rows; ++R)
    for (int V = 0; V < NV; ++V) {
      Value *X = K.get(Acc[static_cast<size_t>(R * NV + V)]);
      if (LanesOf(V) == static_cast<unsigned>(Bl.VW))
        B.CreateAlignedStore(X, CPtr(R, V), Align(4));
      else
        B.CreateMaskedStore(X, CPtr(R, V), Align(4), Mask(LanesOf(V)));
    }
  K.finishHelper();
  return F;
}

namespace {

/// Masked Shifted problems: the input offset of tap (0, 0) from the output position, pad top rows and pad left
/// columns before the image.
int64_t shiftOrigin(const GemmProblem &P) {
  return (P.InSp.size() == 2 ? P.PadsBegin[0] * P.Wp : 0) + P.PadsBegin.back();
}

/// Masked Shifted problems: per column panel of NR positions and tap, bit l set when position j = panel*NR + l
/// is an output (j < N) whose input element for the tap lies inside the image (not in the padding).
std::vector<int64_t> shiftMasks(const GemmProblem &P, const GemmBlocking &Bl) {
  bool TwoD = P.InSp.size() == 2;
  int64_t H = TwoD ? P.InSp[0] : 1, W = P.InSp.back(), PT = TwoD ? P.PadsBegin[0] : 0, PL = P.PadsBegin.back();
  int64_t Panels = ceilDiv(P.N, Bl.NR);
  std::vector<int64_t> Masks(static_cast<size_t>(Panels * P.Taps), 0);
  for (int64_t Pn = 0; Pn < Panels; ++Pn)
    for (int64_t T = 0; T < P.Taps; ++T) {
      uint64_t Bits = 0;
      for (int64_t L = 0; L < Bl.NR && Pn * Bl.NR + L < P.N; ++L) {
        int64_t J = Pn * Bl.NR + L;
        int64_t Ih = J / W + (T / P.KW) * P.DH - PT, Iw = J % W + (T % P.KW) * P.DW - PL;
        if (Ih >= 0 && Ih < H && Iw >= 0 && Iw < W)
          Bits |= uint64_t(1) << L;
      }
      Masks[static_cast<size_t>(Pn * P.Taps + T)] = static_cast<int64_t>(Bits);
    }
  return Masks;
}

struct Emitter {
  LowerCtx &C;
  const GemmProblem &P;
  KB &K;
  GemmBlocking Bl;
  int64_t KC, NC, NCPad, MC, NBlocks, MBlocks;
  Value *B0 = nullptr, *B1 = nullptr;
  FixedVectorType *VT;

  IRBuilder<> &b() { return K.B; }
  Value *c(int64_t V) { return K.c64(V); }
  Value *off(const BatchOffset &O) {
    return b().CreateAdd(c(O.Base), b().CreateAdd(b().CreateMul(B0, c(O.S0)), b().CreateMul(B1, c(O.S1))));
  }
  Value *minv(Value *X, Value *Y) { return b().CreateSelect(b().CreateICmpSLT(X, Y), X, Y); }
  Value *maxv(Value *X, Value *Y) { return b().CreateSelect(b().CreateICmpSGT(X, Y), X, Y); }
  /// The Rows x Lanes tile at (I0, J0) over the current k block [Kc0, Kc0 + KLen): a call to the shared
  /// micro-kernel with this node's pointers and strides.
  /// Shifted problems whose padded grid is wider than the output accumulate into a per-task scratch block.
  bool cScratch() const { return P.BK == GemmProblem::BKind::Shifted && P.Wp != P.OWv; }

  void micro(int Rows, int Lanes, Value *I0, Value *J0, Value *N0, Value *Kc0, Value *KLen, Value *First,
             Value *M0 = nullptr, Value *BShift = nullptr, Value *Shifts = nullptr, Value *Masks = nullptr) {
    auto &B = b();
    Buf A = K.buf(P.ASlot, ElemType::Float32), Y = K.buf(P.YSlot, ElemType::Float32);
    bool InPlace = P.BK == GemmProblem::BKind::Packed || P.BK == GemmProblem::BKind::Ready ||
                   P.BK == GemmProblem::BKind::Shifted;
    Buf Bm = InPlace ? K.buf(P.BSlot, ElemType::Float32) : K.scratch(ElemType::Float32);
    Value *ABase, *BBase, *Ldb;
    if (P.APacked)
      ABase = B.CreateAdd(off(P.AOff), B.CreateAdd(B.CreateMul(B.CreateUDiv(I0, c(Bl.MR)), c(P.K * Bl.MR)),
                                                   B.CreateMul(Kc0, c(Bl.MR))));
    else
      ABase = B.CreateAdd(off(P.AOff), B.CreateAdd(B.CreateMul(I0, c(P.ARS)), B.CreateMul(Kc0, c(P.ACS))));
    if (P.BK == GemmProblem::BKind::Packed) {
      BBase = B.CreateAdd(off(P.BOff), B.CreateAdd(B.CreateMul(B.CreateUDiv(J0, c(Bl.NR)), c(P.K * Bl.NR)),
                                                   B.CreateMul(Kc0, c(Bl.NR))));
      Ldb = c(Bl.NR);
    } else if (P.BK == GemmProblem::BKind::Ready) {
      BBase = B.CreateAdd(off(P.BOff), B.CreateAdd(B.CreateMul(Kc0, c(P.BLd)), J0));
      Ldb = c(P.BLd);
    } else if (P.BK == GemmProblem::BKind::Shifted) {
      BBase = B.CreateAdd(off(P.BOff), B.CreateAdd(BShift, J0));
      Ldb = c(P.BLd);
    } else {
      BBase = B.CreateSub(J0, N0);
      Ldb = c(NCPad);
    }
    Value *YBase = B.CreateAdd(off(P.YOff), B.CreateAdd(B.CreateMul(I0, c(P.Ldc)), J0)), *Ldc = c(P.Ldc);
    if (cScratch()) {
      Y = K.scratch(ElemType::Float32);
      YBase = B.CreateAdd(B.CreateMul(B.CreateSub(I0, M0), c(NCPad)), B.CreateSub(J0, N0));
      Ldc = c(NCPad);
    }
    Function *F = microKernel(K.E, Bl, Rows, Lanes, P.APacked, false, P.MaskedB);
    // Shifted problems: one segment per tap, A advancing a tap's channels, B by the tap's shift.
    bool Seg = P.BK == GemmProblem::BKind::Shifted;
    std::vector<Value *> Args = {B.CreateInBoundsGEP(K.E.F32, A.Ptr, ABase),
                                 c(P.ARS),
                                 c(P.ACS),
                                 B.CreateInBoundsGEP(K.E.F32, Bm.Ptr, BBase),
                                 Ldb,
                                 B.CreateInBoundsGEP(K.E.F32, Y.Ptr, YBase),
                                 Ldc,
                                 KLen,
                                 First,
                                 c(Seg ? P.Taps : 1),
                                 c(Seg ? (P.K / P.Taps) * Bl.MR : 0),
                                 Shifts ? Shifts : ConstantPointerNull::get(cast<PointerType>(K.E.Ptr))};
    if (P.MaskedB) // this column panel's row of the mask table: one i64 per tap
      Args.push_back(B.CreateInBoundsGEP(K.E.I64, Masks, B.CreateMul(B.CreateUDiv(J0, c(Bl.NR)), c(P.Taps))));
    B.CreateCall(F, Args);
  }

  /// Applies the epilogue to the finished block rows [M0, M0 + MLen) x columns [N0, N0 + NLen) of Y.
  void epilogueBlock(Value *M0, Value *MLen, Value *N0, Value *NLen) {
    if (P.Ep.empty())
      return;
    auto &B = b();
    Buf Y = K.buf(P.YSlot, ElemType::Float32);
    K.loop(c(0), MLen, [&](Value *Ii) {
      Value *I = B.CreateAdd(M0, Ii);
      Value *Row = B.CreateAdd(off(P.YOff), B.CreateMul(I, c(P.Ldc)));
      K.loop(c(0), NLen, [&](Value *Jj) {
        Value *J = B.CreateAdd(N0, Jj);
        Value *At = B.CreateAdd(Row, J);
        K.store(Y, At, applyEpilogue(K.load(Y, At), I, J));
      });
    });
  }

  /// Fills scratch rows [0, KLen) x columns [0, NLen) with B(Kc0 + k, N0 + j), zero up to the panel edge.
  void fillB(Value *Kc0, Value *KLen, Value *N0, Value *NLen) {
    auto &B = b();
    Buf S = K.scratch(ElemType::Float32);
    Buf Src = K.buf(P.BSlot, ElemType::Float32);
    Value *Base = off(P.BOff);
    Value *PadEnd = B.CreateMul(B.CreateUDiv(B.CreateAdd(NLen, c(Bl.NR - 1)), c(Bl.NR)), c(Bl.NR));
    Value *Zero = ConstantFP::get(K.E.F32, 0.0);
    auto Fill = [&](Value *Row, Value *From, Value *To) {
      K.loop(From, To, [&](Value *J) { K.store(S, B.CreateAdd(Row, J), Zero); });
    };
    K.loop(c(0), KLen, [&](Value *Kk) {
      Value *Kg = B.CreateAdd(Kc0, Kk), *Row = B.CreateMul(Kk, c(NCPad));
      if (P.BK == GemmProblem::BKind::Dense) {
        Value *SrcRow = B.CreateAdd(Base, B.CreateAdd(B.CreateMul(Kg, c(P.BKS)), B.CreateMul(N0, c(P.BNS))));
        K.loop(c(0), NLen, [&](Value *J) {
          K.store(S, B.CreateAdd(Row, J), K.load(Src, B.CreateAdd(SrcRow, B.CreateMul(J, c(P.BNS)))));
        });
      } else {
        im2colRow(S, Src, Base, Kg, Row, N0, NLen, Fill);
      }
      Fill(Row, NLen, PadEnd);
    });
  }

  /// fillB for 1-D/2-D convolutions: a call to the module's shared im2col helper.
  void fillIm2col(Value *Kc0, Value *KLen, Value *N0, Value *NLen) {
    auto &B = b();
    Buf S = K.scratch(ElemType::Float32), Src = K.buf(P.BSlot, ElemType::Float32);
    GlobalVariable *Geo = K.E.constI64s(im2colGeometry(P));
    B.CreateCall(im2colHelper(K.E, Bl.NR), {S.Ptr, c(NCPad), B.CreateInBoundsGEP(K.E.F32, Src.Ptr, off(P.BOff)), Kc0,
                                            KLen, N0, NLen, Geo});
  }

  /// One im2col row (channel and tap of k) for the output positions [N0, N0 + NLen): runs along the last spatial
  /// dim are copied with the input stride, their padding filled with zeros.
  void im2colRow(const Buf &S, const Buf &Src, Value *Base, Value *Kg, Value *Row, Value *N0, Value *NLen,
                 const std::function<void(Value *, Value *, Value *)> &Fill) {
    auto &B = b();
    size_t R = P.InSp.size();
    int64_t KSize = ir::shapeNumElements(P.Kernel), InSize = ir::shapeNumElements(P.InSp);
    ir::Shape KStr = ir::stridesOf(P.Kernel), InStr = ir::stridesOf(P.InSp);
    Value *Ch = B.CreateUDiv(Kg, c(KSize)), *T = B.CreateURem(Kg, c(KSize));
    std::vector<Value *> Tap(R);
    for (size_t D = 0; D < R; ++D)
      Tap[D] = B.CreateURem(B.CreateUDiv(T, c(KStr[D])), c(P.Kernel[D]));
    int64_t OW = P.OutSp[R - 1], W = P.InSp[R - 1], Sw = P.Strides[R - 1];
    // Valid output columns of this tap along the last dim: 0 <= ow*s + t*d - p < W.
    Value *Shift = B.CreateSub(B.CreateMul(Tap[R - 1], c(P.Dilations[R - 1])), c(P.PadsBegin[R - 1]));
    Value *NegShift = B.CreateNeg(Shift);
    Value *Lo = B.CreateSelect(B.CreateICmpSLE(NegShift, c(0)), c(0), B.CreateUDiv(B.CreateAdd(NegShift, c(Sw - 1)), c(Sw)));
    Value *HiNum = B.CreateSub(c(W - 1), Shift);
    Value *Hi = B.CreateSelect(B.CreateICmpSLT(HiNum, c(0)), c(0), minv(c(OW), B.CreateAdd(B.CreateUDiv(HiNum, c(Sw)), c(1))));
    Value *ChBase = B.CreateAdd(Base, B.CreateMul(Ch, c(InSize)));
    Value *End = B.CreateAdd(N0, NLen);
    Value *RFirst = B.CreateUDiv(N0, c(OW)), *RLast = B.CreateUDiv(B.CreateSub(End, c(1)), c(OW));
    ir::Shape Outer(P.OutSp.begin(), P.OutSp.end() - 1);
    K.loop(RFirst, B.CreateAdd(RLast, c(1)), [&](Value *Rw) {
      Value *RowStart = B.CreateMul(Rw, c(OW));
      Value *PS = maxv(N0, RowStart), *PE = minv(End, B.CreateAdd(RowStart, c(OW)));
      Value *OwA = B.CreateSub(PS, RowStart), *OwB = B.CreateSub(PE, RowStart);
      Value *DOff = B.CreateAdd(Row, B.CreateSub(RowStart, N0)); // destination of ow is DOff + ow
      std::vector<Value *> O = unflatten(K, Rw, Outer);
      Value *Valid = B.getTrue(), *SrcRow = ChBase;
      for (size_t D = 0; D + 1 < R; ++D) {
        Value *I = B.CreateAdd(B.CreateSub(B.CreateMul(O[D], c(P.Strides[D])), c(P.PadsBegin[D])),
                               B.CreateMul(Tap[D], c(P.Dilations[D])));
        Valid = B.CreateAnd(Valid, B.CreateICmpULT(I, c(P.InSp[D])));
        SrcRow = B.CreateAdd(SrcRow, B.CreateMul(I, c(InStr[D])));
      }
      K.ifThenElse(
          Valid,
          [&] {
            Value *CA = maxv(OwA, Lo), *CB = minv(OwB, Hi);
            Fill(DOff, OwA, minv(OwB, Lo));
            Value *SrcW = B.CreateAdd(SrcRow, Shift);
            K.loop(CA, CB, [&](Value *Ow) {
              K.store(S, B.CreateAdd(DOff, Ow), K.load(Src, B.CreateAdd(SrcW, B.CreateMul(Ow, c(Sw)))));
            });
            Fill(DOff, maxv(OwA, Hi), OwB);
          },
          [&] { Fill(DOff, OwA, OwB); });
    });
  }

  void body(Value *Item) {
    auto &B = b();
    Value *Mb = B.CreateURem(Item, c(MBlocks));
    Value *T = B.CreateUDiv(Item, c(MBlocks));
    Value *Nb = B.CreateURem(T, c(NBlocks));
    T = B.CreateUDiv(T, c(NBlocks));
    B1 = B.CreateURem(T, c(P.B1));
    B0 = B.CreateUDiv(T, c(P.B1));
    Value *N0 = B.CreateMul(Nb, c(NC)), *NLen = minv(c(NC), B.CreateSub(c(P.N), N0));
    Value *M0 = B.CreateMul(Mb, c(MC)), *MLen = minv(c(MC), B.CreateSub(c(P.M), M0));
    Value *FullNP = B.CreateUDiv(NLen, c(Bl.NR)), *FullMP = B.CreateUDiv(MLen, c(Bl.MR));
    int TailLanes = static_cast<int>(P.N % Bl.NR), RemRows = static_cast<int>(P.M % Bl.MR);
    Value *LastNB = B.CreateICmpEQ(Nb, c(NBlocks - 1)), *LastMB = B.CreateICmpEQ(Mb, c(MBlocks - 1));
    // Shifted problems block K by channels; each micro-kernel call then runs every tap of its channel block.
    bool Shift = P.BK == GemmProblem::BKind::Shifted;
    int64_t Cg = Shift ? P.K / P.Taps : P.K, KBlocks = ceilDiv(Cg, KC);
    Value *Shifts = nullptr, *Masks = nullptr;
    if (Shift) {
      // The masked form reads the unpadded input: its shifts subtract the padding before the image.
      int64_t Origin = P.MaskedB ? shiftOrigin(P) : 0;
      std::vector<int64_t> Table;
      for (int64_t T = 0; T < P.Taps; ++T)
        Table.push_back((T / P.KW) * P.DH * P.Wp + (T % P.KW) * P.DW - Origin);
      Shifts = K.E.constI64s(Table);
      if (P.MaskedB)
        Masks = K.E.constI64s(shiftMasks(P, Bl));
    }
    K.loop(c(0), c(KBlocks), [&](Value *KB2) {
      Value *Kc0, *KLen, *BShift = nullptr;
      if (Shift) {
        Value *C0 = B.CreateMul(KB2, c(KC));
        Kc0 = C0; // A index of tap 0, channel C0 (the kernel adds a tap's channels per segment)
        KLen = minv(c(KC), B.CreateSub(c(Cg), C0));
        BShift = B.CreateMul(C0, c(P.BLd));
      } else {
        Kc0 = B.CreateMul(KB2, c(KC));
        KLen = minv(c(KC), B.CreateSub(c(P.K), Kc0));
      }
      Value *First = B.CreateICmpEQ(KB2, c(0));
      if (P.BK == GemmProblem::BKind::Im2col && P.InSp.size() <= 2)
        fillIm2col(Kc0, KLen, N0, NLen);
      else if (P.BK == GemmProblem::BKind::Im2col || P.BK == GemmProblem::BKind::Dense)
        fillB(Kc0, KLen, N0, NLen);
      // Column panel outer, row panels inner: the KC x NR panel of B stays in L1 while the row panels of A
      // (KC x MR each) stream from L2.
      auto ColPanel = [&](int Lanes, Value *J0) {
        K.loop(c(0), FullMP, [&](Value *Mp) {
          micro(Bl.MR, Lanes, B.CreateAdd(M0, B.CreateMul(Mp, c(Bl.MR))), J0, N0, Kc0, KLen, First, M0, BShift, Shifts,
                Masks);
        });
        if (RemRows)
          K.ifThen(LastMB, [&] {
            micro(RemRows, Lanes, B.CreateAdd(M0, B.CreateMul(FullMP, c(Bl.MR))), J0, N0, Kc0, KLen, First, M0, BShift,
                  Shifts, Masks);
          });
      };
      K.loop(c(0), FullNP, [&](Value *Np) { ColPanel(Bl.NR, B.CreateAdd(N0, B.CreateMul(Np, c(Bl.NR)))); });
      if (TailLanes)
        K.ifThen(LastNB, [&] { ColPanel(TailLanes, B.CreateAdd(N0, B.CreateMul(FullNP, c(Bl.NR)))); });
    });
    if (cScratch())
      compactBlock(M0, MLen, N0, NLen);
    else
      epilogueBlock(M0, MLen, N0, NLen);
  }

  /// Moves the scratch block (padded-width grid) into Y, dropping the padding columns, with the epilogue.
  void compactBlock(Value *M0, Value *MLen, Value *N0, Value *NLen) {
    auto &B = b();
    Buf S = K.scratch(ElemType::Float32), Y = K.buf(P.YSlot, ElemType::Float32);
    Value *End = B.CreateAdd(N0, NLen);
    K.loop(c(0), MLen, [&](Value *Ii) {
      Value *I = B.CreateAdd(M0, Ii);
      Value *SRow = B.CreateMul(Ii, c(NCPad));
      Value *YRow = B.CreateAdd(off(P.YOff), B.CreateMul(I, c(P.Ldc)));
      K.loop(B.CreateUDiv(N0, c(P.Wp)), B.CreateAdd(B.CreateUDiv(B.CreateSub(End, c(1)), c(P.Wp)), c(1)), [&](Value *R) {
        Value *RowStart = B.CreateMul(R, c(P.Wp));
        Value *From = B.CreateSub(maxv(N0, RowStart), RowStart);
        Value *To = minv(B.CreateSub(End, RowStart), c(P.OWv));
        K.loop(From, To, [&](Value *Ow) {
          Value *Src = B.CreateAdd(SRow, B.CreateSub(B.CreateAdd(RowStart, Ow), N0));
          Value *J = B.CreateAdd(B.CreateMul(R, c(P.OWv)), Ow);
          K.store(Y, B.CreateAdd(YRow, J), applyEpilogue(K.load(S, Src), I, J));
        });
      });
    });
  }

  /// The epilogue steps on one value at GEMM row I, output column J.
  Value *applyEpilogue(Value *V, Value *I, Value *J) {
    auto &B = b();
    for (const EpStep &S : P.Ep) {
      auto Op = [&](const EpOperand &O, Value *) {
        Value *Idx = B.CreateAdd(off(O.Off), B.CreateAdd(B.CreateMul(I, c(O.SM)), B.CreateMul(J, c(O.SN))));
        return K.load(K.buf(O.Slot, ElemType::Float32), Idx);
      };
      V = emitEpStep(K, S, V, nullptr, nullptr, Op);
    }
    return V;
  }
};

} // namespace

namespace {

/// Blocking of a GEMM kernel: KC x NC blocks of B, MC rows per task.
struct Blocks {
  int64_t KC, NC, NCPad, MC, NBlocks, MBlocks;
};

Blocks blocksFor(const GemmProblem &P, const GemmBlocking &Bl) {
  Blocks R;
  int64_t NK = ceilDiv(P.K, 256);
  R.KC = ceilDiv(ceilDiv(P.K, NK), 4) * 4;
  // Column blocks keep a KC x NC block of B in L2; enough blocks (and row blocks) give every thread work.
  R.NC = std::min<int64_t>(ceilDiv(P.N, Bl.NR) * Bl.NR, 8 * Bl.NR);
  if (P.B0 * P.B1 * ceilDiv(P.N, R.NC) < 4) // few column blocks: narrower ones before splitting rows
    R.NC = std::max<int64_t>(2 * Bl.NR, ceilDiv(ceilDiv(P.N, 4), Bl.NR) * Bl.NR);
  R.NBlocks = ceilDiv(P.N, R.NC);
  int64_t Tasks = P.B0 * P.B1 * R.NBlocks;
  int64_t MPanels = ceilDiv(P.M, Bl.MR);
  // Row blocks only when column blocks are too few for the threads, and never below 64 rows.
  int64_t Want = std::min<int64_t>(std::max<int64_t>(1, ceilDiv(P.M, 64)), std::max<int64_t>(1, ceilDiv(16, Tasks)));
  R.MC = ceilDiv(MPanels, Want) * Bl.MR;
  R.MBlocks = ceilDiv(P.M, R.MC);
  // Rows of the B block a power of two apart would map a panel onto few L1 sets: pad the row length.
  R.NCPad = ceilDiv(R.NC, Bl.NR) * Bl.NR + 16;
  return R;
}

Status emitGemmKernel(LowerCtx &C, const GemmProblem &P, const std::vector<int> &Temps) {
  KB K(C.E, C.kernelName("_gemm"));
  GemmBlocking Bl = gemmBlocking(C.E.T);
  Blocks Bk = blocksFor(P, Bl);
  if (P.BK == GemmProblem::BKind::Shifted) {
    // Channels per K block: all taps of a block run in one micro-kernel call, so its B rows must fit in L1.
    int64_t Cap = P.Taps == 1 ? 256 : 64, Cg = P.K / P.Taps;
    Bk.KC = ceilDiv(Cg, ceilDiv(Cg, Cap));
  }
  Emitter E{C,        P,         K,        Bl,         Bk.KC,   Bk.NC, Bk.NCPad, Bk.MC, Bk.NBlocks, Bk.MBlocks,
            nullptr, nullptr, FixedVectorType::get(C.E.F32, static_cast<unsigned>(Bl.VW))};
  bool Copies = P.BK == GemmProblem::BKind::Dense || P.BK == GemmProblem::BKind::Im2col;
  size_t Scratch = Copies ? static_cast<size_t>(Bk.KC * Bk.NCPad) * sizeof(float) : 0;
  if (E.cScratch())
    Scratch = static_cast<size_t>(Bk.MC * Bk.NCPad) * sizeof(float);
  emitItems(K, [&](Value *Item) { E.body(Item); });
  int64_t Items = P.B0 * P.B1 * Bk.NBlocks * Bk.MBlocks;
  double Cost = 2.0 * static_cast<double>(P.M) * static_cast<double>(P.N) * static_cast<double>(P.K) *
                static_cast<double>(P.B0 * P.B1) / static_cast<double>(Items);
  KernelOut O = K.finish(Items, Cost, Scratch);
  O.TempSlots = Temps;
  C.add(O);
  return Status::ok();
}

} // namespace

int emitIm2colTemp(LowerCtx &C, const GemmProblem &P, int64_t NPad) {
  GemmBlocking Bl = gemmBlocking(C.E.T);
  int64_t Chunk = 64, Chunks = ceilDiv(P.K, Chunk);
  int Temp = C.P.addTempSlot(static_cast<size_t>(P.B0 * P.B1 * P.K * NPad) * sizeof(float));
  KB K(C.E, C.kernelName("_im2col"));
  auto &B = K.B;
  Buf Dst = K.buf(Temp, ElemType::Float32), Src = K.buf(P.BSlot, ElemType::Float32);
  GlobalVariable *Geo = C.E.constI64s(im2colGeometry(P));
  emitItems(K, [&](Value *Item) {
    Value *Bt = B.CreateUDiv(Item, K.c64(Chunks)), *K0 = B.CreateMul(B.CreateURem(Item, K.c64(Chunks)), K.c64(Chunk));
    Value *KLen = B.CreateSub(K.c64(P.K), K0);
    KLen = B.CreateSelect(B.CreateICmpSLT(KLen, K.c64(Chunk)), KLen, K.c64(Chunk));
    Value *B0 = B.CreateUDiv(Bt, K.c64(P.B1)), *B1 = B.CreateURem(Bt, K.c64(P.B1));
    Value *XOff = B.CreateAdd(K.c64(P.BOff.Base), B.CreateAdd(B.CreateMul(B0, K.c64(P.BOff.S0)), B.CreateMul(B1, K.c64(P.BOff.S1))));
    Value *DOff = B.CreateMul(B.CreateAdd(B.CreateMul(Bt, K.c64(P.K)), K0), K.c64(NPad));
    B.CreateCall(im2colHelper(C.E, Bl.NR), {B.CreateInBoundsGEP(C.E.F32, Dst.Ptr, DOff), K.c64(NPad),
                                            B.CreateInBoundsGEP(C.E.F32, Src.Ptr, XOff), K0, KLen, K.c64(0),
                                            K.c64(P.N), Geo});
  });
  KernelOut O = K.finish(P.B0 * P.B1 * Chunks, 3.0 * static_cast<double>(Chunk * NPad));
  O.TempSlots = {Temp};
  C.add(O);
  return Temp;
}

Status emitGemm(LowerCtx &C, const GemmProblem &P, const std::vector<int> &Temps) {
  if (P.M * P.N * P.B0 * P.B1 == 0)
    return Status::ok();
  if (P.K == 0)
    return noCodegen(C, "empty reduction");
  if (P.BK == GemmProblem::BKind::Shifted)
    return emitGemmKernel(C, P, Temps);
  GemmBlocking Bl = gemmBlocking(C.E.T);
  Blocks Bk = blocksFor(P, Bl);
  if (P.BK != GemmProblem::BKind::Im2col || P.InSp.size() > 2 || (Bk.MBlocks == 1 && Bk.NBlocks > 1))
    return emitGemmKernel(C, P, {});
  // Row blocks would each redo the im2col of their columns (or one column block leaves threads idle): a first
  // kernel writes the whole im2col matrix once, in parallel over row chunks, and the GEMM reads it in place.
  int64_t NPad = ceilDiv(P.N, Bl.NR) * Bl.NR + 16;
  int Temp = emitIm2colTemp(C, P, NPad);
  GemmProblem Ready = P;
  Ready.BK = GemmProblem::BKind::Ready;
  Ready.BSlot = Temp;
  Ready.BOff = {0, P.B1 * P.K * NPad, P.K * NPad};
  Ready.BLd = NPad;
  return emitGemmKernel(C, Ready, {Temp});
}

} // namespace npu::host
