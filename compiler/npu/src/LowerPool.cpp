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

namespace {

/// One pooling node's lowering: its plan, then per channel block and tile the widening (LOAD and identity
/// GEMMs) and the tail (padding to the reduction's identity, the taps reduced, requantize, store).
class PoolLowering {
public:
  PoolLowering(Emitter &E, const ir::Graph &G, const ir::Node &N)
      : E(E), C(E.config()), N(N), Kind(poolKind(N)), X(E.Values.at(N.Inputs[0])), Y(E.Values.at(N.Outputs[0])),
        W(*poolWindow(G, N)), Sub(subRows(C)) {}

  Status run();

private:
  /// A tile whose tail is pending (emitted after the next tile's widening with the ALU/GEMM overlap).
  struct Tail {
    int64_t Nb = 0, Cb = 0, Oh0 = 0, Ow0 = 0, Th = 0, Tw = 0, OutBase = 0, ABase = 0;
    InputTileLoad L;
  };

  uint64_t estimate(const PoolPlan &P) const;
  std::optional<PoolPlan> candidate(int64_t TH, int64_t Nn) const;
  Status choosePlan();
  /// Taps From.. of the window (row-major) of the output at OutBase, over the widened input at ABase.
  std::vector<MicroOp> tapsAt(int64_t OutBase, int64_t ABase, int64_t Pitch, int64_t From = 0) const;
  Status fill(int64_t Dst, int64_t Rows, int64_t Cols, int64_t Pitch, int64_t Value);
  /// ALU loops over a Th x Tw output tile (dst).
  static isa::AluFields outLoops(int64_t Th, int64_t Tw);
  Status fixPadding(const Tail &Tl);
  Status reduceTaps(const Tail &Tl);
  Status emitTail(const Tail &Tl);
  Status widenTile(int64_t Nb, int64_t Cb, int64_t Oh0, int64_t Ow0, int64_t Tile, DeferredTail &Tails);

  Emitter &E;
  const HardwareConfig &C;
  const ir::Node &N;
  const PoolKind Kind;
  const RowTensor X, Y;
  const Window2D W;
  const int64_t Sub; ///< input rows per position (block_out = Sub x block_in)
  PoolPlan T;
  int64_t NA = 0;       ///< accumulator slots with the ALU/GEMM overlap (0: none)
  int64_t SlotRows = 0; ///< accumulator rows per slot
  int64_t XZp = 0, PadValue = 0;
};

uint64_t PoolLowering::estimate(const PoolPlan &P) const {
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
  T.Store = transferCycles(C, Out * C.D.OutputRowBytes, 1, true) + (P.TW < W.OW ? uint64_t(P.TH - 1) * Cb : 0);
  T.DramBytes = uint64_t(TIH * TIW) * C.D.OutputRowBytes + Out * C.D.OutputRowBytes;
  const uint64_t Tiles = uint64_t((W.OH + P.TH - 1) / P.TH) * uint64_t((W.OW + P.TW - 1) / P.TW);
  return pipelinedCycles(C, T, uint64_t(X.NOuter * X.COuter) * Tiles, P.N, 0);
}

/// Per (N, TH) the widest column tile that fits and whose tiles' padding the LOADs can make.
std::optional<PoolPlan> PoolLowering::candidate(int64_t TH, int64_t Nn) const {
  const PoolPlan P{TH, widestPoolTile(C, W, Sub, TH, Nn), Nn};
  if (!P.TW || !tilesLoadable(X, W, P.TH, P.TW, maxPad(C)))
    return std::nullopt;
  return P;
}

/// The forced schedule when it fits, else the plan of fewest estimated cycles; N-way buffered input tiles and
/// output rows, the widened input (compute only) in one region above them.
Status PoolLowering::choosePlan() {
  uint64_t Best = UINT64_MAX;
  const LayerSchedule *Forced = E.forcedSchedule();
  if (Forced)
    if (auto P = candidate(Forced->TileRows, Forced->Buffers))
      T = *P, Best = estimate(T);
  const bool Search = Best == UINT64_MAX;
  for (int64_t Nn = 1; Search && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t TH : tileRowCandidates(W.OH))
      if (auto P = candidate(TH, Nn); P && estimate(*P) < Best)
        Best = estimate(*P), T = *P;
  if (Best == UINT64_MAX)
    return makeError("no tiling of the pooling fits the on-chip buffers");
  E.recordSchedule({"", T.TH, T.N, 0, Best, Forced != nullptr});
  return Status::ok();
}

std::vector<MicroOp> PoolLowering::tapsAt(int64_t OutBase, int64_t ABase, int64_t Pitch, int64_t From) const {
  std::vector<MicroOp> Taps;
  for (int64_t Kh = 0; Kh < W.KH; ++Kh)
    for (int64_t Kw = 0; Kw < W.KW; ++Kw)
      if (Kh * W.KW + Kw >= From)
        Taps.push_back({OutBase, ABase + Kh * W.DH * Pitch + Kw * W.DW, 0});
  return Taps;
}

Status PoolLowering::fill(int64_t Dst, int64_t Rows, int64_t Cols, int64_t Pitch, int64_t Value) {
  isa::AluFields F;
  F.LoopOut = Rows, F.LoopIn = Cols, F.DstOut = Pitch, F.DstIn = 1, F.UseImm = 1, F.Imm = Value;
  return E.alu(AluOp::Mov, {MicroOp{Dst, 0, 0}}, F);
}

isa::AluFields PoolLowering::outLoops(int64_t Th, int64_t Tw) {
  isa::AluFields F;
  F.LoopOut = Th, F.LoopIn = Tw, F.DstOut = Tw, F.DstIn = 1;
  return F;
}

/// The input's zero point taken off (averages), and the padding taps set to the reduction's identity: they
/// contribute nothing in the reference.
Status PoolLowering::fixPadding(const Tail &Tl) {
  const int64_t Rows = tileInRows(W, Tl.Th), Pitch = tileInCols(W, Tl.Tw), ABase = Tl.ABase;
  if (XZp != 0) {
    isa::AluFields F;
    F.LoopOut = Rows, F.LoopIn = Pitch, F.DstOut = Pitch, F.DstIn = 1, F.UseImm = 1, F.Imm = -XZp;
    NPU_TRY(E.alu(AluOp::Add, {MicroOp{ABase, 0, 0}}, F));
  }
  if (PadValue == 0 && XZp == 0)
    return Status::ok();
  const InputTileLoad &L = Tl.L;
  if (L.PadT)
    NPU_TRY(fill(ABase, L.PadT, Pitch, Pitch, PadValue));
  if (L.PadB)
    NPU_TRY(fill(ABase + (Rows - L.PadB) * Pitch, L.PadB, Pitch, Pitch, PadValue));
  if (L.PadL)
    NPU_TRY(fill(ABase, Rows, L.PadL, Pitch, PadValue));
  if (L.PadR)
    NPU_TRY(fill(ABase + Pitch - L.PadR, Rows, L.PadR, Pitch, PadValue));
  return Status::ok();
}

Status PoolLowering::reduceTaps(const Tail &Tl) {
  const int64_t Pitch = tileInCols(W, Tl.Tw);
  const AluOp Reduce = Kind == PoolKind::Max ? AluOp::Max : AluOp::Add;
  if (W.OH == 1 && W.OW == 1) {
    // One output position: the loops walk the taps, one micro-op in all.
    isa::AluFields Init = outLoops(Tl.Th, Tl.Tw);
    Init.UseImm = 1, Init.Imm = PadValue;
    NPU_TRY(E.alu(AluOp::Mov, {MicroOp{Tl.OutBase, 0, 0}}, Init));
    isa::AluFields F;
    F.LoopOut = W.KH, F.LoopIn = W.KW, F.SrcOut = W.DH * Pitch, F.SrcIn = W.DW;
    return E.alu(Reduce, {tapsAt(Tl.OutBase, Tl.ABase, Pitch)[0]}, F);
  }
  // The first tap is moved, the others reduced into it (one ALU pass fewer than from the identity).
  isa::AluFields F = outLoops(Tl.Th, Tl.Tw);
  F.SrcOut = Tl.Th > 1 ? W.SH * Pitch : 0, F.SrcIn = Tl.Tw > 1 ? W.SW : 0;
  NPU_TRY(E.alu(AluOp::Mov, {tapsAt(Tl.OutBase, Tl.ABase, Pitch)[0]}, F));
  if (W.KH * W.KW > 1)
    NPU_TRY(E.alu(Reduce, tapsAt(Tl.OutBase, Tl.ABase, Pitch, 1), F));
  return Status::ok();
}

/// The tail of a tile: padding, the taps reduced, requantize and clip (averages), store.
Status PoolLowering::emitTail(const Tail &Tl) {
  NPU_TRY(fixPadding(Tl));
  NPU_TRY(reduceTaps(Tl));
  const auto [Nb, Cb, Oh0, Ow0, Th, Tw, OutBase, ABase, L] = Tl;
  if (Kind != PoolKind::Max) {
    isa::AluFields Rq = outLoops(Th, Tw);
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
  const uint64_t Orb = C.D.OutputRowBytes;
  if (Tw == W.OW)
    E.storeOut(OutBase, Y.Tensor, uint64_t(Y.row(Nb, Cb, Oh0, 0)) * Orb, 1, Th * Tw, Th * Tw);
  else
    E.storeOut(OutBase, Y.Tensor, uint64_t(Y.row(Nb, Cb, Oh0, Ow0)) * Orb, Th, Tw, W.OW);
  return Status::ok();
}

/// Tile number Tile (output rows Oh0.., columns Ow0.. of channel block Cb): its input tile loaded and widened
/// into the accumulators by identity GEMMs, its tail queued.
Status PoolLowering::widenTile(int64_t Nb, int64_t Cb, int64_t Oh0, int64_t Ow0, int64_t Tile, DeferredTail &Tails) {
  const int64_t Th = std::min(T.TH, W.OH - Oh0), Tw = std::min(T.TW, W.OW - Ow0);
  const int64_t Rows = tileInRows(W, Th), Pitch = tileInCols(W, Tw);
  const int64_t InBase = (Tile % T.N) * tileInRows(W, T.TH) * tileInCols(W, T.TW) * Sub;
  const int64_t OutBase = (Tile % (NA > 0 ? NA : T.N)) * SlotRows;
  const int64_t ABase = NA > 0 ? OutBase + T.TH * T.TW : T.N * T.TH * T.TW;
  NPU_ASSIGN(InputTileLoad L, inputTileAt(X, Oh0 * W.SH - W.PT, Rows, Ow0 * W.SW - W.PL, Pitch, maxPad(C)));
  E.load(MemType::Input, InBase, X.Tensor, uint64_t(X.row(Nb, Cb, L.FirstRow, L.FirstCol)) * C.D.OutputRowBytes,
         L.Y, L.X * Sub, X.W * Sub, L.PadT, L.PadB, L.PadL * Sub, L.PadR * Sub);
  isa::GemmFields Wd;
  Wd.LoopOut = Rows, Wd.LoopIn = Pitch, Wd.DstOut = Pitch, Wd.DstIn = 1, Wd.SrcOut = Pitch * Sub, Wd.SrcIn = Sub;
  Wd.Reset = 1;
  NPU_TRY(E.gemm({MicroOp{ABase, InBase, 0}}, Wd));
  Wd.Reset = 0;
  NPU_TRY(E.gemm(widenUops(C, ABase, InBase), Wd));
  return Tails.push([this, Tl = Tail{Nb, Cb, Oh0, Ow0, Th, Tw, OutBase, ABase, L}] { return emitTail(Tl); });
}

Status PoolLowering::run() {
  NPU_TRY(choosePlan());
  const int64_t TIH = tileInRows(W, T.TH), TIW = tileInCols(W, T.TW);
  // The widened input tile of the largest size sits above the N output slots; with the ALU/GEMM overlap each
  // of the NA slots holds its output rows, then its widened input, and a tile's ALU work and store are
  // emitted after the next tile's widening GEMMs (software pipelining by one tile, as in lowerConv).
  NA = E.maxBuffers() > 1 ? overlapSlots(C, W, T) : 0;
  SlotRows = NA > 0 ? T.TH * T.TW + TIH * TIW : T.TH * T.TW;
  XZp = Kind == PoolKind::Max ? 0 : N.getInt("x_zero_point", 0);
  // The reduction's identity: the type's minimum for max (-128 for int8, -32768 for int16), 0 for sums.
  PadValue = Kind == PoolKind::Max ? ir::integerTypeMin(actElem(C)) : 0;
  loadPlacementTiles(E);
  DeferredTail Tails(NA > 0);
  int64_t Tile = 0;
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Cb = 0; Cb < X.COuter; ++Cb)
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += T.TH)
        for (int64_t Ow0 = 0; Ow0 < W.OW; Ow0 += T.TW, ++Tile)
          NPU_TRY(widenTile(Nb, Cb, Oh0, Ow0, Tile, Tails));
  return Tails.flush();
}

} // namespace

/// Per channel block and row tile: widen, fix the padding, reduce the taps, requantize (averages), store.
Status lowerPool(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  NPU_TRY(canLowerPool(G, N, E.config()));
  return PoolLowering(E, G, N).run();
}

} // namespace npu::backend
