// Int8 npu.QConv / npu.QMatMul on the CPU: a packed GEMM on vpdpbusd (AVX-512 VNNI or AVX-VNNI), or the same
// blocking with a portable widening multiply-add, bit-exact with the reference kernels (docs/quantization.md).
#include "Lower.h"
#include "npu/compiler/ops/OpHelpers.h"
#include "npu/support/Math.h"

#include <llvm/Analysis/VectorUtils.h>
#include <llvm/IR/IntrinsicsX86.h>

namespace npu::host {

using namespace llvm;
using ir::ElemType;
using ir::Shape;

namespace {

/// One int8 problem in convolution terms: X is read at XS (strides of n, channel, row, column) and Y written at
/// YS (n, output channel, row, column). npu.QMatMul is a 1x1 convolution over one row of Rows positions with the
/// channel stride 1 (X [Rows, K], Y [Rows, Cols]).
struct QProblem {
  int64_t N = 1, G = 1, Cg = 0, Mg = 0, H = 1, W = 1, KH = 1, KW = 1, SH = 1, SW = 1, DH = 1, DW = 1, PT = 0,
          PL = 0, OH = 1, OW = 1;
  int64_t XS[4] = {}, YS[4] = {};
  int64_t XZp = 0;
  bool Raw = false; ///< no multiplier: Y is the int32 accumulator
  std::vector<int64_t> Mult; ///< one per output channel
  int64_t Shift = 1, YZp = 0, Lo = -128, Hi = 127;
  std::vector<int32_t> Bias; ///< one per output channel (zeros without a bias)
  std::function<int8_t(int64_t O, int64_t C, int64_t Ky, int64_t Kx)> Wt;
};

/// The SIMD shape: VL int32 lanes per vector, NV vectors of output channels, R positions per register block;
/// Vnni: the vpdpbusd intrinsic of that width exists on this CPU.
struct QBlocking {
  int VL, NV, R;
  bool Vnni;
};

QBlocking qBlocking(const TargetInfo &T, int64_t Mg) {
  auto Has = [&](const char *F) { return T.Features.find(std::string("+") + F) != std::string::npos; };
  QBlocking Bl;
  Bl.VL = std::max(4, T.VectorBits / 32);
  Bl.Vnni = (Bl.VL == 16 && Has("avx512vnni")) || (Bl.VL == 8 && (Has("avxvnni") || (Has("avx512vnni") && Has("avx512vl"))));
  Bl.NV = Mg > Bl.VL ? 2 : 1;
  // Accumulators R x NV plus NV weight vectors and one broadcast fit the register file (32 or 16 vectors).
  Bl.R = Bl.VL >= 16 ? (Bl.NV == 2 ? 12 : 24) : (Bl.NV == 2 ? 6 : 12);
  return Bl;
}

/// acc + sum over each lane's 4 byte pairs of unsigned A times signed B (vpdpbusd, without saturation).
Value *dotBytes(KB &K, const QBlocking &Bl, Value *Acc, Value *A, Value *Bw) {
  auto &B = K.B;
  if (Bl.Vnni)
    return B.CreateIntrinsic(Bl.VL == 16 ? Intrinsic::x86_avx512_vpdpbusd_512 : Intrinsic::x86_avx512_vpdpbusd_256, {},
                             {Acc, A, Bw});
  // Portable: widen the bytes to i32, multiply, add the four products of each lane.
  unsigned N = static_cast<unsigned>(Bl.VL) * 4;
  auto *BT = FixedVectorType::get(K.E.I8, N), *WT = FixedVectorType::get(K.E.I32, N);
  Value *P = B.CreateMul(B.CreateZExt(B.CreateBitCast(A, BT), WT), B.CreateSExt(B.CreateBitCast(Bw, BT), WT));
  for (int T = 0; T < 4; ++T) {
    SmallVector<int, 16> Mask;
    for (int L = 0; L < Bl.VL; ++L)
      Mask.push_back(L * 4 + T);
    Acc = B.CreateAdd(Acc, B.CreateShuffleVector(P, Mask));
  }
  return Acc;
}

struct QEmitter {
  LowerCtx &C;
  const QProblem &P;
  QBlocking Bl;
  int64_t Cgp, Hp, Wp, MB, Taps;
  int XSlot, YSlot, TSlot, WSlot, CorrSlot, MultSlot;

  int64_t lanes() const { return int64_t(Bl.NV) * Bl.VL; }

  /// The constants: weights packed [g][mb][tap][c/4][NV*VL lanes][4] (zero past Mg and Cg), per channel the
  /// correction bias - (128 + x_zp) * sum of its weights (the u8 operand is x + 128 and padding holds x_zp), and
  /// the multipliers.
  void pack() {
    const int64_t Mgp = MB * lanes(), Cq = Cgp / 4;
    WSlot = C.P.addRawSlot(static_cast<size_t>(P.G * Mgp * Taps * Cgp) / 4);
    int8_t *Wd = reinterpret_cast<int8_t *>(C.P.rawData(WSlot));
    CorrSlot = C.P.addRawSlot(static_cast<size_t>(P.G * Mgp));
    int32_t *Corr = reinterpret_cast<int32_t *>(C.P.rawData(CorrSlot));
    MultSlot = C.P.addRawSlot(static_cast<size_t>(P.G * Mgp) * 2);
    int64_t *Mul = reinterpret_cast<int64_t *>(C.P.rawData(MultSlot));
    for (int64_t G = 0; G < P.G; ++G)
      for (int64_t O = 0; O < P.Mg; ++O) {
        const int64_t Oo = G * P.Mg + O, Mb = O / lanes(), L = O % lanes();
        int64_t Sum = 0;
        for (int64_t T = 0; T < Taps; ++T)
          for (int64_t Ci = 0; Ci < P.Cg; ++Ci) {
            int8_t V = P.Wt(Oo, Ci, T / P.KW, T % P.KW);
            Sum += V;
            Wd[((((G * MB + Mb) * Taps + T) * Cq + Ci / 4) * lanes() + L) * 4 + Ci % 4] = V;
          }
        Corr[G * Mgp + O] = static_cast<int32_t>(static_cast<uint32_t>(P.Bias[size_t(Oo)]) -
                                                 static_cast<uint32_t>((128 + P.XZp) * Sum));
        Mul[G * Mgp + O] = P.Raw ? 0 : P.Mult[size_t(Oo)];
      }
  }

  Value *gep(KB &K, const Buf &Bf, Type *T, Value *I) { return K.B.CreateInBoundsGEP(T, Bf.Ptr, I); }

  /// 16 channels x 16 columns of one input row (channel C0 + c at Src + c * XS[1] + W0 + w) transposed into the
  /// grid row at Dst: 16 vector loads, one byte shuffle, 16 vector stores.
  void transpose16(KB &K, const Buf &X, const Buf &T, Value *Src, Value *Dst, Value *C0, Value *W0) {
    auto &B = K.B;
    auto *V16 = FixedVectorType::get(K.E.I8, 16);
    std::vector<Value *> Rows;
    for (int C = 0; C < 16; ++C) {
      Value *At = B.CreateAdd(Src, B.CreateAdd(B.CreateMul(B.CreateAdd(C0, K.c64(C)), K.c64(P.XS[1])), W0));
      LoadInst *L = B.CreateAlignedLoad(V16, gep(K, X, K.E.I8, At), Align(1));
      K.tag(L, X.Slot);
      Rows.push_back(L);
    }
    Value *All = B.CreateXor(concatenateVectors(B, Rows), ConstantInt::get(FixedVectorType::get(K.E.I8, 256), 0x80));
    SmallVector<int, 256> Mask;
    for (int W = 0; W < 16; ++W)
      for (int C = 0; C < 16; ++C)
        Mask.push_back(C * 16 + W);
    Value *Tr = B.CreateShuffleVector(All, Mask);
    for (int W = 0; W < 16; ++W) {
      SmallVector<int, 16> Part;
      for (int C = 0; C < 16; ++C)
        Part.push_back(W * 16 + C);
      Value *At = B.CreateAdd(Dst, B.CreateAdd(B.CreateMul(B.CreateAdd(W0, K.c64(P.PL + W)), K.c64(Cgp)), C0));
      K.tag(B.CreateAlignedStore(B.CreateShuffleVector(Tr, Part), gep(K, T, K.E.I8, At), Align(1)), T.Slot);
    }
  }

  /// Kernel 1: X as u8 (x + 128) into the padded channels-last grid [n][g][Hp][Wp][Cgp], x_zp in the border.
  /// Bytes of the channels past Cg stay unwritten: their weights are zero. No branch in the copy loops: the
  /// inner loop walks the source's contiguous dimension (columns for convolutions, channels for matrices), and
  /// convolutions move whole 16 x 16 byte blocks through a transpose.
  void emitTransform() {
    KB K(C.E, C.kernelName("_q8in"));
    auto &B = K.B;
    Buf X = K.buf(XSlot, ElemType::Int8), T = K.buf(TSlot, ElemType::Int8);
    Value *Border = B.getInt8(static_cast<uint8_t>(P.XZp ^ 0x80));
    emitItems(K, [&](Value *Item) { // (n, g, padded row)
      Value *Ng = B.CreateUDiv(Item, K.c64(Hp)), *Ih = B.CreateSub(B.CreateURem(Item, K.c64(Hp)), K.c64(P.PT));
      Value *Nn = B.CreateUDiv(Ng, K.c64(P.G)), *Gg = B.CreateURem(Ng, K.c64(P.G));
      Value *Dst = B.CreateMul(Item, K.c64(Wp * Cgp));
      auto Fill = [&](int64_t From, int64_t To) {
        K.loop(K.c64(From), K.c64(To), [&](Value *J) { K.tag(B.CreateStore(Border, gep(K, T, K.E.I8, B.CreateAdd(Dst, J))), T.Slot); });
      };
      K.ifThenElse(
          B.CreateICmpULT(Ih, K.c64(P.H)),
          [&] {
            Fill(0, P.PL * Cgp);
            Fill((P.PL + P.W) * Cgp, Wp * Cgp);
            Value *Src = B.CreateAdd(B.CreateMul(Nn, K.c64(P.XS[0])),
                                     B.CreateAdd(B.CreateMul(Gg, K.c64(P.Cg * P.XS[1])), B.CreateMul(Ih, K.c64(P.XS[2]))));
            auto Copy = [&](Value *Ci, Value *Iw) {
              Value *At = B.CreateAdd(Src, B.CreateAdd(B.CreateMul(Ci, K.c64(P.XS[1])), B.CreateMul(Iw, K.c64(P.XS[3]))));
              LoadInst *L = B.CreateLoad(K.E.I8, gep(K, X, K.E.I8, At));
              K.tag(L, X.Slot);
              Value *D = B.CreateAdd(Dst, B.CreateAdd(B.CreateMul(B.CreateAdd(Iw, K.c64(P.PL)), K.c64(Cgp)), Ci));
              K.tag(B.CreateStore(B.CreateXor(L, B.getInt8(0x80)), gep(K, T, K.E.I8, D)), T.Slot);
            };
            const int64_t CB = P.Cg / 16 * 16, WB = P.W / 16 * 16;
            if (P.XS[1] == 1) {
              K.loop(P.W, [&](Value *Iw) { K.loop(P.Cg, [&](Value *Ci) { Copy(Ci, Iw); }); });
            } else if (P.XS[3] == 1 && CB > 0 && WB > 0) {
              K.loop(CB / 16, [&](Value *Cb) {
                K.loop(WB / 16, [&](Value *Wb) { transpose16(K, X, T, Src, Dst, B.CreateMul(Cb, K.c64(16)), B.CreateMul(Wb, K.c64(16))); });
              });
              K.loop(K.c64(CB), K.c64(P.Cg), [&](Value *Ci) { K.loop(P.W, [&](Value *Iw) { Copy(Ci, Iw); }); });
              K.loop(K.c64(0), K.c64(CB), [&](Value *Ci) { K.loop(K.c64(WB), K.c64(P.W), [&](Value *Iw) { Copy(Ci, Iw); }); });
            } else {
              K.loop(P.Cg, [&](Value *Ci) { K.loop(P.W, [&](Value *Iw) { Copy(Ci, Iw); }); });
            }
          },
          [&] { Fill(0, Wp * Cgp); });
    });
    KernelOut O = K.finish(P.N * P.G * Hp, 2.0 * static_cast<double>(Wp * Cgp));
    O.TempSlots = {TSlot};
    C.add(std::move(O));
  }

  /// acc + corr for the channels CI.. (index into the packed per-channel tables), requantized to <VL x i8>, or
  /// the int32 sums themselves without a multiplier.
  Value *finishVec(KB &K, Value *Acc, Value *CI) {
    auto &B = K.B;
    Buf Corr = K.buf(CorrSlot, ElemType::Int32), Mul = K.buf(MultSlot, ElemType::Int64);
    auto *VI = FixedVectorType::get(K.E.I32, unsigned(Bl.VL)), *VQ = FixedVectorType::get(K.E.I64, unsigned(Bl.VL));
    LoadInst *CL = B.CreateAlignedLoad(VI, gep(K, Corr, K.E.I32, CI), Align(4));
    K.tag(CL, Corr.Slot);
    Value *V = B.CreateAdd(Acc, CL);
    if (P.Raw)
      return V;
    LoadInst *ML = B.CreateAlignedLoad(VQ, gep(K, Mul, K.E.I64, CI), Align(8));
    K.tag(ML, Mul.Slot);
    Value *Q = B.CreateMul(B.CreateSExt(V, VQ), ML);
    Q = B.CreateAShr(B.CreateAdd(Q, ConstantInt::get(VQ, uint64_t(1) << (P.Shift - 1))), ConstantInt::get(VQ, P.Shift));
    Q = B.CreateAdd(Q, ConstantInt::get(VQ, uint64_t(P.YZp)));
    auto Clamp = [&](Value *X, int64_t L, int64_t H) {
      Value *LV = ConstantInt::get(VQ, uint64_t(L)), *HV = ConstantInt::get(VQ, uint64_t(H));
      X = B.CreateSelect(B.CreateICmpSLT(X, LV), LV, X);
      return B.CreateSelect(B.CreateICmpSGT(X, HV), HV, X);
    };
    return B.CreateTrunc(Clamp(Clamp(Q, -128, 127), P.Lo, P.Hi), FixedVectorType::get(K.E.I8, unsigned(Bl.VL)));
  }

  /// Runs Store (for channel O0 + L of the group) unless that channel is padding.
  void ifChannel(KB &K, Value *O, const std::function<void()> &Store) {
    if (P.Mg % lanes() == 0)
      Store();
    else
      K.ifThen(K.B.CreateICmpULT(O, K.c64(P.Mg)), Store);
  }

  /// Stores the results Outs[r] (position X0 + r, channels O0.. of the group) at Y: convolutions transpose the
  /// Rows x VL tile so each channel's Rows bytes go out as one store; matrix products store each position's
  /// channels as one vector; int32 results go lane by lane.
  void storeTile(KB &K, const std::vector<Value *> &Outs, Value *YPos0, Value *O0) {
    auto &B = K.B;
    Buf Y = K.buf(YSlot, P.Raw ? ElemType::Int32 : ElemType::Int8);
    const int Rows = int(Outs.size());
    if (!P.Raw && P.YS[3] == 1) {
      Value *All = Rows == 1 ? Outs[0] : concatenateVectors(B, Outs);
      SmallVector<int, 256> Mask;
      for (int O = 0; O < Bl.VL; ++O)
        for (int R = 0; R < Rows; ++R)
          Mask.push_back(R * Bl.VL + O);
      Value *T = B.CreateShuffleVector(All, Mask);
      for (int O = 0; O < Bl.VL; ++O) {
        Value *Oc = B.CreateAdd(O0, K.c64(O));
        ifChannel(K, Oc, [&] {
          SmallVector<int, 32> Part;
          for (int R = 0; R < Rows; ++R)
            Part.push_back(O * Rows + R);
          Value *At = B.CreateAdd(YPos0, B.CreateMul(Oc, K.c64(P.YS[1])));
          K.tag(B.CreateAlignedStore(B.CreateShuffleVector(T, Part), gep(K, Y, K.E.I8, At), Align(1)), Y.Slot);
        });
      }
      return;
    }
    Type *ET = P.Raw ? K.E.I32 : K.E.I8;
    for (int R = 0; R < Rows; ++R) {
      Value *Base = B.CreateAdd(YPos0, K.c64(R * P.YS[3]));
      if (!P.Raw && P.YS[1] == 1 && P.Mg % lanes() == 0) {
        K.tag(B.CreateAlignedStore(Outs[size_t(R)], gep(K, Y, ET, B.CreateAdd(Base, O0)), Align(1)), Y.Slot);
        continue;
      }
      for (int L = 0; L < Bl.VL; ++L) {
        Value *Oc = B.CreateAdd(O0, K.c64(L));
        ifChannel(K, Oc, [&] {
          Value *At = B.CreateAdd(Base, B.CreateMul(Oc, K.c64(P.YS[1])));
          K.tag(B.CreateStore(B.CreateExtractElement(Outs[size_t(R)], uint64_t(L)), gep(K, Y, ET, At)), Y.Slot);
        });
      }
    }
  }

  /// Rows positions from output column X0 of row Oy, all channels of output block Mb.
  void micro(KB &K, int Rows, Value *Ng, Value *Gg, Value *Nn, Value *Oy, Value *X0, Value *Mb) {
    auto &B = K.B;
    Buf T = K.buf(TSlot, ElemType::Int8), Wb = K.buf(WSlot, ElemType::Int8);
    auto *VI = FixedVectorType::get(K.E.I32, unsigned(Bl.VL));
    std::vector<AllocaInst *> Acc;
    for (int I = 0; I < Rows * Bl.NV; ++I)
      Acc.push_back(K.var(VI, Constant::getNullValue(VI)));
    Value *Plane = B.CreateMul(Ng, K.c64(Hp * Wp * Cgp));
    std::vector<Value *> XB;
    for (int R = 0; R < Rows; ++R) {
      Value *Col = B.CreateMul(B.CreateAdd(X0, K.c64(R)), K.c64(P.SW));
      XB.push_back(B.CreateAdd(Plane, B.CreateMul(B.CreateAdd(B.CreateMul(B.CreateMul(Oy, K.c64(P.SH)), K.c64(Wp)), Col),
                                                  K.c64(Cgp))));
    }
    const int64_t Cq = Cgp / 4, Step = lanes() * 4;
    Value *WBase = B.CreateMul(B.CreateAdd(B.CreateMul(Gg, K.c64(MB)), Mb), K.c64(Taps * Cq * Step));
    K.loop(P.KH, [&](Value *Ky) {
      K.loop(P.KW, [&](Value *Kx) {
        Value *TapOff = B.CreateMul(B.CreateAdd(B.CreateMul(Ky, K.c64(P.DH * Wp)), B.CreateMul(Kx, K.c64(P.DW))), K.c64(Cgp));
        Value *WT = B.CreateAdd(WBase, B.CreateMul(B.CreateAdd(B.CreateMul(Ky, K.c64(P.KW)), Kx), K.c64(Cq * Step)));
        K.loop(Cq, [&](Value *Q) {
          Value *WQ = B.CreateAdd(WT, B.CreateMul(Q, K.c64(Step)));
          std::vector<Value *> Wv;
          for (int V = 0; V < Bl.NV; ++V) {
            LoadInst *L = B.CreateAlignedLoad(VI, gep(K, Wb, K.E.I8, B.CreateAdd(WQ, K.c64(V * Bl.VL * 4))), Align(Bl.VL * 4));
            K.tag(L, Wb.Slot);
            Wv.push_back(L);
          }
          Value *XQ = B.CreateAdd(TapOff, B.CreateMul(Q, K.c64(4)));
          for (int R = 0; R < Rows; ++R) {
            LoadInst *L = B.CreateAlignedLoad(K.E.I32, gep(K, T, K.E.I8, B.CreateAdd(XB[size_t(R)], XQ)), Align(4));
            K.tag(L, T.Slot);
            Value *A = B.CreateVectorSplat(unsigned(Bl.VL), L);
            for (int V = 0; V < Bl.NV; ++V) {
              AllocaInst *X = Acc[size_t(R * Bl.NV + V)];
              K.set(X, dotBytes(K, Bl, K.get(X), A, Wv[size_t(V)]));
            }
          }
        });
      });
    });
    Value *ChanBase = B.CreateMul(B.CreateAdd(B.CreateMul(Gg, K.c64(MB)), Mb), K.c64(lanes()));
    Value *YPos0 = B.CreateAdd(B.CreateAdd(B.CreateMul(Nn, K.c64(P.YS[0])), B.CreateMul(Gg, K.c64(P.Mg * P.YS[1]))),
                               B.CreateAdd(B.CreateMul(Oy, K.c64(P.YS[2])), B.CreateMul(X0, K.c64(P.YS[3]))));
    for (int V = 0; V < Bl.NV; ++V) {
      std::vector<Value *> Outs;
      for (int R = 0; R < Rows; ++R)
        Outs.push_back(finishVec(K, K.get(Acc[size_t(R * Bl.NV + V)]), B.CreateAdd(ChanBase, K.c64(V * Bl.VL))));
      storeTile(K, Outs, YPos0, B.CreateAdd(B.CreateMul(Mb, K.c64(lanes())), K.c64(V * Bl.VL)));
    }
  }

  /// Kernel 2: one task per (n, g, output row, column chunk, channel block): the block's channels over the
  /// chunk's positions, R at a time; the last block of a chunk moves back to end at the chunk's end (it
  /// recomputes a few outputs). Channel blocks as tasks keep many small tasks even for 7x7 outputs, so a
  /// thread that loses its core on a busy machine holds up little.
  void emitGemm() {
    KB K(C.E, C.kernelName("_q8gemm"));
    auto &B = K.B;
    const int Rows = static_cast<int>(std::min<int64_t>(Bl.R, P.OW));
    // Chunks of whole register blocks; enough of them for the threads when there are few output rows.
    int64_t ChunkW = P.OW;
    if (P.N * P.G * P.OH < 8)
      ChunkW = std::max<int64_t>(Rows, ceilDiv(ceilDiv(P.OW, 8), Rows) * Rows);
    const int64_t Chunks = std::max<int64_t>(1, P.OW / ChunkW);
    emitItems(K, [&](Value *Item) {
      Value *Mb = B.CreateURem(Item, K.c64(MB));
      Item = B.CreateUDiv(Item, K.c64(MB));
      Value *Ch = B.CreateURem(Item, K.c64(Chunks)), *Rest = B.CreateUDiv(Item, K.c64(Chunks));
      Value *Oy = B.CreateURem(Rest, K.c64(P.OH)), *Ng = B.CreateUDiv(Rest, K.c64(P.OH));
      Value *Nn = B.CreateUDiv(Ng, K.c64(P.G)), *Gg = B.CreateURem(Ng, K.c64(P.G));
      Value *X0 = B.CreateMul(Ch, K.c64(ChunkW));
      Value *XEnd = B.CreateSelect(B.CreateICmpEQ(Ch, K.c64(Chunks - 1)), K.c64(P.OW), B.CreateAdd(X0, K.c64(ChunkW)));
      AllocaInst *Xs = K.var(K.E.I64, X0);
      K.loop(K.c64(0), B.CreateUDiv(B.CreateAdd(B.CreateSub(XEnd, X0), K.c64(Rows - 1)), K.c64(Rows)), [&](Value *) {
        Value *S = K.get(Xs), *Last = B.CreateSub(XEnd, K.c64(Rows));
        Value *At = B.CreateSelect(B.CreateICmpSGT(S, Last), Last, S);
        micro(K, Rows, Ng, Gg, Nn, Oy, At, Mb);
        K.set(Xs, B.CreateAdd(S, K.c64(Rows)));
      });
    });
    const double Cost = 2.0 * double(lanes() * Taps * Cgp) * double(ChunkW);
    KernelOut O = K.finish(P.N * P.G * P.OH * Chunks * MB, Cost);
    O.TempSlots = {TSlot};
    C.add(std::move(O));
  }

  Status run() {
    Cgp = ceilDiv(P.Cg, 4) * 4;
    Taps = P.KH * P.KW;
    MB = ceilDiv(P.Mg, lanes());
    Hp = std::max(P.H + P.PT, (P.OH - 1) * P.SH + (P.KH - 1) * P.DH + 1);
    Wp = std::max(P.W + P.PL, (P.OW - 1) * P.SW + (P.KW - 1) * P.DW + 1);
    TSlot = C.P.addTempSlot(static_cast<size_t>(P.N * P.G * Hp * Wp * Cgp));
    pack();
    emitTransform();
    emitGemm();
    return Status::ok();
  }
};

/// The requantization and bias of an npu.QConv / npu.QMatMul with O output channels; an error for the forms
/// this generator leaves to the reference (int16 data, blocked layout, non-constant weights).
Status fillCommon(LowerCtx &C, QProblem &P, int64_t O) {
  const ir::Node &N = C.node();
  if (C.E.T.Gpu)
    return noCodegen(C, "int8 GEMM is CPU only");
  if (N.getString("layout", "plain") != "plain")
    return noCodegen(C, "blocked layout");
  if (C.elem(N.Inputs[0]) != ElemType::Int8 || C.elem(N.Inputs[1]) != ElemType::Int8 || !C.known(N.Inputs[1]))
    return noCodegen(C, "needs int8 data and constant int8 weights");
  ElemType YE = C.elem(N.Outputs[0]);
  P.Raw = !N.findAttr("multiplier");
  if (P.Raw ? YE != ElemType::Int32 : YE != ElemType::Int8)
    return noCodegen(C, "output type");
  P.XZp = N.getInt("x_zero_point", 0);
  if (P.XZp < -128 || P.XZp > 127)
    return noCodegen(C, "x_zero_point outside int8");
  if (!P.Raw) {
    const ir::Attribute *A = N.findAttr("multiplier");
    std::vector<int64_t> M = A->kind() == ir::AttrKind::Ints ? std::get<std::vector<int64_t>>(A->Val)
                                                              : std::vector<int64_t>{std::get<int64_t>(A->Val)};
    if (M.size() != 1 && int64_t(M.size()) != O)
      return noCodegen(C, "multiplier count");
    P.Mult.assign(size_t(O), M[0]);
    if (M.size() > 1)
      P.Mult = M;
    P.Shift = N.getInt("shift", 1);
    if (P.Shift < 1 || P.Shift > 62)
      return noCodegen(C, "shift outside 1..62");
    P.YZp = N.getInt("y_zero_point", 0);
    P.Lo = N.getInt("act_min", -128);
    P.Hi = N.getInt("act_max", 127);
  }
  P.Bias.assign(size_t(O), 0);
  if (N.hasInput(2)) {
    const ir::Tensor *Bt = C.known(N.Inputs[2]);
    if (!Bt || Bt->elemType() != ElemType::Int32 || Bt->numElements() != O)
      return noCodegen(C, "bias must be a constant int32 vector");
    for (int64_t I = 0; I < O; ++I)
      P.Bias[size_t(I)] = Bt->data<int32_t>()[I];
  }
  return Status::ok();
}

Status qconv(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &X = C.dims(N.Inputs[0]), &W = C.dims(N.Inputs[1]);
  if (X.size() != 4 || W.size() != 4)
    return noCodegen(C, "int8 GEMM handles 2-D convolutions");
  QProblem P;
  NPU_TRY(fillCommon(C, P, W[0]));
  auto G = ir::resolveWindow(N, Shape(X.begin() + 2, X.end()), Shape(W.begin() + 2, W.end()), false);
  if (!G)
    return G.error();
  P.N = X[0], P.G = N.getInt("group", 1), P.H = X[2], P.W = X[3];
  if (P.G <= 0 || X[1] % P.G || W[0] % P.G || W[1] != X[1] / P.G)
    return noCodegen(C, "inconsistent group");
  P.Cg = W[1], P.Mg = W[0] / P.G;
  if (P.Cg < 4 || P.Mg < 4)
    return noCodegen(C, "few channels per group (depthwise)");
  P.KH = W[2], P.KW = W[3], P.SH = G->Strides[0], P.SW = G->Strides[1], P.DH = G->Dilations[0],
  P.DW = G->Dilations[1], P.PT = G->PadsBegin[0], P.PL = G->PadsBegin[1], P.OH = G->OutSpatial[0],
  P.OW = G->OutSpatial[1];
  if (P.N * P.OH * P.OW == 0)
    return Status::ok();
  const int64_t HW = P.H * P.W, OHW = P.OH * P.OW;
  P.XS[0] = X[1] * HW, P.XS[1] = HW, P.XS[2] = P.W, P.XS[3] = 1;
  P.YS[0] = W[0] * OHW, P.YS[1] = OHW, P.YS[2] = P.OW, P.YS[3] = 1;
  if (P.KH == 1 && P.KW == 1 && P.SH == 1 && P.SW == 1 && P.PT == 0 && P.PL == 0 && P.OH == P.H && P.OW == P.W) {
    // A plain 1x1 convolution: the image as one row, so register blocks never straddle a row end.
    P.H = P.OH = 1, P.W = P.OW = HW;
    P.XS[2] = P.YS[2] = 0;
  }
  const int8_t *Wd = C.known(N.Inputs[1])->data<int8_t>();
  const int64_t Cg = P.Cg, KH = P.KH, KW = P.KW;
  P.Wt = [=](int64_t O, int64_t Ci, int64_t Ky, int64_t Kx) { return Wd[((O * Cg + Ci) * KH + Ky) * KW + Kx]; };
  QEmitter E{C, P, qBlocking(C.E.T, P.Mg), 0, 0, 0, 0, 0, C.slot(N.Inputs[0]), C.slot(N.Outputs[0]), -1, -1, -1, -1};
  return E.run();
}

Status qmatmul(LowerCtx &C) {
  const ir::Node &N = C.node();
  const Shape &W = C.dims(N.Inputs[1]);
  if (W.size() != 2)
    return noCodegen(C, "int8 GEMM needs 2-D weights");
  QProblem P;
  NPU_TRY(fillCommon(C, P, W[1]));
  const int64_t K = W[0], Cols = W[1];
  if (K < 4 || Cols < 4)
    return noCodegen(C, "tiny matrix");
  const int64_t Rows = ir::shapeNumElements(C.dims(N.Inputs[0])) / K;
  if (Rows == 0)
    return Status::ok();
  P.Cg = K, P.Mg = Cols, P.W = Rows, P.OW = Rows;
  P.XS[0] = Rows * K, P.XS[1] = 1, P.XS[2] = 0, P.XS[3] = K;
  P.YS[0] = Rows * Cols, P.YS[1] = 1, P.YS[2] = 0, P.YS[3] = Cols;
  const int8_t *Wd = C.known(N.Inputs[1])->data<int8_t>();
  P.Wt = [=](int64_t O, int64_t Ci, int64_t, int64_t) { return Wd[Ci * Cols + O]; };
  QEmitter E{C, P, qBlocking(C.E.T, P.Mg), 0, 0, 0, 0, 0, C.slot(N.Inputs[0]), C.slot(N.Outputs[0]), -1, -1, -1, -1};
  return E.run();
}

} // namespace

void addQGemmLowering(LowerTable &T) {
  T["npu.QConv"] = qconv;
  T["npu.QMatMul"] = qmatmul;
}

} // namespace npu::host
