// Lowering of blocked grouped and depthwise npu.QConv. The layout pass gives them dense weights that are zero
// outside each group; here every output-channel block reads only the input-channel blocks whose weight tiles
// are not all zero (its "span"), so a depthwise conv becomes one input block per output block with a diagonal
// weight tile per tap: one GEMM per row band whose micro-ops are the (span block, tap) pairs, as for a dense
// conv. The GEMM core does block_in times the useful MACs of a depthwise conv, but each input row is loaded
// once and the whole layer stays on the NPU without per-lane ALU multiplies (which would need one
// accumulator row of weights per tap and a widening GEMM for every input row).
#include "AluRows.h"
#include "ConvCommon.h"
#include "Window.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>

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

std::vector<int64_t> multipliers(const ir::Node &N) {
  const ir::Attribute *A = N.findAttr("multiplier");
  return A->kind() == ir::AttrKind::Ints ? std::get<std::vector<int64_t>>(A->Val)
                                         : std::vector<int64_t>{std::get<int64_t>(A->Val)};
}

} // namespace

Status canLowerGroupConv(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  return planGroupConv(G, N, C).status();
}

Status lowerGroupConv(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_ASSIGN(GroupConvPlan Plan, planGroupConv(G, N, C));
  const Window2D &W = Plan.W;
  const ConvTiling &T = Plan.T;
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const int64_t Taps = W.KH * W.KW, OO = Plan.WG.NOuter, TileBytes = int64_t(C.BlockIn * C.BlockOut);
  // Only the span tiles go to DRAM, each output block's contiguous: a depthwise layer's constant is as small
  // as its real weights times block_in.
  const std::vector<uint8_t> All = G.value(N.Inputs[1]).Data->byteVector();
  std::vector<uint8_t> Packed;
  std::vector<int64_t> FirstTile;
  for (int64_t Ob = 0; Ob < OO; ++Ob) {
    FirstTile.push_back(int64_t(Packed.size()) / TileBytes);
    for (int64_t Cb : Plan.Spans[size_t(Ob)]) {
      auto Begin = All.begin() + (Ob * Plan.WG.COuter + Cb) * Taps * TileBytes;
      Packed.insert(Packed.end(), Begin, Begin + Taps * TileBytes);
    }
  }
  const int WT = E.constant(N.Name + ".weights", std::move(Packed));
  std::vector<int64_t> Bias = {0};
  if (N.hasInput(2))
    Bias = G.value(N.Inputs[2]).Data->toInt64s();
  const int BiasT = E.channelRows(N.Name + ".bias", Bias, OO);
  const int MulT = E.channelRows(N.Name + ".mult", multipliers(N), OO);
  const int64_t BiasRow = int64_t(C.D.AccDepth) - 2, MulRow = BiasRow + 1;
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes, Wrb = C.D.WeightRowBytes;
  const uint64_t Arb = C.D.AccRowBytes;
  const int64_t Slot = T.TIH * T.TIW; // input buffer rows of one span block's band
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Ob = 0; Ob < OO; ++Ob) {
      const std::vector<int64_t> &Span = Plan.Spans[size_t(Ob)];
      const int64_t S = int64_t(Span.size());
      if (S)
        E.load(MemType::Weight, 0, WT, uint64_t(FirstTile[size_t(Ob)]) * Wrb, 1, S * Taps, S * Taps);
      E.load(MemType::Acc, BiasRow, BiasT, uint64_t(Ob) * Arb, 1, 1, 1);
      E.load(MemType::Acc, MulRow, MulT, uint64_t(Ob) * Arb, 1, 1, 1);
      std::vector<MicroOp> Kernel;
      for (int64_t J = 0; J < S; ++J)
        for (int64_t Kh = 0; Kh < W.KH; ++Kh)
          for (int64_t Kw = 0; Kw < W.KW; ++Kw)
            Kernel.push_back({0, J * Slot + Kh * W.DH * T.TIW + Kw * W.DW, (J * W.KH + Kh) * W.KW + Kw});
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += T.TH) {
        const int64_t Th = std::min(T.TH, W.OH - Oh0);
        for (int64_t J = 0; J < S; ++J) {
          NPU_ASSIGN(InputTileLoad L,
                     inputTile(X, W, T.TIW, Oh0 * W.SH - W.PT, tileInRows(W, Th), maxPad(C)));
          E.load(MemType::Input, J * Slot, X.Tensor,
                 uint64_t(X.row(Nb, Span[size_t(J)], L.FirstRow, 0)) * Irb, L.Y, L.X, X.W, L.PadT, L.PadB,
                 L.PadL, L.PadR);
        }
        NPU_TRY(movRow(E, 0, BiasRow, Th, W.OW));
        if (S) {
          isa::GemmFields F;
          F.LoopOut = Th, F.LoopIn = W.OW, F.DstOut = W.OW, F.DstIn = 1, F.SrcOut = W.SH * T.TIW,
          F.SrcIn = W.SW;
          NPU_TRY(E.gemm(Kernel, F));
        }
        NPU_TRY(requantClip(E, N, Th, W.OW, MulRow));
        E.storeOut(0, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, 0)) * Orb, 1, Th * W.OW, Th * W.OW);
      }
    }
  return Status::ok();
}

} // namespace npu::backend
