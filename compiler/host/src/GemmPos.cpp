// Small-plane f32 convolutions as a GEMM with output positions as the micro-kernel's rows and output channels as
// its vector lanes: a 7x7 or 13x13 plane fills whole register tiles, where columns of NR positions would not.
#include "Gemm.h"
#include "npu/support/Math.h"

namespace npu::host {

using namespace llvm;
using ir::ElemType;

namespace {

/// Positions per register tile at most: Rows x NV accumulators, NV loads of the weights and one broadcast.
int maxTileRows(const GemmBlocking &Bl) { return ((Bl.VW >= 16 ? 32 : 16) - Bl.NV - 1) / Bl.NV; }

/// Positions per chunk of the transposition into Y: their scratch lines (8 KB) stay in L1.
constexpr int64_t ChunkPos = 128;

/// Banded PosShift: bytes of a band's scratch and grid rows of one K block (a quarter of a 1 MB L2: 256 KB
/// bands ran 0-2 % faster than 512 KB or 1 MB ones, which leave fewer tasks).
constexpr int64_t BandBytes = 256 << 10;

/// Positions per register tile: as many as the registers allow, preferring a count that divides the plane so
/// that no tile is short.
int tileRows(int64_t N, const GemmBlocking &Bl) {
  int Max = maxTileRows(Bl);
  for (int R = Max; R > Max / 2; --R)
    if (N % R == 0)
      return R;
  return Max;
}

} // namespace

int posShiftRows(int64_t OW, const GemmBlocking &Bl) {
  int Max = maxTileRows(Bl);
  for (int R = Max; R > Max / 2; --R)
    if (OW % R == 0)
      return R;
  int64_t Whole = OW <= Max ? Max / OW * OW : 0;
  return Whole > Max / 2 ? static_cast<int>(Whole) : 0;
}

Status emitPosRowsGemm(LowerCtx &C, const GemmProblem &P, const std::vector<int> &PadTemps) {
  if (P.M * P.N * P.B0 * P.B1 == 0)
    return Status::ok();
  GemmBlocking Bl = gemmBlocking(C.E.T);
  // The input as A(j, k) = In[k * Ld + j]: in place for a plain 1x1 convolution, the padded grid shifted per tap
  // (PosShift), else an im2col temporary.
  int InSlot = P.BSlot;
  BatchOffset InOff = P.BOff;
  int64_t Ld = P.BLd;
  std::vector<int> Temps = PadTemps;
  if (P.BK == GemmProblem::BKind::Im2col && !P.PosShift) {
    Ld = ceilDiv(P.N, Bl.NR) * Bl.NR + 16; // the helper zero-fills to the panel edge; no power-of-two rows
    InSlot = emitIm2colTemp(C, P, Ld);
    InOff = {0, P.B1 * P.K * Ld, P.K * Ld};
    Temps = {InSlot};
  }
  int Rows = P.PosShift ? P.PosShift : tileRows(P.N, Bl);
  int64_t FullTiles = P.N / Rows, RemRows = P.N % Rows;
  int64_t Panels = ceilDiv(P.M, Bl.NR), TailLanes = P.M % Bl.NR;
  // PosShift blocks K by channels, every tap of a block in one micro-kernel call (as the Shifted column path).
  int64_t Cg = P.PosShift ? P.K / P.Taps : P.K;
  int64_t KC = P.PosShift ? ceilDiv(Cg, ceilDiv(Cg, 64)) : ceilDiv(P.K, ceilDiv(P.K, 256));
  // Channel blocks as tasks: about 8 per image and group (threads balance), each a scratch block of its
  // positions x channels, indexed by the position from the task's first.
  int64_t PerTask = std::max<int64_t>(1, ceilDiv(Panels, std::max<int64_t>(1, ceilDiv(8, P.B0 * P.B1))));
  int64_t Blocks = ceilDiv(Panels, PerTask);
  // Few channel blocks (a 1x1 squeeze to 16 channels is one): the plane's tiles are split among tasks as well.
  int64_t Tiles = ceilDiv(P.N, Rows);
  int64_t TilesPer = ceilDiv(Tiles, std::min(Tiles, std::max<int64_t>(1, ceilDiv(4, P.B0 * P.B1 * Blocks))));
  if (P.Banded) {
    // Large planes: a task is a band of output rows and up to 8 weight panels, sized so that the band's scratch
    // and the grid rows of one K block stay in L2 while every panel of the block reads them.
    PerTask = std::min<int64_t>(Panels, 8);
    Blocks = ceilDiv(Panels, PerTask);
    int64_t RowBytes = (P.OWv * (PerTask * Bl.NR + 16) + KC * P.Wp) * 4, Halo = (P.Taps / P.KW - 1) * P.DH;
    int64_t Band = std::max<int64_t>(1, (BandBytes - Halo * KC * P.Wp * 4) / RowBytes), OH = P.N / P.OWv;
    // Equal bands, a multiple of 8 tasks where a band that fits allows it: the executor deals out chunks of an
    // eighth of the items on 2 threads, and 19 bands of 56 rows left one thread a chunk behind (1.7 ms of 18).
    for (int64_t Bd = Band; Bd >= 1; --Bd)
      if (OH % Bd == 0 && OH / Bd * Blocks % 8 == 0) {
        Band = Bd;
        break;
      }
    TilesPer = Band * (P.OWv / Rows);
  }
  int64_t PosBlocks = ceilDiv(Tiles, TilesPer);
  int64_t Ldc = PerTask * Bl.NR + 16;
  int64_t WPanel = P.K * Bl.NR; // floats per packed weight panel
  Value *Shifts = ConstantPointerNull::get(cast<PointerType>(C.E.Ptr));
  if (P.PosShift) {
    std::vector<int64_t> Table;
    for (int64_t T = 0; T < P.Taps; ++T)
      Table.push_back((T / P.KW) * P.DH * P.Wp + (T % P.KW) * P.DW);
    Shifts = C.E.constI64s(Table);
  }

  KB K(C.E, C.kernelName("_gemm"));
  auto &B = K.B;
  auto c = [&](int64_t V) { return K.c64(V); };
  Buf A = K.buf(P.ASlot, ElemType::Float32), In = K.buf(InSlot, ElemType::Float32);
  Buf S = K.scratch(ElemType::Float32);
  emitItems(K, [&](Value *Item) {
    // Banded: the channel blocks of a band are adjacent items, so that two threads share the band's grid in L3.
    Value *Pb = B.CreateURem(Item, c(PosBlocks)), *T = B.CreateUDiv(Item, c(PosBlocks));
    Value *Mb = B.CreateURem(T, c(Blocks));
    if (P.Banded) {
      Mb = B.CreateURem(Item, c(Blocks));
      Pb = B.CreateURem(B.CreateUDiv(Item, c(Blocks)), c(PosBlocks));
    }
    T = B.CreateUDiv(T, c(Blocks));
    Value *T0 = B.CreateMul(Pb, c(TilesPer)), *T1 = B.CreateAdd(T0, c(TilesPer));
    T1 = B.CreateSelect(B.CreateICmpSLT(c(FullTiles), T1), c(FullTiles), T1); // full tiles [T0, T1)
    Value *J0 = B.CreateMul(T0, c(Rows)), *JS = J0, *J1 = B.CreateMul(B.CreateAdd(T0, c(TilesPer)), c(Rows));
    J1 = B.CreateSelect(B.CreateICmpSLT(c(P.N), J1), c(P.N), J1);
    Value *LastPb = B.CreateICmpEQ(Pb, c(PosBlocks - 1));
    Value *B1 = B.CreateURem(T, c(P.B1)), *B0 = B.CreateUDiv(T, c(P.B1));
    auto Off = [&](const BatchOffset &O) {
      return B.CreateAdd(c(O.Base), B.CreateAdd(B.CreateMul(B0, c(O.S0)), B.CreateMul(B1, c(O.S1))));
    };
    Value *P0 = B.CreateMul(Mb, c(PerTask));
    Value *PEnd = B.CreateSelect(B.CreateICmpSLT(c(Panels), B.CreateAdd(P0, c(PerTask))), c(Panels),
                                 B.CreateAdd(P0, c(PerTask)));
    Value *InBase = Off(InOff), *ABase = Off(P.AOff);
    K.loop(c(0), c(ceilDiv(Cg, KC)), [&](Value *Kb) {
      Value *K0 = B.CreateMul(Kb, c(KC));
      Value *KLen = B.CreateSub(c(Cg), K0);
      KLen = B.CreateSelect(B.CreateICmpSLT(KLen, c(KC)), KLen, c(KC));
      Value *First = B.CreateICmpEQ(Kb, c(0));
      // One panel of weights (KC x NR, in L1) against every position tile of the plane.
      auto Panel = [&](int Lanes, Value *Pn) {
        Value *W = B.CreateInBoundsGEP(C.E.F32, A.Ptr,
                                       B.CreateAdd(ABase, B.CreateAdd(B.CreateMul(Pn, c(WPanel)), B.CreateMul(K0, c(Bl.NR)))));
        Value *Col = B.CreateMul(B.CreateSub(Pn, P0), c(Bl.NR));
        auto Tile = [&](int R, Value *J0) {
          // PosShift: position J0 of the output is at (J0 / OW) * Wp + J0 % OW of the padded grid.
          Value *At = P.PosShift
                          ? B.CreateAdd(B.CreateMul(B.CreateUDiv(J0, c(P.OWv)), c(P.Wp)), B.CreateURem(J0, c(P.OWv)))
                          : J0;
          Value *Av =
              B.CreateInBoundsGEP(C.E.F32, In.Ptr, B.CreateAdd(InBase, B.CreateAdd(B.CreateMul(K0, c(Ld)), At)));
          Value *Cv = B.CreateInBoundsGEP(C.E.F32, S.Ptr, B.CreateAdd(B.CreateMul(B.CreateSub(J0, JS), c(Ldc)), Col));
          int RowLen = static_cast<int>(std::min<int64_t>(P.OWv, Rows));
          int64_t Gap = RowLen < Rows ? P.Wp - P.OWv : 0;
          B.CreateCall(microKernel(C.E, Bl, R, Lanes, false, true, false, P.PosShift ? RowLen : 0, Gap),
                       {Av, c(1), c(Ld), W, c(Bl.NR), Cv, c(Ldc), KLen, First, c(P.PosShift ? P.Taps : 1),
                        c(P.PosShift ? Cg * Bl.NR : 0), Shifts});
        };
        K.loop(T0, T1, [&](Value *Tl) { Tile(Rows, B.CreateMul(Tl, c(Rows))); });
        if (RemRows) // the short tile is the plane's last
          K.ifThen(LastPb, [&] { Tile(static_cast<int>(RemRows), c(FullTiles * Rows)); });
      };
      if (TailLanes) {
        Value *FullEnd = B.CreateSelect(B.CreateICmpEQ(PEnd, c(Panels)), c(Panels - 1), PEnd);
        K.loop(P0, FullEnd, [&](Value *Pn) { Panel(Bl.NR, Pn); });
        K.ifThen(B.CreateICmpEQ(PEnd, c(Panels)), [&] { Panel(static_cast<int>(TailLanes), c(Panels - 1)); });
      } else {
        K.loop(P0, PEnd, [&](Value *Pn) { Panel(Bl.NR, Pn); });
      }
    });
    // The block, positions x channels in scratch, transposed into Y's channel rows with the epilogue on the way
    // (Y written once), in chunks of positions whose scratch lines stay in L1 while every channel reads them.
    Value *M0 = B.CreateMul(P0, c(Bl.NR));
    Value *MEnd = B.CreateMul(PEnd, c(Bl.NR));
    MEnd = B.CreateSelect(B.CreateICmpSLT(c(P.M), MEnd), c(P.M), MEnd);
    K.loop(c(0), B.CreateUDiv(B.CreateAdd(B.CreateSub(J1, J0), c(ChunkPos - 1)), c(ChunkPos)), [&](Value *Q) {
      Value *Jc = B.CreateAdd(J0, B.CreateMul(Q, c(ChunkPos))), *JcEnd = B.CreateAdd(Jc, c(ChunkPos));
      JcEnd = B.CreateSelect(B.CreateICmpSLT(J1, JcEnd), J1, JcEnd);
      K.loop(M0, MEnd, [&](Value *I) {
        Value *Ch = B.CreateSub(I, M0);
        emitEpilogueRow(K, P, B0, B1, I, Jc, JcEnd, [&](Value *J) {
          return K.load(S, B.CreateAdd(B.CreateMul(B.CreateSub(J, J0), c(Ldc)), Ch));
        });
      });
    });
  });
  int64_t Items = P.B0 * P.B1 * Blocks * PosBlocks;
  double Cost = 2.0 * static_cast<double>(P.M * P.N * P.K) * static_cast<double>(P.B0 * P.B1) /
                static_cast<double>(Items);
  KernelOut O = K.finish(Items, Cost, static_cast<size_t>(std::min(P.N, TilesPer * Rows) * Ldc) * sizeof(float));
  O.TempSlots = Temps;
  C.add(O);
  return Status::ok();
}

} // namespace npu::host
