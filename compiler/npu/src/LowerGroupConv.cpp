// Lowering of blocked grouped and depthwise npu.QConv. The layout pass gives them dense weights that are zero
// outside each group; here every output-channel block reads only the input-channel blocks whose weight tiles
// are not all zero (its "span"), so a depthwise conv becomes one input block per output block with a diagonal
// weight tile per tap: one GEMM per row band whose micro-ops are the (span block, tap) pairs, as for a dense
// conv. The GEMM core does block_in times the useful MACs of a depthwise conv, but each input row is loaded
// once and the whole layer stays on the NPU without per-lane ALU multiplies (which would need one
// accumulator row of weights per tap and a widening GEMM for every input row).
#include "AluRows.h"
#include "ConvCommon.h"
#include "DeferredTail.h"
#include "Window.h"

#include "npu/backend/CostModel.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include "npu/timing/TimingRules.h"

namespace npu::backend {

using isa::MemType;
using isa::MicroOp;

namespace {

/// Per output block: the input blocks with a nonzero weight tile (in increasing order).
std::vector<std::vector<int64_t>> weightSpans(const ir::Tensor &W, const RowTensor &WG, int64_t Taps,
                                              int64_t TileBytes) {
  std::vector<std::vector<int64_t>> Spans(size_t(WG.NOuter));
  const int8_t *D = W.data<int8_t>();
  for (int64_t Ob = 0; Ob < WG.NOuter; ++Ob)
    for (int64_t Cb = 0; Cb < WG.COuter; ++Cb) {
      const int8_t *T = D + (Ob * WG.COuter + Cb) * Taps * TileBytes;
      if (std::any_of(T, T + Taps * TileBytes, [](int8_t V) { return V != 0; }))
        Spans[size_t(Ob)].push_back(Cb);
    }
  return Spans;
}

struct GroupConvPlan {
  Window2D W;
  ConvTiling T;
  RowTensor WG; ///< weight geometry: NOuter = output blocks, COuter = input blocks, H x W = taps
  std::vector<std::vector<int64_t>> Spans;
  int64_t MaxSpan = 1;
};

Expected<GroupConvPlan> planGroupConv(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(conv::checkGemmNode(G, N, C));
  if (G.type(N.Inputs[0]).rank() < 5)
    return makeError("a blocked convolution needs 1 or 2 spatial dims");
  if (!G.value(N.Inputs[1]).Data || (N.hasInput(2) && !G.value(N.Inputs[2]).Data))
    return makeError("weights and bias must be constants");
  auto XB = ir::decodeBlocked(G.type(N.Inputs[0]).Dims);
  auto WB = ir::decodeBlocked(G.type(N.Inputs[1]).Dims);
  if (!XB || !WB)
    return makeError("blocked shapes expected");
  GroupConvPlan P;
  NPU_ASSIGN(P.W, window2D(N, XB->Spatial, WB->Spatial, false));
  P.WG = rowGeometry(G.type(N.Inputs[1]).Dims);
  const int64_t Taps = P.W.KH * P.W.KW;
  P.Spans = weightSpans(*G.value(N.Inputs[1]).Data, P.WG, Taps, int64_t(C.BlockIn * C.BlockOut));
  for (const auto &S : P.Spans)
    P.MaxSpan = std::max<int64_t>(P.MaxSpan, int64_t(S.size()));
  if (P.MaxSpan * Taps > int64_t(C.D.WeightDepth))
    return makeError("the ", P.MaxSpan * Taps, " weight tiles of one output block exceed the weight buffer (",
                     C.D.WeightDepth, " tiles)");
  NPU_ASSIGN(P.T, chooseConvTiling(C, P.W, P.MaxSpan, 2, false));
  const RowTensor X = rowGeometry(G.type(N.Inputs[0]).Dims);
  NPU_TRY(inputTile(X, P.W, P.T.TIW, -P.W.PT, P.T.TIH, maxPad(C)).status());
  return P;
}

} // namespace

Status canLowerGroupConv(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  return planGroupConv(G, N, C).status();
}

namespace {

/// A grouped convolution's schedule: bands of TH output rows per output block, N input slots (each the
/// span's blocks of one band), NA accumulator slots, NW weight slots (one output block's span tiles each).
struct GroupSchedule {
  int64_t TH = 0, N = 1, NA = 1, NW = 1;
  bool Resident = false; ///< bias and multiplier rows of every output block stay in the accumulators
  uint64_t Estimate = UINT64_MAX;
};

GroupSchedule groupSchedule(const HardwareConfig &C, const GroupConvPlan &P, const RowTensor &X, int64_t TH,
                            int64_t N, int64_t MaxBuffers, bool Clip, bool Int32) {
  const Window2D &W = P.W;
  const int64_t Taps = W.KH * W.KW, OO = P.WG.NOuter, Out = TH * W.OW, S = std::max<int64_t>(1, P.MaxSpan);
  GroupSchedule G;
  if (!slotPlanFits(C, W, S, 2, false, TH, N))
    return G;
  G.TH = TH, G.N = N, G.NA = N;
  // alu.concurrent: a tile's requant/clip/store after the next tile's GEMM needs a third accumulator slot.
  if (C.AluConcurrent && MaxBuffers > 1 && 3 * Out <= int64_t(C.D.OutputDepth) &&
      std::max<int64_t>(N, 3) * Out + 2 <= int64_t(C.D.AccDepth))
    G.NA = std::max<int64_t>(N, 3);
  G.Resident = G.NA * Out + 2 * OO <= int64_t(C.D.AccDepth);
  G.NW = MaxBuffers > 1 && 2 * S * Taps <= int64_t(C.D.WeightDepth) ? 2 : 1;
  const uint64_t Rows = uint64_t(Out), Bands = uint64_t((W.OH + TH - 1) / TH);
  const uint64_t InRows = uint64_t(std::min(tileInRows(W, TH), X.H) * X.W);
  const uint64_t WLoad = transferCycles(C, uint64_t(S * Taps) * C.D.WeightRowBytes, 1, false);
  TileCost T;
  T.Load = transferCycles(C, uint64_t(S) * InRows * C.D.InputRowBytes, uint64_t(S), false) +
           (G.NW > 1 ? WLoad / Bands : 0);
  T.Compute = timing::gemmLoopCycles(C, uint64_t(S * Taps) * Rows) +
              (G.Resident ? 0 : transferCycles(C, 64, 2, false) / Bands) + (G.NW > 1 ? 0 : WLoad / Bands);
  T.Alu = conv::tailAluPasses(Int32, Clip) * timing::aluLoopCycles(C, Rows);
  T.AluOverlaps = G.NA >= 3;
  const uint64_t Orb = conv::resultRowBytes(C, Int32);
  T.Store = transferCycles(C, Rows * Orb, 1, true);
  T.DramBytes = uint64_t(S) * InRows * C.D.InputRowBytes + Rows * Orb +
                uint64_t(S * Taps) * C.D.WeightRowBytes / Bands;
  G.Estimate = pipelinedCycles(C, T, Bands * uint64_t(OO * X.NOuter), N, WLoad);
  return G;
}

/// Tile rows and buffering by the per-tile formula (or as --tune asks).
Expected<GroupSchedule> chooseGroupSchedule(Emitter &E, const GroupConvPlan &Plan, const RowTensor &X, bool Clip,
                                            bool Int32) {
  const HardwareConfig &C = E.config();
  GroupSchedule Sc;
  if (const LayerSchedule *F = E.forcedSchedule())
    Sc = groupSchedule(C, Plan, X, F->TileRows, F->Buffers, E.maxBuffers(), Clip, Int32);
  const bool Forced = Sc.TH > 0;
  for (int64_t Nn = 1; !Forced && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t TH : tileRowCandidates(Plan.W.OH))
      if (GroupSchedule S = groupSchedule(C, Plan, X, TH, Nn, E.maxBuffers(), Clip, Int32); S.Estimate < Sc.Estimate)
        Sc = S;
  if (!Sc.TH)
    return makeError("no tiling of the grouped convolution fits the on-chip buffers");
  E.recordSchedule({"", Sc.TH, Sc.N, 0, Sc.Estimate, Forced});
  return Sc;
}

/// One grouped convolution's emission: per batch block and output block its span's weight tiles (and its
/// constant rows unless all are resident), then per band the span's input tiles, the bias, one GEMM over the
/// span's taps, and the requant/clip/store tail (after the next tile's GEMM when the ALU runs beside the GEMM
/// core).
class GroupConvLowering {
public:
  GroupConvLowering(Emitter &E, const ir::Graph &G, const ir::Node &N, const GroupConvPlan &Plan,
                    const GroupSchedule &Sc)
      : E(E), C(E.config()), G(G), N(N), Plan(Plan), Sc(Sc), W(Plan.W), X(E.Values.at(N.Inputs[0])),
        Y(E.Values.at(N.Outputs[0])), Taps(W.KH * W.KW), OO(Plan.WG.NOuter),
        TIW((W.OW - 1) * W.SW + (W.KW - 1) * W.DW + 1), Block(tileInRows(W, Sc.TH) * TIW),
        InSlot(std::max<int64_t>(1, Plan.MaxSpan) * Block), AccSlot(Sc.TH * W.OW),
        WSlot(std::max<int64_t>(1, Plan.MaxSpan) * Taps), Tails(Sc.NA >= 3) {
    // Constant rows at the top of the accumulators: of every output block, or of the current one.
    const int64_t ConstRows = Sc.Resident ? OO : 1;
    BiasBase = int64_t(C.D.AccDepth) - 2 * ConstRows, MulBase = BiasBase + ConstRows;
  }

  Status run();

private:
  struct Tail {
    int64_t Nb = 0, Ob = 0, Oh0 = 0, Th = 0, AccBase = 0, MulRow = 0;
  };
  /// Only the span tiles go to DRAM, each output block's contiguous: a depthwise layer's constant is as small
  /// as its real weights times block_in. FirstTile: each output block's first tile.
  std::vector<uint8_t> spanTiles();
  void loadConsts(int64_t Ob0, int64_t Count);
  Status band(int64_t Nb, int64_t Ob, int64_t Oh0, int64_t WBase);
  Status emitTail(const Tail &Tl);

  Emitter &E;
  const HardwareConfig &C;
  const ir::Graph &G;
  const ir::Node &N;
  const GroupConvPlan &Plan;
  const GroupSchedule &Sc;
  const Window2D &W;
  const RowTensor X, Y;
  const int64_t Taps, OO, TIW, Block, InSlot, AccSlot, WSlot;
  DeferredTail Tails;
  std::vector<int64_t> FirstTile;
  int WT = 0, BiasT = 0, MulT = 0;
  int64_t BiasBase = 0, MulBase = 0;
  int64_t Band = 0, Unit = 0; ///< bands and (output block, band) units so far: their slots rotate
};

std::vector<uint8_t> GroupConvLowering::spanTiles() {
  const int64_t TileBytes = int64_t(C.BlockIn * C.BlockOut);
  const std::vector<uint8_t> All = G.value(N.Inputs[1]).Data->byteVector();
  std::vector<uint8_t> Packed;
  for (int64_t Ob = 0; Ob < OO; ++Ob) {
    FirstTile.push_back(int64_t(Packed.size()) / TileBytes);
    for (int64_t Cb : Plan.Spans[size_t(Ob)]) {
      auto Begin = All.begin() + (Ob * Plan.WG.COuter + Cb) * Taps * TileBytes;
      Packed.insert(Packed.end(), Begin, Begin + Taps * TileBytes);
    }
  }
  return Packed;
}

void GroupConvLowering::loadConsts(int64_t Ob0, int64_t Count) {
  E.load(MemType::Acc, BiasBase, BiasT, uint64_t(Ob0) * C.D.AccRowBytes, 1, Count, Count);
  E.load(MemType::Acc, MulBase, MulT, uint64_t(Ob0) * C.D.AccRowBytes, 1, Count, Count);
}

Status GroupConvLowering::emitTail(const Tail &Tl) {
  const auto [Nb, Ob, Oh0, Th, AccBase, MulRow] = Tl;
  NPU_TRY(conv::requantRows(E, N, MulRow, Th, W.OW, AccBase));
  conv::storeResult(E, N, AccBase, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, 0)), 1, Th * W.OW, Th * W.OW);
  return Status::ok();
}

/// Output rows Oh0.. of output block Ob: the span's input tiles, the bias, the GEMM, the tail queued.
Status GroupConvLowering::band(int64_t Nb, int64_t Ob, int64_t Oh0, int64_t WBase) {
  const std::vector<int64_t> &Span = Plan.Spans[size_t(Ob)];
  const int64_t S = int64_t(Span.size()), Row = Sc.Resident ? Ob : 0;
  const int64_t Th = std::min(Sc.TH, W.OH - Oh0), InBase = (Band++ % Sc.N) * InSlot;
  const int64_t AccBase = (Unit++ % Sc.NA) * AccSlot;
  for (int64_t J = 0; J < S; ++J) {
    NPU_ASSIGN(InputTileLoad L, inputTile(X, W, TIW, Oh0 * W.SH - W.PT, tileInRows(W, Th), maxPad(C)));
    E.load(MemType::Input, InBase + J * Block, X.Tensor,
           uint64_t(X.row(Nb, Span[size_t(J)], L.FirstRow, 0)) * C.D.InputRowBytes, L.Y, L.X, X.W, L.PadT, L.PadB,
           L.PadL, L.PadR, N.getInt("x_zero_point", 0));
  }
  NPU_TRY(movRow(E, AccBase, BiasBase + Row, Th, W.OW));
  if (S) {
    std::vector<MicroOp> Kernel;
    for (int64_t J = 0; J < S; ++J)
      for (int64_t Kh = 0; Kh < W.KH; ++Kh)
        for (int64_t Kw = 0; Kw < W.KW; ++Kw)
          Kernel.push_back({AccBase, InBase + J * Block + Kh * W.DH * TIW + Kw * W.DW,
                            WBase + (J * W.KH + Kh) * W.KW + Kw});
    isa::GemmFields F;
    F.LoopOut = Th, F.LoopIn = W.OW, F.DstOut = W.OW, F.DstIn = 1, F.SrcOut = W.SH * TIW, F.SrcIn = W.SW;
    NPU_TRY(E.gemm(Kernel, F));
  }
  return Tails.push([this, Tl = Tail{Nb, Ob, Oh0, Th, AccBase, MulBase + Row}] { return emitTail(Tl); });
}

Status GroupConvLowering::run() {
  WT = E.weightTiles(N.Name + ".weights", spanTiles());
  BiasT = E.channelRows(N.Name + ".bias", conv::foldedBias(G, N), OO);
  MulT = E.channelRows(N.Name + ".mult", conv::requantMultipliers(N), OO);
  if (Sc.Resident)
    loadConsts(0, OO);
  int64_t WSet = 0;
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Ob = 0; Ob < OO; ++Ob) {
      const int64_t S = int64_t(Plan.Spans[size_t(Ob)].size()), WBase = (WSet++ % Sc.NW) * WSlot;
      if (S)
        E.load(MemType::Weight, WBase, WT, uint64_t(FirstTile[size_t(Ob)]) * C.D.WeightRowBytes, 1, S * Taps,
               S * Taps);
      if (!Sc.Resident) {
        NPU_TRY(Tails.flush()); // the pending tail reads the multiplier row
        loadConsts(Ob, 1);
      }
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += Sc.TH)
        NPU_TRY(band(Nb, Ob, Oh0, WBase));
    }
  return Tails.flush();
}

} // namespace

Status lowerGroupConv(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  NPU_ASSIGN(GroupConvPlan Plan, planGroupConv(G, N, E.config()));
  const RowTensor X = E.Values.at(N.Inputs[0]);
  NPU_ASSIGN(GroupSchedule Sc, chooseGroupSchedule(E, Plan, X, needsClip(N, E.config()), conv::int32Result(N)));
  return GroupConvLowering(E, G, N, Plan, Sc).run();
}

} // namespace npu::backend
