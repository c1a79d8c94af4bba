// Lowering of blocked npu.MaxPool, npu.QAvgPool and npu.QGlobalAvgPool: the int8 or int16 input tile is
// widened into the accumulators by an identity GEMM, its padding is set to the reduction's identity (the type's
// minimum for max, 0 for the zero-point-corrected sum), then the taps are reduced by ALU max/add with the
// strides in the src factors; tiles of output rows, and of columns when one output row does not fit.
#include "DeferredTail.h"
#include "Reblock.h"
#include "Window.h"

#include "npu/backend/CostModel.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/support/Try.h"

#include <optional>
#include "npu/timing/TimingRules.h"

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

namespace {

enum class PoolKind { Max, Avg, GlobalAvg };

PoolKind poolKind(const ir::Node &N) {
  return N.OpType == "npu.MaxPool"    ? PoolKind::Max
         : N.OpType == "npu.QAvgPool" ? PoolKind::Avg
                                      : PoolKind::GlobalAvg;
}

Expected<Window2D> poolWindow(const ir::Graph &G, const ir::Node &N) {
  auto XB = ir::decodeBlocked(G.type(N.Inputs[0]).Dims);
  if (!XB)
    return XB.error();
  if (poolKind(N) != PoolKind::GlobalAvg)
    return window2D(N, XB->Spatial, N.getInts("kernel_shape"), N.getInt("ceil_mode", 0) != 0);
  Window2D W;
  W.KH = XB->Spatial.size() == 2 ? XB->Spatial[0] : 1;
  W.KW = XB->Spatial.back();
  return W;
}

/// A pooling tile: TH output rows x TW output columns, N-way buffered. Its input tile (Sub input rows per
/// position) is in the input buffer N times; the output rows N times in the out buffer and the accumulators,
/// above them the widened input tile once; loop counts in their fields.
struct PoolPlan {
  int64_t TH = 0, TW = 0, N = 1;
};

bool poolFits(const HardwareConfig &C, const Window2D &W, int64_t Sub, const PoolPlan &P) {
  const int64_t In = tileInRows(W, P.TH) * tileInCols(W, P.TW), Out = P.TH * P.TW;
  const int64_t MaxLoop = (int64_t(1) << C.LoopBits) - 1, MaxSize = (int64_t(1) << C.SizeBits) - 1;
  return P.TH >= 1 && P.TH <= W.OH && P.TW >= 1 && P.TW <= W.OW &&
         P.N * In * Sub <= int64_t(C.D.InputDepth) && P.N * Out <= int64_t(C.D.OutputDepth) &&
         P.N * Out + In <= int64_t(C.D.AccDepth) && P.TH <= MaxLoop && P.TW <= MaxLoop &&
         tileInRows(W, P.TH) <= MaxLoop && tileInCols(W, P.TW) <= MaxLoop && Out <= MaxSize &&
         tileInCols(W, P.TW) * Sub <= MaxSize;
}

/// alu.concurrent: accumulator slots that each hold a tile's output rows and its widened input (one
/// interval per slot, so one tile's ALU work can run beside the next tile's widening GEMMs): 3 when they fit
/// (and the out buffer mirrors every slot's output rows), else 0.
int64_t overlapSlots(const HardwareConfig &C, const Window2D &W, const PoolPlan &P) {
  const int64_t In = tileInRows(W, P.TH) * tileInCols(W, P.TW), Out = P.TH * P.TW, NA = std::max<int64_t>(3, P.N);
  return C.AluConcurrent && (NA - 1) * (Out + In) + Out <= int64_t(C.D.OutputDepth) &&
                 NA * (Out + In) <= int64_t(C.D.AccDepth)
             ? NA
             : 0;
}

/// The widest column tile (TW = OW: whole rows) that fits with TH rows and N buffers, or 0.
int64_t widestPoolTile(const HardwareConfig &C, const Window2D &W, int64_t Sub, int64_t TH, int64_t N) {
  for (int64_t TW : tileRowCandidates(W.OW))
    if (poolFits(C, W, Sub, {TH, TW, N}))
      return TW;
  return 0;
}

} // namespace

Status canLowerPool(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (!ir::isBlockedNode(N))
    return makeError("not in the blocked layout");
  NPU_TRY(checkSubRows(C)); // block_out = k x block_in: k input rows per position
  NPU_TRY(checkBlockedAct(G, N.Inputs[0], C, int64_t(C.BlockOut)));
  if (G.type(N.Inputs[0]).rank() < 5)
    return makeError("pooling needs 1 or 2 spatial dims");
  auto W = poolWindow(G, N);
  if (!W)
    return W.error();
  const int64_t MaxStride = int64_t(1) << C.StrideBits;
  const RowTensor X = rowGeometry(G.type(N.Inputs[0]).Dims);
  if (X.W * subRows(C) >= MaxStride || W->OW >= MaxStride)
    return makeError("an image row of ", std::max(X.W, W->OW),
                     " positions exceeds the LOAD/STORE stride field");
  // Tiles of output rows, and of columns when even one whole row does not fit.
  if (!widestPoolTile(C, *W, subRows(C), 1, 1))
    return makeError("one output position's window (", tileInRows(*W, 1), "x", tileInCols(*W, 1),
                     " positions of ", subRows(C), " input rows) does not fit the buffers or loop fields");
  NPU_TRY(tilesLoadable(X, *W, 1, widestPoolTile(C, *W, subRows(C), 1, 1), maxPad(C)));
  // The widest tiles have the most padding: the image's full-width padding, Sub rows per position.
  auto L = inputTile(X, *W, tileInCols(*W, W->OW), -W->PT, tileInRows(*W, 1), maxPad(C));
  if (L && uint64_t(std::max(L->PadL, L->PadR) * subRows(C)) > maxPad(C))
    return makeError("column padding of ", subRows(C),
                     " input rows per position does not fit the LOAD pad fields");
  return L.status();
}

/// Per channel block and row tile: widen, fix the padding, reduce the taps, requantize (averages), store.
Status lowerPool(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerPool(G, N, C));
  const PoolKind Kind = poolKind(N);
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const Window2D W = *poolWindow(G, N);
  // N-way buffered input tiles and output rows; the widened input (compute only) has one region above them.
  const int64_t Sub = subRows(C);
  auto Estimate = [&](const PoolPlan &P) {
    const int64_t TIH = std::min(tileInRows(W, P.TH), X.H), TIW = std::min(tileInCols(W, P.TW), X.W);
    const uint64_t In = uint64_t(tileInRows(W, P.TH) * tileInCols(W, P.TW)), Out = uint64_t(P.TH * P.TW);
    const uint64_t Cb = timing::burstCycles(C);
    TileCost T;
    // A tile narrower than the image is TIH separate runs of DRAM rows: about one more burst each.
    T.Load = transferCycles(C, uint64_t(TIH * TIW) * C.D.OutputRowBytes, 1, false) +
             (TIW < X.W ? uint64_t(TIH - 1) * Cb : 0);
    T.Compute = 2 * timing::gemmLoopCycles(C, In * uint64_t(Sub));
    T.Alu = (uint64_t(W.KH * W.KW) + 3) * timing::aluLoopCycles(C, Out);
    T.AluOverlaps = overlapSlots(C, W, P) > 0 && E.maxBuffers() > 1;
    T.Store =
        transferCycles(C, Out * C.D.OutputRowBytes, 1, true) + (P.TW < W.OW ? uint64_t(P.TH - 1) * Cb : 0);
    T.DramBytes = uint64_t(TIH * TIW) * C.D.OutputRowBytes + Out * C.D.OutputRowBytes;
    const uint64_t Tiles = uint64_t((W.OH + P.TH - 1) / P.TH) * uint64_t((W.OW + P.TW - 1) / P.TW);
    return pipelinedCycles(C, T, uint64_t(X.NOuter * X.COuter) * Tiles, P.N, 0);
  };
  // Per (N, TH) the widest column tile that fits and whose tiles' padding the LOADs can make.
  auto Candidate = [&](int64_t TH, int64_t Nn) -> std::optional<PoolPlan> {
    const PoolPlan P{TH, widestPoolTile(C, W, Sub, TH, Nn), Nn};
    if (!P.TW || !tilesLoadable(X, W, P.TH, P.TW, maxPad(C)))
      return std::nullopt;
    return P;
  };
  PoolPlan T;
  uint64_t Best = UINT64_MAX;
  const LayerSchedule *Forced = E.forcedSchedule();
  if (Forced)
    if (auto P = Candidate(Forced->TileRows, Forced->Buffers))
      T = *P, Best = Estimate(T);
  const bool Search = Best == UINT64_MAX;
  for (int64_t Nn = 1; Search && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t TH : tileRowCandidates(W.OH))
      if (auto P = Candidate(TH, Nn); P && Estimate(*P) < Best)
        Best = Estimate(*P), T = *P;
  if (Best == UINT64_MAX)
    return makeError("no tiling of the pooling fits the on-chip buffers");
  E.recordSchedule({"", T.TH, T.N, 0, Best, Forced != nullptr});
  const int64_t TIH = tileInRows(W, T.TH), TIW = tileInCols(W, T.TW);
  // The widened input tile of the largest size sits above the N output slots; with the ALU/GEMM overlap each
  // of the NA slots holds its output rows, then its widened input, and a tile's ALU work and store are
  // emitted after the next tile's widening GEMMs (software pipelining by one tile, as in lowerConv).
  const int64_t NA = E.maxBuffers() > 1 ? overlapSlots(C, W, T) : 0;
  const bool Overlap = NA > 0;
  const int64_t SlotRows = Overlap ? T.TH * T.TW + TIH * TIW : T.TH * T.TW;
  const int64_t XZp = Kind == PoolKind::Max ? 0 : N.getInt("x_zero_point", 0);
  const int64_t MaxIdentity = ir::integerTypeMin(actElem(C)); // -128 for int8, -32768 for int16
  const int64_t PadValue = Kind == PoolKind::Max ? MaxIdentity : 0;
  const AluOp Reduce = Kind == PoolKind::Max ? AluOp::Max : AluOp::Add;
  loadPlacementTiles(E);
  // Taps From.. of the window (row-major) of the output at OutBase, over the widened input at ABase.
  auto TapsAt = [&](int64_t OutBase, int64_t ABase, int64_t Pitch, int64_t From = 0) {
    std::vector<MicroOp> Taps;
    for (int64_t Kh = 0; Kh < W.KH; ++Kh)
      for (int64_t Kw = 0; Kw < W.KW; ++Kw)
        if (Kh * W.KW + Kw >= From)
          Taps.push_back({OutBase, ABase + Kh * W.DH * Pitch + Kw * W.DW, 0});
    return Taps;
  };
  struct Tail {
    int64_t Nb = 0, Cb = 0, Oh0 = 0, Ow0 = 0, Th = 0, Tw = 0, OutBase = 0, ABase = 0;
    InputTileLoad L;
  };
  DeferredTail Tails(Overlap);
  int64_t Tile = 0;
  const uint64_t Orb = C.D.OutputRowBytes;
  auto Fill = [&](int64_t Dst, int64_t Rows, int64_t Cols, int64_t Pitch, int64_t Value) {
    isa::AluFields F;
    F.LoopOut = Rows, F.LoopIn = Cols, F.DstOut = Pitch, F.DstIn = 1, F.UseImm = 1, F.Imm = Value;
    return E.alu(AluOp::Mov, {MicroOp{Dst, 0, 0}}, F);
  };
  // Output loops over a Th x Tw tile (dst) reading the widened input with Pitch columns (src).
  auto OutLoops = [&](int64_t Th, int64_t Tw) {
    isa::AluFields F;
    F.LoopOut = Th, F.LoopIn = Tw, F.DstOut = Tw, F.DstIn = 1;
    return F;
  };
  // The tail of a tile: padding to the reduction's identity, the taps reduced, requantize (averages), store.
  auto EmitTail = [&](const Tail &Tl) -> Status {
    const auto [Nb, Cb, Oh0, Ow0, Th, Tw, OutBase, ABase, L] = Tl;
    const int64_t Rows = tileInRows(W, Th), Pitch = tileInCols(W, Tw);
    if (XZp != 0) {
      isa::AluFields F;
      F.LoopOut = Rows, F.LoopIn = Pitch, F.DstOut = Pitch, F.DstIn = 1, F.UseImm = 1, F.Imm = -XZp;
      NPU_TRY(E.alu(AluOp::Add, {MicroOp{ABase, 0, 0}}, F));
    }
    // Padding taps contribute nothing in the reference: give them the reduction's identity.
    if (PadValue != 0 || XZp != 0) {
      if (L.PadT)
        NPU_TRY(Fill(ABase, L.PadT, Pitch, Pitch, PadValue));
      if (L.PadB)
        NPU_TRY(Fill(ABase + (Rows - L.PadB) * Pitch, L.PadB, Pitch, Pitch, PadValue));
      if (L.PadL)
        NPU_TRY(Fill(ABase, Rows, L.PadL, Pitch, PadValue));
      if (L.PadR)
        NPU_TRY(Fill(ABase + Pitch - L.PadR, Rows, L.PadR, Pitch, PadValue));
    }
    if (W.OH == 1 && W.OW == 1) {
      // One output position: the loops walk the taps, one micro-op in all.
      isa::AluFields Init = OutLoops(Th, Tw);
      Init.UseImm = 1, Init.Imm = PadValue;
      NPU_TRY(E.alu(AluOp::Mov, {MicroOp{OutBase, 0, 0}}, Init));
      isa::AluFields F;
      F.LoopOut = W.KH, F.LoopIn = W.KW, F.SrcOut = W.DH * Pitch, F.SrcIn = W.DW;
      NPU_TRY(E.alu(Reduce, {TapsAt(OutBase, ABase, Pitch)[0]}, F));
    } else {
      // The first tap is moved, the others reduced into it (one ALU pass fewer than from the identity).
      isa::AluFields F = OutLoops(Th, Tw);
      F.SrcOut = Th > 1 ? W.SH * Pitch : 0, F.SrcIn = Tw > 1 ? W.SW : 0;
      NPU_TRY(E.alu(AluOp::Mov, {TapsAt(OutBase, ABase, Pitch)[0]}, F));
      if (W.KH * W.KW > 1)
        NPU_TRY(E.alu(Reduce, TapsAt(OutBase, ABase, Pitch, 1), F));
    }
    if (Kind != PoolKind::Max) {
      isa::AluFields Rq = OutLoops(Th, Tw);
      Rq.UseImm = 1, Rq.Imm = N.getInt("multiplier", 0), Rq.Shift = N.getInt("shift", 1),
      Rq.Imm2 = N.getInt("y_zero_point", 0);
      NPU_TRY(E.alu(AluOp::Requant, {MicroOp{OutBase, 0, 0}}, Rq));
      if (needsClip(N, C)) {
        const auto [Lo, Hi] = actBounds(N, C);
        isa::AluFields Cf = Rq;
        Cf.Imm = Lo, Cf.Imm2 = Hi, Cf.Shift = 0;
        NPU_TRY(E.alu(AluOp::Clip, {MicroOp{OutBase, 0, 0}}, Cf));
      }
    }
    // Th runs of Tw positions, OW apart (one contiguous run when the tile is full width).
    if (Tw == W.OW)
      E.storeOut(OutBase, Y.Tensor, uint64_t(Y.row(Nb, Cb, Oh0, 0)) * Orb, 1, Th * Tw, Th * Tw);
    else
      E.storeOut(OutBase, Y.Tensor, uint64_t(Y.row(Nb, Cb, Oh0, Ow0)) * Orb, Th, Tw, W.OW);
    return Status::ok();
  };
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Cb = 0; Cb < X.COuter; ++Cb)
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += T.TH)
        for (int64_t Ow0 = 0; Ow0 < W.OW; Ow0 += T.TW, ++Tile) {
          const int64_t Th = std::min(T.TH, W.OH - Oh0), Tw = std::min(T.TW, W.OW - Ow0);
          const int64_t Rows = tileInRows(W, Th), Pitch = tileInCols(W, Tw);
          const int64_t InBase = (Tile % T.N) * TIH * TIW * Sub;
          const int64_t OutBase = (Tile % (Overlap ? NA : T.N)) * SlotRows;
          const int64_t ABase = Overlap ? OutBase + T.TH * T.TW : T.N * T.TH * T.TW;
          NPU_ASSIGN(InputTileLoad L,
                     inputTileAt(X, Oh0 * W.SH - W.PT, Rows, Ow0 * W.SW - W.PL, Pitch, maxPad(C)));
          E.load(MemType::Input, InBase, X.Tensor, uint64_t(X.row(Nb, Cb, L.FirstRow, L.FirstCol)) * Orb, L.Y,
                 L.X * Sub, X.W * Sub, L.PadT, L.PadB, L.PadL * Sub, L.PadR * Sub);
          isa::GemmFields Wd;
          Wd.LoopOut = Rows, Wd.LoopIn = Pitch, Wd.DstOut = Pitch, Wd.DstIn = 1, Wd.SrcOut = Pitch * Sub,
          Wd.SrcIn = Sub;
          Wd.Reset = 1;
          NPU_TRY(E.gemm({MicroOp{ABase, InBase, 0}}, Wd));
          Wd.Reset = 0;
          NPU_TRY(E.gemm(widenUops(C, ABase, InBase), Wd));
          NPU_TRY(Tails.push([&, Tl = Tail{Nb, Cb, Oh0, Ow0, Th, Tw, OutBase, ABase, L}] { return EmitTail(Tl); }));
        }
  NPU_TRY(Tails.flush());
  return Status::ok();
}

} // namespace npu::backend
