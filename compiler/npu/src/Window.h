// Window helpers shared by the convolution and pooling lowerings: 2-D window geometry, row (and column)
// tiling under the buffer capacities, and the padded input-tile LOAD of one tile.
#pragma once

#include "Emitter.h"

#include "npu/compiler/ops/OpHelpers.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <vector>

namespace npu::backend {

/// Window geometry reduced to 2-D (a 1-D window is a 1 x K window over a 1 x W image).
struct Window2D {
  int64_t KH = 1, KW = 1, SH = 1, SW = 1, DH = 1, DW = 1, PT = 0, PL = 0, OH = 1, OW = 1;
};

inline Expected<Window2D> window2D(const ir::Node &N, const ir::Shape &InSp, const ir::Shape &KSp,
                                   bool Ceil) {
  auto G = ir::resolveWindow(N, InSp, KSp, Ceil);
  if (!G)
    return G.error();
  Window2D W;
  const size_t R = InSp.size(), L = R - 1;
  W.KW = G->Kernel[L], W.SW = G->Strides[L], W.DW = G->Dilations[L], W.PL = G->PadsBegin[L],
  W.OW = G->OutSpatial[L];
  if (R == 2)
    W.KH = G->Kernel[0], W.SH = G->Strides[0], W.DH = G->Dilations[0], W.PT = G->PadsBegin[0],
    W.OH = G->OutSpatial[0];
  return W;
}

/// Rows per tile and the input tile's extent for a window layer.
struct ConvTiling {
  int64_t TH = 0, TIH = 0, TIW = 0;
};

inline int64_t tileInRows(const Window2D &W, int64_t TH) { return (TH - 1) * W.SH + (W.KH - 1) * W.DH + 1; }
/// Input columns a tile of TW output columns reads.
inline int64_t tileInCols(const Window2D &W, int64_t TW) { return (TW - 1) * W.SW + (W.KW - 1) * W.DW + 1; }

/// The most output rows per tile under the buffers: input rows (all channel blocks), accumulator rows (the
/// tile plus the bias and multiplier rows), output mirror rows.
inline Expected<ConvTiling> chooseConvTiling(const HardwareConfig &C, const Window2D &W, int64_t CinBlocks,
                                             int64_t AccExtraRows, bool InputInAcc) {
  ConvTiling T;
  T.TIW = (W.OW - 1) * W.SW + (W.KW - 1) * W.DW + 1;
  const int64_t AccRows = int64_t(std::min(C.D.AccDepth, C.D.OutputDepth + AccExtraRows)) - AccExtraRows;
  for (int64_t TH = W.OH; TH >= 1; --TH) {
    const int64_t In = CinBlocks * tileInRows(W, TH) * T.TIW;
    const int64_t Out = TH * W.OW;
    if (In > int64_t(C.D.InputDepth) || Out > int64_t(C.D.OutputDepth))
      continue;
    if (Out + AccExtraRows + (InputInAcc ? In : 0) > int64_t(C.D.AccDepth) || Out > AccRows)
      continue;
    T.TH = TH;
    T.TIH = tileInRows(W, TH);
    return T;
  }
  return makeError("one output row (", W.OW, " positions, ", CinBlocks, " input blocks of ", tileInRows(W, 1),
                   "x", T.TIW,
                   " rows) does not fit the on-chip buffers (column tiling is done for dense convolutions "
                   "and pools only)");
}

/// Buffer rows of one N-way-buffered window tiling: each of the N input slots holds CinBlocks input tiles
/// of TIH x TIW rows, each of the N output slots TH x OW accumulator rows (mirrored in the out buffer).
struct SlotPlan {
  int64_t TH = 0, TIH = 0, TIW = 0, N = 1;
  int64_t inSlotRows(int64_t CinBlocks) const { return CinBlocks * TIH * TIW; }
  int64_t accSlotRows(int64_t OW) const { return TH * OW; }
};

/// Whether TH output rows per tile fit N times: inputs (all channel blocks) in the input buffer, output rows
/// in the out buffer and, with AccExtraRows reserved at the top and (InputInAcc) one widened input tile, in
/// the accumulators; the loop counts in their fields.
inline bool slotPlanFits(const HardwareConfig &C, const Window2D &W, int64_t CinBlocks, int64_t AccExtraRows,
                         bool InputInAcc, int64_t TH, int64_t N) {
  const int64_t TIW = (W.OW - 1) * W.SW + (W.KW - 1) * W.DW + 1, In = CinBlocks * tileInRows(W, TH) * TIW;
  const int64_t Out = TH * W.OW, MaxLoop = (int64_t(1) << C.LoopBits) - 1;
  return TH >= 1 && TH <= W.OH && N * In <= int64_t(C.D.InputDepth) && N * Out <= int64_t(C.D.OutputDepth) &&
         N * Out + AccExtraRows + (InputInAcc ? tileInRows(W, TH) * TIW : 0) <= int64_t(C.D.AccDepth) &&
         TH <= MaxLoop && W.OW <= MaxLoop;
}

inline SlotPlan makeSlotPlan(const Window2D &W, int64_t TH, int64_t N) {
  SlotPlan P;
  P.TH = TH, P.N = N, P.TIH = tileInRows(W, TH), P.TIW = (W.OW - 1) * W.SW + (W.KW - 1) * W.DW + 1;
  return P;
}

/// Row counts worth trying for an extent of Rows: one per distinct tile count (ceil(Rows / k)).
inline std::vector<int64_t> tileRowCandidates(int64_t Rows) {
  std::vector<int64_t> R;
  for (int64_t K = 1; K <= Rows; ++K) {
    const int64_t T = (Rows + K - 1) / K;
    if (R.empty() || R.back() != T)
      R.push_back(T);
  }
  return R;
}

/// One input tile: rows [R0, R0 + Rows) and columns [C0, C0 + Cols) of the padded image, for one channel
/// block; the LOAD reads Y x X rows from (FirstRow, FirstCol) and pads the rest with zeros.
struct InputTileLoad {
  int64_t Y = 0, X = 0, PadT = 0, PadB = 0, PadL = 0, PadR = 0, FirstRow = 0, FirstCol = 0;
};

/// The part of [Start, Start + Len) inside [0, Extent), and the padding before and after it.
struct ClippedSpan {
  int64_t First = 0, Count = 0, Before = 0, After = 0;
};
inline ClippedSpan clipSpan(int64_t Extent, int64_t Start, int64_t Len) {
  ClippedSpan S;
  S.First = std::max<int64_t>(0, Start);
  S.Count = std::min(Extent, Start + Len) - S.First;
  S.Before = S.First - Start;
  S.After = Len - S.Before - std::max<int64_t>(0, S.Count);
  return S;
}

inline Expected<InputTileLoad> inputTileAt(const RowTensor &X, int64_t R0, int64_t Rows, int64_t C0,
                                           int64_t Cols, uint64_t MaxPad) {
  const ClippedSpan R = clipSpan(X.H, R0, Rows), Cs = clipSpan(X.W, C0, Cols);
  InputTileLoad L;
  L.FirstRow = R.First, L.Y = R.Count, L.PadT = R.Before, L.PadB = R.After;
  L.FirstCol = Cs.First, L.X = Cs.Count, L.PadL = Cs.Before, L.PadR = Cs.After;
  if (L.Y <= 0 || L.X <= 0)
    return makeError("an input tile lies entirely in the padding (padding larger than the image)");
  for (int64_t P : {L.PadT, L.PadB, L.PadL, L.PadR})
    if (P < 0 || uint64_t(P) > MaxPad)
      return makeError("padding ", P, " does not fit the LOAD pad fields (at most ", MaxPad, ")");
  return L;
}

/// The full-width tile of a row band: columns [-PL, TIW - PL).
inline Expected<InputTileLoad> inputTile(const RowTensor &X, const Window2D &W, int64_t TIW, int64_t R0,
                                         int64_t Rows, uint64_t MaxPad) {
  return inputTileAt(X, R0, Rows, -W.PL, TIW, MaxPad);
}

/// Whether every tile of TH x TW output positions (the last band and column tile may be smaller) can be
/// loaded: some of the image in it, its padding within the LOAD pad fields. Rows and columns clip
/// independently, and only tiles near the image's edges have padding: each axis is walked from both ends
/// up to its first interior tile.
inline Status tilesLoadable(const RowTensor &X, const Window2D &W, int64_t TH, int64_t TW, uint64_t MaxPad) {
  auto Axis = [&](int64_t Out, int64_t T, int64_t Extent, int64_t S, int64_t Pad, int64_t K, int64_t D,
                  const char *What) -> Status {
    auto Edge = [&](int64_t O0) -> Expected<bool> { // true: the tile has no padding
      const int64_t Len = (std::min(T, Out - O0) - 1) * S + (K - 1) * D + 1;
      const ClippedSpan Sp = clipSpan(Extent, O0 * S - Pad, Len);
      if (Sp.Count <= 0)
        return makeError("an input tile lies entirely in the padding (padding larger than the image)");
      for (int64_t P : {Sp.Before, Sp.After})
        if (uint64_t(P) > MaxPad)
          return makeError(What, " padding ", P, " does not fit the LOAD pad fields (at most ", MaxPad, ")");
      return Sp.Before == 0 && Sp.After == 0;
    };
    const int64_t Last = (Out - 1) / T * T;
    int64_t Lo = 0;
    for (; Lo <= Last; Lo += T) {
      NPU_ASSIGN(bool Inside, Edge(Lo));
      if (Inside)
        break;
    }
    for (int64_t Hi = Last; Hi > Lo; Hi -= T) {
      NPU_ASSIGN(bool Inside, Edge(Hi));
      if (Inside)
        break;
    }
    return Status::ok();
  };
  NPU_TRY(Axis(W.OH, TH, X.H, W.SH, W.PT, W.KH, W.DH, "row"));
  return Axis(W.OW, TW, X.W, W.SW, W.PL, W.KW, W.DW, "column");
}

inline uint64_t maxPad(const HardwareConfig &C) { return (uint64_t(1) << C.PadBits) - 1; }

} // namespace npu::backend
