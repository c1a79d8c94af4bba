// Packed-GEMM kernel emission: cache blocking (KC x NC blocks of B in scratch), a register-blocked MR x NR
// micro-kernel with FMAs on the host's vector width, masked tails, and the fused epilogue.
#include "Gemm.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <llvm/IR/Intrinsics.h>

#include <algorithm>

namespace npu::host {

using namespace llvm;
using ir::ElemType;

GemmBlocking gemmBlocking(const TargetInfo &T) {
  int VW = std::max(4, T.VectorBits / 32);
  // Accumulators MR x NV vectors plus NV loads of B and one broadcast of A stay in registers (32 with AVX-512).
  int MR = VW >= 16 ? 12 : 6;
  return {VW, 2, 2 * VW, MR};
}

namespace {

int64_t ceilDiv(int64_t A, int64_t B) { return (A + B - 1) / B; }

/// The shared micro-kernel: C[Rows x Lanes] (+)= A-panel x B-panel over KLen steps, accumulators in vector
/// registers. A(r, k) at A + k*MR + r (packed) or A + r*ars + k*acs; B(k, j) at B + k*ldb + j; C rows ldc apart.
/// `first` starts from zero instead of C. Columns past Lanes are masked off.
Function *microKernel(ModuleEnv &E, const GemmBlocking &Bl, int Rows, int Lanes, bool PackedA) {
  std::string Name = "npu_ukr_" + std::to_string(Rows) + "x" + std::to_string(Lanes) + (PackedA ? "p" : "s") +
                     std::to_string(Bl.VW) + "_" + std::to_string(Bl.MR);
  auto It = E.Helpers.find(Name);
  if (It != E.Helpers.end())
    return It->second;
  auto *FT = FunctionType::get(E.Void, {E.Ptr, E.I64, E.I64, E.Ptr, E.I64, E.Ptr, E.I64, E.I64, E.I1}, false);
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
        *Cp = F->getArg(5), *Ldc = F->getArg(6), *KLen = F->getArg(7), *First = F->getArg(8);
  LLVMContext &Ctx = E.Ctx;
  auto *VT = FixedVectorType::get(E.F32, static_cast<unsigned>(Bl.VW));
  int NV = (Lanes + Bl.VW - 1) / Bl.VW;
  auto LanesOf = [&](int V) { return static_cast<unsigned>(std::min(Bl.VW, Lanes - V * Bl.VW)); };
  auto Mask = [&](unsigned L) {
    std::vector<Constant *> Bits;
    for (int I = 0; I < Bl.VW; ++I)
      Bits.push_back(ConstantInt::get(E.I1, static_cast<unsigned>(I) < L));
    return ConstantVector::get(Bits);
  };
  BasicBlock *Entry = BasicBlock::Create(Ctx, "entry", F), *Load = BasicBlock::Create(Ctx, "loadc", F),
             *Head = BasicBlock::Create(Ctx, "k", F), *Body = BasicBlock::Create(Ctx, "k.body", F),
             *Exit = BasicBlock::Create(Ctx, "done", F);
  IRBuilder<> B(Entry);
  auto CPtr = [&](int R, int V) {
    return B.CreateInBoundsGEP(E.F32, Cp, B.CreateAdd(B.CreateMul(B.getInt64(static_cast<uint64_t>(R)), Ldc),
                                                      B.getInt64(static_cast<uint64_t>(V * Bl.VW))));
  };
  B.CreateCondBr(First, Head, Load);
  B.SetInsertPoint(Load);
  std::vector<Value *> Init;
  for (int R = 0; R < Rows; ++R)
    for (int V = 0; V < NV; ++V)
      Init.push_back(LanesOf(V) == static_cast<unsigned>(Bl.VW)
                         ? static_cast<Value *>(B.CreateAlignedLoad(VT, CPtr(R, V), Align(4)))
                         : B.CreateMaskedLoad(VT, CPtr(R, V), Align(4), Mask(LanesOf(V)), Constant::getNullValue(VT)));
  B.CreateBr(Head);
  B.SetInsertPoint(Head);
  PHINode *Kk = B.CreatePHI(E.I64, 2);
  Kk->addIncoming(B.getInt64(0), Entry);
  Kk->addIncoming(B.getInt64(0), Load);
  std::vector<PHINode *> Acc;
  for (size_t I = 0; I < Init.size(); ++I) {
    PHINode *Phi = B.CreatePHI(VT, 3);
    Phi->addIncoming(Constant::getNullValue(VT), Entry);
    Phi->addIncoming(Init[I], Load);
    Acc.push_back(Phi);
  }
  B.CreateCondBr(B.CreateICmpSLT(Kk, KLen), Body, Exit);
  B.SetInsertPoint(Body);
  Value *BRow = B.CreateInBoundsGEP(E.F32, Bp, B.CreateMul(Kk, Ldb));
  std::vector<Value *> Bv;
  for (int V = 0; V < NV; ++V)
    Bv.push_back(B.CreateAlignedLoad(VT, B.CreateInBoundsGEP(E.F32, BRow, B.getInt64(static_cast<uint64_t>(V * Bl.VW))),
                                     Align(4)));
  Value *ACol = PackedA ? B.CreateInBoundsGEP(E.F32, A, B.CreateMul(Kk, B.getInt64(static_cast<uint64_t>(Bl.MR))))
                        : B.CreateInBoundsGEP(E.F32, A, B.CreateMul(Kk, Acs));
  for (int R = 0; R < Rows; ++R) {
    Value *AOff = PackedA ? B.getInt64(static_cast<uint64_t>(R)) : B.CreateMul(B.getInt64(static_cast<uint64_t>(R)), Ars);
    Value *Av = B.CreateVectorSplat(static_cast<unsigned>(Bl.VW), B.CreateLoad(E.F32, B.CreateInBoundsGEP(E.F32, ACol, AOff)));
    for (int V = 0; V < NV; ++V) {
      PHINode *Phi = Acc[static_cast<size_t>(R * NV + V)];
      Phi->addIncoming(B.CreateIntrinsic(Intrinsic::fmuladd, {VT}, {Av, Bv[static_cast<size_t>(V)], Phi}), Body);
    }
  }
  Kk->addIncoming(B.CreateAdd(Kk, B.getInt64(1), "", true, true), Body);
  B.CreateBr(Head);
  B.SetInsertPoint(Exit);
  for (int R = 0; R < Rows; ++R)
    for (int V = 0; V < NV; ++V) {
      Value *Acc2 = Acc[static_cast<size_t>(R * NV + V)];
      if (LanesOf(V) == static_cast<unsigned>(Bl.VW))
        B.CreateAlignedStore(Acc2, CPtr(R, V), Align(4));
      else
        B.CreateMaskedStore(Acc2, CPtr(R, V), Align(4), Mask(LanesOf(V)));
    }
  B.CreateRetVoid();
  return F;
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
  void micro(int Rows, int Lanes, Value *I0, Value *J0, Value *N0, Value *Kc0, Value *KLen, Value *First) {
    auto &B = b();
    Buf A = K.buf(P.ASlot, ElemType::Float32), Y = K.buf(P.YSlot, ElemType::Float32);
    Buf Bm = P.BK == GemmProblem::BKind::Packed ? K.buf(P.BSlot, ElemType::Float32) : K.scratch(ElemType::Float32);
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
    } else {
      BBase = B.CreateSub(J0, N0);
      Ldb = c(NCPad);
    }
    Value *YBase = B.CreateAdd(off(P.YOff), B.CreateAdd(B.CreateMul(I0, c(P.Ldc)), J0));
    Function *F = microKernel(K.E, Bl, Rows, Lanes, P.APacked);
    B.CreateCall(F, {B.CreateInBoundsGEP(K.E.F32, A.Ptr, ABase), c(P.ARS), c(P.ACS),
                     B.CreateInBoundsGEP(K.E.F32, Bm.Ptr, BBase), Ldb, B.CreateInBoundsGEP(K.E.F32, Y.Ptr, YBase),
                     c(P.Ldc), KLen, First});
  }

  /// Applies the epilogue to the finished block rows [M0, M0 + MLen) x columns [N0, N0 + NLen) of Y.
  void epilogueBlock(Value *M0, Value *MLen, Value *N0, Value *NLen) {
    if (P.Ep.empty())
      return;
    auto &B = b();
    Buf Y = K.buf(P.YSlot, ElemType::Float32);
    Type *F32 = K.E.F32;
    K.loop(c(0), MLen, [&](Value *Ii) {
      Value *I = B.CreateAdd(M0, Ii);
      Value *Row = B.CreateAdd(off(P.YOff), B.CreateMul(I, c(P.Ldc)));
      K.loop(c(0), NLen, [&](Value *Jj) {
        Value *J = B.CreateAdd(N0, Jj);
        Value *At = B.CreateAdd(Row, J);
        Value *V = K.load(Y, At);
        for (const EpStep &S : P.Ep) {
          Value *Zero = ConstantFP::get(F32, 0.0);
          auto Op = [&](const EpOperand &O) {
            Value *Idx = B.CreateAdd(off(O.Off), B.CreateAdd(B.CreateMul(I, c(O.SM)), B.CreateMul(J, c(O.SN))));
            return K.load(K.buf(O.Slot, ElemType::Float32), Idx);
          };
          switch (S.Kind) {
          case EpKind::Add: {
            Value *O = Op(S.Op);
            V = B.CreateFAdd(V, S.F1 == 1.0f ? O : B.CreateFMul(ConstantFP::get(F32, S.F1), O));
            break;
          }
          case EpKind::Scale:
            V = B.CreateFMul(V, ConstantFP::get(F32, S.F1));
            break;
          case EpKind::Affine:
            V = B.CreateFAdd(B.CreateFMul(V, Op(S.Op)), Op(S.Op2));
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
        }
        K.store(Y, At, V);
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
    K.loop(c(0), c(ceilDiv(P.K, KC)), [&](Value *KB2) {
      Value *Kc0 = B.CreateMul(KB2, c(KC));
      Value *KLen = minv(c(KC), B.CreateSub(c(P.K), Kc0));
      Value *First = B.CreateICmpEQ(KB2, c(0));
      if (P.BK != GemmProblem::BKind::Packed)
        fillB(Kc0, KLen, N0, NLen);
      auto RowPanel = [&](int Rows, Value *I0) {
        K.loop(c(0), FullNP, [&](Value *Np) {
          micro(Rows, Bl.NR, I0, B.CreateAdd(N0, B.CreateMul(Np, c(Bl.NR))), N0, Kc0, KLen, First);
        });
        if (TailLanes)
          K.ifThen(LastNB, [&] {
            micro(Rows, TailLanes, I0, B.CreateAdd(N0, B.CreateMul(FullNP, c(Bl.NR))), N0, Kc0, KLen, First);
          });
      };
      K.loop(c(0), FullMP, [&](Value *Mp) { RowPanel(Bl.MR, B.CreateAdd(M0, B.CreateMul(Mp, c(Bl.MR)))); });
      if (RemRows)
        K.ifThen(LastMB, [&] { RowPanel(RemRows, B.CreateAdd(M0, B.CreateMul(FullMP, c(Bl.MR)))); });
    });
    epilogueBlock(M0, MLen, N0, NLen);
  }
};

} // namespace

Status emitGemm(LowerCtx &C, const GemmProblem &P) {
  if (P.M * P.N * P.B0 * P.B1 == 0)
    return Status::ok();
  if (P.K == 0)
    return noCodegen(C, "empty reduction");
  KB K(C.E, C.kernelName("_gemm"));
  GemmBlocking Bl = gemmBlocking(C.E.T);
  Emitter E{C, P, K, Bl, 0, 0, 0, 0, 0, 0, nullptr, nullptr, FixedVectorType::get(C.E.F32, static_cast<unsigned>(Bl.VW))};
  int64_t NK = ceilDiv(P.K, 256);
  E.KC = ceilDiv(ceilDiv(P.K, NK), 4) * 4;
  // Column blocks keep a KC x NC block of B in L2; enough blocks (and row blocks) give every thread work.
  E.NC = std::min<int64_t>(ceilDiv(P.N, Bl.NR) * Bl.NR, 8 * Bl.NR);
  E.NBlocks = ceilDiv(P.N, E.NC);
  int64_t Tasks = P.B0 * P.B1 * E.NBlocks;
  int64_t MPanels = ceilDiv(P.M, Bl.MR);
  int64_t Want = std::min<int64_t>(MPanels, std::max<int64_t>(1, ceilDiv(16, Tasks)));
  E.MC = ceilDiv(MPanels, Want) * Bl.MR;
  E.MBlocks = ceilDiv(P.M, E.MC);
  E.NCPad = ceilDiv(E.NC, Bl.NR) * Bl.NR;
  size_t Scratch = P.BK == GemmProblem::BKind::Packed ? 0 : static_cast<size_t>(E.KC * E.NCPad) * sizeof(float);
  emitItems(K, [&](Value *Item) { E.body(Item); });
  int64_t Items = Tasks * E.MBlocks;
  double Cost = 2.0 * static_cast<double>(P.M) * static_cast<double>(P.N) * static_cast<double>(P.K) *
                static_cast<double>(P.B0 * P.B1) / static_cast<double>(Items);
  C.add(K.finish(Items, Cost, Scratch));
  return Status::ok();
}

} // namespace npu::host
