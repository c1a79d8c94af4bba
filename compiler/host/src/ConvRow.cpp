// Direct row kernels for convolutions with few channels per group (depthwise and the like), f32, 1-D/2-D: each
// task computes one output row, accumulating tap by tap along the row so the inner loop vectorizes.
#include "Gemm.h"
#include "npu/compiler/ops/OpHelpers.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;

void emitEpilogueRow(KB &K, const GemmProblem &P, Value *B0, Value *B1, Value *I, Value *J0, Value *J1,
                     function_ref<Value *(Value *)> Src) {
  if (P.Ep.empty() && !Src)
    return;
  auto &B = K.B;
  auto Off = [&](const BatchOffset &O) {
    return B.CreateAdd(K.c64(O.Base), B.CreateAdd(B.CreateMul(B0, K.c64(O.S0)), B.CreateMul(B1, K.c64(O.S1))));
  };
  Buf Y = K.buf(P.YSlot, ElemType::Float32);
  Value *Row = B.CreateAdd(Off(P.YOff), B.CreateMul(I, K.c64(P.Ldc)));
  // Per-row operands are loaded once, outside the loop over the row.
  auto RowBase = [&](const EpOperand &O) { return B.CreateAdd(Off(O.Off), B.CreateMul(I, K.c64(O.SM))); };
  std::vector<Value *> Bases1, Bases2;
  for (const EpStep &S : P.Ep) {
    Bases1.push_back(S.Op.Slot >= 0 ? RowBase(S.Op) : nullptr);
    Bases2.push_back(S.Op2.Slot >= 0 ? RowBase(S.Op2) : nullptr);
  }
  K.loop(J0, J1, [&](Value *J) {
    Value *At = B.CreateAdd(Row, J);
    Value *V = Src ? Src(J) : K.load(Y, At);
    for (size_t SI = 0; SI < P.Ep.size(); ++SI) {
      const EpStep &S = P.Ep[SI];
      auto Op = [&](const EpOperand &O, Value *Base) {
        return K.load(K.buf(O.Slot, ElemType::Float32), O.SN ? B.CreateAdd(Base, J) : Base);
      };
      V = emitEpStep(K, S, V, Bases1[SI], Bases2[SI], Op);
    }
    K.store(Y, At, V);
  });
}

void emitPad(LowerCtx &C, const PadPlan &Pad) {
  KB K(C.E, C.kernelName("_pad"));
  auto &B = K.B;
  Buf X = K.buf(C.slot(Pad.Src), ElemType::Float32), Y = K.buf(Pad.Slot, ElemType::Float32);
  Value *Zero = ConstantFP::get(C.E.F32, 0.0);
  emitItems(K, [&](Value *Item) {
    Value *Plane = B.CreateUDiv(Item, K.c64(Pad.Hp)), *R = B.CreateURem(Item, K.c64(Pad.Hp));
    Value *Dst = B.CreateMul(Item, K.c64(Pad.Wp));
    Value *Ih = B.CreateSub(R, K.c64(Pad.PT));
    K.ifThenElse(
        B.CreateICmpULT(Ih, K.c64(Pad.H)),
        [&] {
          Value *Src = B.CreateMul(B.CreateAdd(B.CreateMul(Plane, K.c64(Pad.H)), Ih), K.c64(Pad.W));
          K.loop(Pad.PL, [&](Value *J) { K.store(Y, B.CreateAdd(Dst, J), Zero); });
          K.loop(Pad.W, [&](Value *J) {
            K.store(Y, B.CreateAdd(Dst, B.CreateAdd(J, K.c64(Pad.PL))), K.load(X, B.CreateAdd(Src, J)));
          });
          K.loop(K.c64(Pad.PL + Pad.W), K.c64(Pad.Wp), [&](Value *J) { K.store(Y, B.CreateAdd(Dst, J), Zero); });
        },
        [&] { K.loop(Pad.Wp, [&](Value *J) { K.store(Y, B.CreateAdd(Dst, J), Zero); }); });
  });
  KernelOut O = K.finish(Pad.Planes * Pad.Hp, 1.0 * static_cast<double>(Pad.Wp));
  O.TempSlots = {Pad.Slot};
  C.add(O);
}

Status emitPlaneConv(LowerCtx &C, const GemmProblem &P, const std::vector<int> &Temps) {
  if (P.M * P.B0 * P.B1 == 0 || ir::shapeNumElements(P.OutSp) == 0)
    return Status::ok();
  bool TwoD = P.OutSp.size() == 2;
  int64_t OH = TwoD ? P.OutSp[0] : 1, OW = P.OutSp.back(), Grid = OH * P.Wp;
  int64_t KH = TwoD ? P.Kernel[0] : 1, Taps = P.Taps;
  KB K(C.E, C.kernelName("_plane"));
  auto &B = K.B;
  Buf X = K.buf(P.BSlot, ElemType::Float32), Wt = K.buf(P.WSlot, ElemType::Float32),
      Y = K.buf(P.YSlot, ElemType::Float32), S = K.scratch(ElemType::Float32);
  emitItems(K, [&](Value *Item) {
    Value *I = B.CreateURem(Item, K.c64(P.Mg)), *T = B.CreateUDiv(Item, K.c64(P.Mg));
    Value *B1 = B.CreateURem(T, K.c64(P.B1)), *B0 = B.CreateUDiv(T, K.c64(P.B1));
    Value *XBase = B.CreateAdd(K.c64(P.BOff.Base), B.CreateAdd(B.CreateMul(B0, K.c64(P.BOff.S0)), B.CreateMul(B1, K.c64(P.BOff.S1))));
    Value *WBase = B.CreateMul(B.CreateAdd(B.CreateMul(B1, K.c64(P.Mg)), I), K.c64(P.Cg * Taps));
    // The taps in the reference's order (channel, kh, kw), summed per grid position in registers.
    K.loop(Grid, [&](Value *Q) {
      Value *Acc = ConstantFP::get(C.E.F32, 0.0);
      for (int64_t Ci = 0; Ci < P.Cg; ++Ci)
        for (int64_t Tp = 0; Tp < Taps; ++Tp) {
          int64_t Shift = Ci * P.BLd + (Tp / P.KW) * P.DH * P.Wp + (Tp % P.KW) * P.DW;
          Value *Wv = K.load(Wt, B.CreateAdd(WBase, K.c64(Ci * Taps + Tp)));
          Value *Xv = K.load(X, B.CreateAdd(XBase, B.CreateAdd(Q, K.c64(Shift))));
          Acc = B.CreateFAdd(Acc, B.CreateFMul(Wv, Xv));
        }
      K.store(S, Q, Acc);
    });
    // Compact the grid rows into the output with the epilogue.
    Value *YRow = B.CreateAdd(B.CreateAdd(K.c64(P.YOff.Base), B.CreateAdd(B.CreateMul(B0, K.c64(P.YOff.S0)),
                                                                           B.CreateMul(B1, K.c64(P.YOff.S1)))),
                              B.CreateMul(I, K.c64(P.Ldc)));
    K.loop(OH, [&](Value *Oh) {
      K.loop(OW, [&](Value *Ow) {
        Value *J = B.CreateAdd(B.CreateMul(Oh, K.c64(OW)), Ow);
        K.store(Y, B.CreateAdd(YRow, J), K.load(S, B.CreateAdd(B.CreateMul(Oh, K.c64(P.Wp)), Ow)));
      });
    });
    emitEpilogueRow(K, P, B0, B1, I, K.c64(0), K.c64(OH * OW));
  });
  (void)KH;
  KernelOut O = K.finish(P.B0 * P.B1 * P.Mg, 2.0 * static_cast<double>(P.Cg * Taps * Grid),
                         static_cast<size_t>(Grid) * sizeof(float));
  O.TempSlots = Temps;
  C.add(O);
  return Status::ok();
}

Status emitRowConv(LowerCtx &C, const GemmProblem &P) {
  if (P.M * P.N * P.B0 * P.B1 == 0)
    return Status::ok();
  bool TwoD = P.InSp.size() == 2;
  int64_t H = TwoD ? P.InSp[0] : 1, W = P.InSp.back(), OH = TwoD ? P.OutSp[0] : 1, OW = P.OutSp.back();
  int64_t KH = TwoD ? P.Kernel[0] : 1, KW = P.Kernel.back();
  int64_t SH = TwoD ? P.Strides[0] : 1, SW = P.Strides.back(), DH = TwoD ? P.Dilations[0] : 1, DW = P.Dilations.back();
  int64_t PH = TwoD ? P.PadsBegin[0] : 0, PW = P.PadsBegin.back();
  int64_t InSize = H * W, Taps = KH * KW;
  KB K(C.E, C.kernelName("_row"));
  auto &B = K.B;
  Buf X = K.buf(P.BSlot, ElemType::Float32), Wt = K.buf(P.WSlot, ElemType::Float32),
      Y = K.buf(P.YSlot, ElemType::Float32);
  Type *F32 = C.E.F32;
  Value *Zero = ConstantFP::get(F32, 0.0);
  emitItems(K, [&](Value *Item) {
    Value *Oh = B.CreateURem(Item, K.c64(OH)), *T = B.CreateUDiv(Item, K.c64(OH));
    Value *I = B.CreateURem(T, K.c64(P.Mg));
    T = B.CreateUDiv(T, K.c64(P.Mg));
    Value *B1 = B.CreateURem(T, K.c64(P.B1)), *B0 = B.CreateUDiv(T, K.c64(P.B1));
    auto Off = [&](const BatchOffset &O) {
      return B.CreateAdd(K.c64(O.Base), B.CreateAdd(B.CreateMul(B0, K.c64(O.S0)), B.CreateMul(B1, K.c64(O.S1))));
    };
    Value *YRow = B.CreateAdd(B.CreateAdd(Off(P.YOff), B.CreateMul(I, K.c64(P.Ldc))), B.CreateMul(Oh, K.c64(OW)));
    Value *XBase = Off(P.BOff);
    Value *WBase = B.CreateMul(B.CreateAdd(B.CreateMul(B1, K.c64(P.Mg)), I), K.c64(P.Cg * Taps));
    K.loop(OW, [&](Value *J) { K.store(Y, B.CreateAdd(YRow, J), Zero); });
    // Taps in the reference's order (channel, kh, kw); out-of-range taps add nothing.
    K.loop(P.Cg, [&](Value *Ci) {
      Value *XC = B.CreateAdd(XBase, B.CreateMul(Ci, K.c64(InSize)));
      Value *WC = B.CreateAdd(WBase, B.CreateMul(Ci, K.c64(Taps)));
      for (int64_t Kh = 0; Kh < KH; ++Kh) {
        Value *Ih = B.CreateAdd(B.CreateSub(B.CreateMul(Oh, K.c64(SH)), K.c64(PH)), K.c64(Kh * DH));
        K.ifThen(B.CreateICmpULT(Ih, K.c64(H)), [&] {
          Value *XRow = B.CreateAdd(XC, B.CreateMul(Ih, K.c64(W)));
          for (int64_t Kw = 0; Kw < KW; ++Kw) {
            // Output columns whose input column ow*s + kw*d - p lies inside [0, W): known at compile time.
            int64_t Shift = Kw * DW - PW;
            int64_t Lo = Shift >= 0 ? 0 : (-Shift + SW - 1) / SW;
            int64_t Hi = W - 1 - Shift < 0 ? 0 : std::min(OW, (W - 1 - Shift) / SW + 1);
            if (Lo >= Hi)
              continue;
            Value *Wv = K.load(Wt, B.CreateAdd(WC, K.c64(Kh * KW + Kw)));
            K.loop(K.c64(Lo), K.c64(Hi), [&](Value *Ow) {
              Value *Xv = K.load(X, B.CreateAdd(XRow, B.CreateAdd(B.CreateMul(Ow, K.c64(SW)), K.c64(Shift))));
              Value *At = B.CreateAdd(YRow, Ow);
              K.store(Y, At, B.CreateFAdd(K.load(Y, At), B.CreateFMul(Wv, Xv)));
            });
          }
        });
      }
    });
    emitEpilogueRow(K, P, B0, B1, I, B.CreateMul(Oh, K.c64(OW)), B.CreateMul(B.CreateAdd(Oh, K.c64(1)), K.c64(OW)));
  });
  int64_t Items = P.B0 * P.B1 * P.Mg * OH;
  C.add(K.finish(Items, 2.0 * static_cast<double>(P.Cg * Taps * OW)));
  return Status::ok();
}

} // namespace npu::host
