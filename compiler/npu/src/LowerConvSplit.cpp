// Convolution with input-channel (K) splitting and column tiling, for layers whose input band (all input
// blocks, whole image rows) or whose weights of one output block do not fit the buffers: tiles of output rows
// x columns, partial sums of chunks of input blocks accumulating between the bias initialization and the
// requantization, N-way buffered like the unsplit lowering.
#include "ConvCommon.h"
#include "DeferredTail.h"

#include "npu/backend/CostModel.h"

#include <algorithm>
#include <map>
#include <optional>
#include "npu/timing/TimingRules.h"

namespace npu::backend::conv {

using isa::MemType;
using isa::MicroOp;

namespace {

/// A tile is TH output rows x TW output columns of one output block; its input (chunks of KB input blocks)
/// is a (TH-1)*SH + (KH-1)*DH + 1 by (TW-1)*SW + (KW-1)*DW + 1 window, padded only at the image's edges.
struct SplitPlan {
  int64_t TH = 0, TW = 0, N = 1, KB = 1, NW = 1;
  bool WRes = false; ///< an output block's weights of all chunks stay on chip (else per chunk, per tile)
  uint64_t Estimate = UINT64_MAX;
};

/// Fits: N input slots of KB blocks, N accumulator/out slots, weights (NW slots of a whole output block,
/// or N slots of one chunk), bias and multiplier rows at the top of the accumulators; loop counts and
/// transfer sizes in their fields.
bool splitFits(const HardwareConfig &C, const ConvShape &K, SplitPlan &P) {
  const Window2D &W = K.W;
  const int64_t In = P.KB * tileInRows(W, P.TH) * tileInCols(W, P.TW), Out = P.TH * P.TW;
  const int64_t MaxLoop = (int64_t(1) << C.LoopBits) - 1, WDepth = int64_t(C.D.WeightDepth);
  const int64_t MaxSize = (int64_t(1) << C.SizeBits) - 1;
  if (P.TH < 1 || P.TW < 1 || P.KB < 1 || P.TH > W.OH || P.TW > W.OW || P.N * In > int64_t(C.D.InputDepth) ||
      P.N * Out > int64_t(C.D.OutputDepth) || P.N * Out + 2 > int64_t(C.D.AccDepth) || P.TH > MaxLoop ||
      P.TW > MaxLoop || Out > MaxSize || tileInCols(W, P.TW) > MaxSize || tileInRows(W, P.TH) > MaxSize ||
      P.KB * K.Taps > int64_t(C.D.UopDepth))
    return false;
  P.NW = P.WRes ? std::min(P.N, WDepth / (K.Cin * K.Taps)) : P.N;
  return P.NW >= 1 && (P.WRes ? P.NW * K.Cin * K.Taps : P.N * P.KB * K.Taps) <= WDepth;
}

/// alu.concurrent: accumulator slots for the one-tile software pipeline (a tile's requant/clip/store after the
/// next tile's first GEMM), three when they fit beside the bias and multiplier rows; 0 without it.
int64_t overlapAccSlots(const HardwareConfig &C, const SplitPlan &P) {
  const int64_t Out = P.TH * P.TW, NA = std::max<int64_t>(3, P.N);
  return C.AluConcurrent && P.N >= 2 && NA * Out <= int64_t(C.D.OutputDepth) &&
                 NA * Out + 2 <= int64_t(C.D.AccDepth)
             ? NA
             : 0;
}

uint64_t splitEstimate(const HardwareConfig &C, const ConvShape &K, const SplitPlan &P) {
  const Window2D &W = K.W;
  const uint64_t Rows = uint64_t(P.TH * P.TW), Bands = uint64_t((W.OH + P.TH - 1) / P.TH);
  const uint64_t Cols = uint64_t((W.OW + P.TW - 1) / P.TW), Tiles = Bands * Cols;
  const uint64_t Chunks = uint64_t((K.Cin + P.KB - 1) / P.KB);
  const int64_t TIH = std::min(tileInRows(W, P.TH), K.X.H), TIW = std::min(tileInCols(W, P.TW), K.X.W);
  const uint64_t InRows = uint64_t(TIH * TIW);
  // A tile narrower than the image is TIH separate runs of DRAM rows: about one more burst each.
  const uint64_t Cb = timing::burstCycles(C);
  const uint64_t RunBursts = TIW < K.X.W ? uint64_t(TIH - 1) * Cb : 0;
  const uint64_t ChunkW = uint64_t(P.KB * K.Taps) * C.D.WeightRowBytes;
  TileCost T;
  T.Load = Chunks * (transferCycles(C, uint64_t(P.KB) * InRows * C.D.InputRowBytes, uint64_t(P.KB), false) +
                     uint64_t(P.KB) * RunBursts) +
           (P.WRes ? transferCycles(C, Chunks * ChunkW, 1, false) / Tiles
                   : Chunks * transferCycles(C, ChunkW, 1, false));
  T.Alu = tailAluPasses(K.Int32, K.Clip) * timing::aluLoopCycles(C, Rows);
  T.AluOverlaps = overlapAccSlots(C, P) > 0;
  T.Compute = Chunks * timing::gemmLoopCycles(C, uint64_t(P.KB * K.Taps) * Rows) +
              transferCycles(C, 64, 2, false) / Tiles;
  const uint64_t Orb = resultRowBytes(C, K.Int32);
  T.Store = transferCycles(C, Rows * Orb, 1, true) + (P.TW < W.OW ? uint64_t(P.TH - 1) * Cb : 0);
  T.DramBytes = Chunks * (uint64_t(P.KB) * InRows * C.D.InputRowBytes + (P.WRes ? 0 : ChunkW)) + Rows * Orb;
  return pipelinedCycles(C, T, Tiles * uint64_t(K.OO * K.X.NOuter), P.N, 0);
}

/// The cheapest plan by the per-tile formula. Per (N, TH, KB, weight mode) the widest column tile that fits
/// is taken (narrower ones only add per-tile overheads); TW = OW is the untiled case.
Expected<SplitPlan> chooseSplitPlan(const Emitter *E, const HardwareConfig &C, const ConvShape &K) {
  SplitPlan Best;
  const LayerSchedule *Forced = E ? E->forcedSchedule() : nullptr;
  const int64_t MaxN = E ? E->maxBuffers() : 1;
  const std::vector<int64_t> Widths = tileRowCandidates(K.W.OW);
  std::map<std::pair<int64_t, int64_t>, Status> Loadable; // (TH, TW) -> every tile's LOAD fits its fields
  // The reason of the first (widest) tile refused by its LOADs, else the buffers.
  std::optional<Status> Refusal;
  for (int Pass = Forced ? 0 : 1; Pass < 2 && Best.Estimate == UINT64_MAX; ++Pass)
    for (int64_t N = Pass ? 1 : Forced->Buffers; N <= (Pass ? MaxN : Forced->Buffers); ++N)
      for (int64_t TH : Pass ? tileRowCandidates(K.W.OH) : std::vector<int64_t>{Forced->TileRows})
        for (int64_t KB : tileRowCandidates(K.Cin))
          for (bool WRes : {true, false})
            for (int64_t TW : Widths) {
              SplitPlan P;
              P.TH = TH, P.TW = TW, P.N = N, P.KB = KB, P.WRes = WRes;
              if (!splitFits(C, K, P))
                continue;
              auto [It, New] = Loadable.try_emplace({TH, TW}, Status::ok());
              if (New)
                It->second = tilesLoadable(K.X, K.W, TH, TW, maxPad(C));
              if (!It->second) {
                if (!Refusal)
                  Refusal = It->second;
                continue;
              }
              P.Estimate = splitEstimate(C, K, P);
              if (P.Estimate < Best.Estimate)
                Best = P;
              break;
            }
  if (Best.Estimate == UINT64_MAX)
    return Refusal ? Refusal->error()
                   : makeError("no input-channel split or column tiling of the convolution fits the on-chip "
                               "buffers and loop fields");
  return Best;
}

} // namespace

/// What no tiling can help: DRAM row strides beyond the LOAD/STORE field, a block's taps beyond the weights.
static Status fieldLimits(const HardwareConfig &C, const ConvShape &K) {
  const int64_t MaxStride = int64_t(1) << C.StrideBits;
  if (K.X.W >= MaxStride || K.W.OW >= MaxStride)
    return makeError("an image row of ", std::max(K.X.W, K.W.OW),
                     " positions exceeds the LOAD/STORE stride field (", MaxStride - 1, ")");
  if (K.Taps > int64_t(C.D.WeightDepth))
    return makeError("one input block's ", K.Taps, " kernel taps exceed the ", C.D.WeightDepth,
                     "-row weight buffer");
  return Status::ok();
}

Status convSplitCheck(const HardwareConfig &C, const ConvShape &K) {
  NPU_TRY(fieldLimits(C, K));
  return chooseSplitPlan(nullptr, C, K).status();
}

bool convSplitFeasible(const HardwareConfig &C, const ConvShape &K) { return convSplitCheck(C, K).isOk(); }

uint64_t convSplitEstimate(const Emitter &E, const ConvShape &K) {
  if (!fieldLimits(E.config(), K))
    return UINT64_MAX;
  auto P = chooseSplitPlan(&E, E.config(), K);
  return P ? P->Estimate : UINT64_MAX;
}

namespace {

/// One split convolution's emission: per batch block and output block its weights (all resident, or per chunk)
/// and constant rows, then per tile of Th x Tw outputs the bias and, per chunk of KB input blocks, the chunk's
/// input tiles and one GEMM; the requant/clip/store tail of a tile after the next tile's first GEMM with
/// alu.concurrent (it needs its own accumulator slot, three at least).
class ConvSplitLowering {
public:
  ConvSplitLowering(Emitter &E, const ir::Node &N, const ConvShape &K, const SplitPlan &P, int WT)
      : E(E), C(E.config()), N(N), K(K), P(P), W(K.W), X(K.X), Y(E.Values.at(N.Outputs[0])), WT(WT),
        TIH(tileInRows(W, P.TH)), TIW(tileInCols(W, P.TW)), InSlot(P.KB * TIH * TIW), AccSlot(P.TH * P.TW),
        WSlot(P.WRes ? K.Cin * K.Taps : P.KB * K.Taps), NA(overlapAccSlots(C, P)), AccSlots(NA ? NA : P.N),
        Tails(NA != 0) {}

  Status run(int BiasT, int MulT);

private:
  struct Tail {
    int64_t Nb = 0, Ob = 0, Oh0 = 0, Ow0 = 0, Th = 0, Tw = 0, AccBase = 0;
  };
  /// Kn blocks of the tile at (Oh0, Ow0) of Th x Tw outputs, each Rows x Pitch input rows at InBase.
  Status loadChunk(int64_t Nb, int64_t C0, int64_t Kn, int64_t Oh0, int64_t Th, int64_t Ow0, int64_t Pitch,
                   int64_t InBase);
  Status tile(int64_t Nb, int64_t Ob, int64_t Oh0, int64_t Ow0, int64_t WBase);
  Status emitTail(const Tail &Tl);

  Emitter &E;
  const HardwareConfig &C;
  const ir::Node &N;
  const ConvShape &K;
  const SplitPlan &P;
  const Window2D &W;
  const RowTensor &X;
  const RowTensor Y;
  const int WT;
  /// Slot layout: KB blocks of TIH x TIW rows (a narrower last column tile uses its own, smaller pitch).
  const int64_t TIH, TIW, InSlot, AccSlot, WSlot;
  const int64_t NA, AccSlots;
  const int64_t BiasRow = int64_t(C.D.AccDepth) - 2, MulRow = BiasRow + 1;
  DeferredTail Tails;
  int64_t Unit = 0, Chunk = 0, WSet = 0; ///< tiles, chunks and weight sets so far: their slots rotate
};

Status ConvSplitLowering::loadChunk(int64_t Nb, int64_t C0, int64_t Kn, int64_t Oh0, int64_t Th, int64_t Ow0,
                                    int64_t Pitch, int64_t InBase) {
  const int64_t Rows = tileInRows(W, Th), MaxSize = (int64_t(1) << C.SizeBits) - 1;
  const uint64_t Irb = C.D.InputRowBytes;
  NPU_ASSIGN(InputTileLoad L, inputTileAt(X, Oh0 * W.SH - W.PT, Rows, Ow0 * W.SW - W.PL, Pitch, maxPad(C)));
  // Unpadded whole image rows (or a single row) of every block are contiguous, H x W apart in DRAM: one 2-D
  // transfer for the chunk.
  if (L.PadT + L.PadB + L.PadL + L.PadR == 0 && (L.X == X.W || L.Y == 1) && Kn <= MaxSize &&
      L.Y * L.X <= MaxSize && X.H * X.W < (int64_t(1) << C.StrideBits) && (Kn == 1 || L.Y * L.X == TIH * TIW)) {
    E.load(MemType::Input, InBase, X.Tensor, uint64_t(X.row(Nb, C0, L.FirstRow, L.FirstCol)) * Irb, Kn, L.Y * L.X,
           X.H * X.W);
    return Status::ok();
  }
  for (int64_t Cb = 0; Cb < Kn; ++Cb)
    E.load(MemType::Input, InBase + Cb * TIH * TIW, X.Tensor,
           uint64_t(X.row(Nb, C0 + Cb, L.FirstRow, L.FirstCol)) * Irb, L.Y, L.X, X.W, L.PadT, L.PadB, L.PadL, L.PadR,
           N.getInt("x_zero_point", 0));
  return Status::ok();
}

Status ConvSplitLowering::emitTail(const Tail &Tl) {
  const auto [Nb, Ob, Oh0, Ow0, Th, Tw, AccBase] = Tl;
  NPU_TRY(requantRows(E, N, MulRow, Th, Tw, AccBase));
  // Th runs of Tw positions, OW apart (one contiguous run when the tile is full width).
  if (Tw == W.OW)
    storeResult(E, N, AccBase, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, 0)), 1, Th * Tw, Th * Tw);
  else
    storeResult(E, N, AccBase, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, Ow0)), Th, Tw, W.OW);
  return Status::ok();
}

/// The tile at (Oh0, Ow0) of output block Ob: the bias, then per chunk its inputs (and weights) and one GEMM.
Status ConvSplitLowering::tile(int64_t Nb, int64_t Ob, int64_t Oh0, int64_t Ow0, int64_t WBase) {
  const int64_t Cin = K.Cin, Taps = K.Taps;
  const int64_t Th = std::min(P.TH, W.OH - Oh0), Tw = std::min(P.TW, W.OW - Ow0);
  const int64_t Pitch = tileInCols(W, Tw), AccBase = (Unit++ % AccSlots) * AccSlot;
  NPU_TRY(initFromBias(E, BiasRow, Th, Tw, AccBase));
  for (int64_t C0 = 0; C0 < Cin; C0 += P.KB) {
    const int64_t Kn = std::min(P.KB, Cin - C0), InBase = (Chunk++ % P.N) * InSlot;
    NPU_TRY(loadChunk(Nb, C0, Kn, Oh0, Th, Ow0, Pitch, InBase));
    int64_t WgtBase = WBase + C0 * Taps;
    if (!P.WRes) {
      WgtBase = (WSet++ % P.NW) * WSlot;
      E.load(MemType::Weight, WgtBase, WT, uint64_t((Ob * Cin + C0) * Taps) * C.D.WeightRowBytes, 1, Kn * Taps,
             Kn * Taps);
    }
    std::vector<MicroOp> Kernel;
    for (int64_t Cb = 0; Cb < Kn; ++Cb)
      for (int64_t Kh = 0; Kh < W.KH; ++Kh)
        for (int64_t Kw = 0; Kw < W.KW; ++Kw)
          Kernel.push_back({AccBase, InBase + Cb * TIH * TIW + Kh * W.DH * Pitch + Kw * W.DW,
                            WgtBase + (Cb * W.KH + Kh) * W.KW + Kw});
    isa::GemmFields F;
    F.LoopOut = Th, F.LoopIn = Tw, F.DstOut = Tw, F.DstIn = 1, F.SrcOut = Th > 1 ? W.SH * Pitch : 0,
    F.SrcIn = Tw > 1 ? W.SW : 0;
    NPU_TRY(E.gemm(Kernel, F));
    if (C0 == 0)
      NPU_TRY(Tails.flush());
  }
  return Tails.push([this, Tl = Tail{Nb, Ob, Oh0, Ow0, Th, Tw, AccBase}] { return emitTail(Tl); });
}

Status ConvSplitLowering::run(int BiasT, int MulT) {
  const int64_t Cin = K.Cin, Taps = K.Taps;
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Ob = 0; Ob < K.OO; ++Ob) {
      int64_t WBase = 0;
      if (P.WRes) {
        WBase = (WSet++ % P.NW) * WSlot;
        E.load(MemType::Weight, WBase, WT, uint64_t(Ob * Cin * Taps) * C.D.WeightRowBytes, 1, Cin * Taps,
               Cin * Taps);
      }
      NPU_TRY(Tails.flush()); // the pending tail reads the multiplier row
      E.load(MemType::Acc, BiasRow, BiasT, uint64_t(Ob) * C.D.AccRowBytes, 1, 1, 1);
      E.load(MemType::Acc, MulRow, MulT, uint64_t(Ob) * C.D.AccRowBytes, 1, 1, 1);
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += P.TH)
        for (int64_t Ow0 = 0; Ow0 < W.OW; Ow0 += P.TW)
          NPU_TRY(tile(Nb, Ob, Oh0, Ow0, WBase));
    }
  return Tails.flush();
}

} // namespace

Status lowerConvSplit(Emitter &E, const ir::Graph &G, const ir::Node &N, const ConvShape &K) {
  const HardwareConfig &C = E.config();
  NPU_TRY(fieldLimits(C, K));
  auto Plan = chooseSplitPlan(&E, C, K);
  if (!Plan)
    return Plan.error();
  E.recordSchedule({"", Plan->TH, Plan->N, 1, Plan->Estimate, E.forcedSchedule() != nullptr});
  const int WT = E.weightTiles(N.Name + ".weights", G.value(N.Inputs[1]).Data->byteVector());
  auto [BiasT, MulT] = channelConstants(E, G, N, K.OO);
  return ConvSplitLowering(E, N, K, *Plan, WT).run(BiasT, MulT);
}

} // namespace npu::backend::conv
