// Convolution with input-channel (K) splitting, for layers whose input band (all input blocks) or whose
// weights of one output block do not fit the buffers: partial sums of chunks of input blocks accumulate in
// the accumulators between the bias initialization and the requantization, N-way buffered like the
// unsplit lowering.
#include "ConvCommon.h"

#include "npu/backend/CostModel.h"

#include <algorithm>

namespace npu::backend::conv {

using isa::MemType;
using isa::MicroOp;

namespace {

struct SplitPlan {
  int64_t TH = 0, N = 1, KB = 1, NW = 1;
  bool WRes = false; ///< an output block's weights of all chunks stay on chip (else per chunk, per band)
  uint64_t Estimate = UINT64_MAX;
};

int64_t tileInCols(const Window2D &W) { return (W.OW - 1) * W.SW + (W.KW - 1) * W.DW + 1; }

/// Fits: N input slots of KB blocks, N accumulator/out slots, weights (NW slots of a whole output block,
/// or N slots of one chunk), bias and multiplier rows at the top of the accumulators.
bool splitFits(const HardwareConfig &C, const ConvShape &K, SplitPlan &P) {
  const Window2D &W = K.W;
  const int64_t In = P.KB * tileInRows(W, P.TH) * tileInCols(W), Out = P.TH * W.OW;
  const int64_t MaxLoop = (int64_t(1) << C.LoopBits) - 1, WDepth = int64_t(C.D.WeightDepth);
  if (P.TH < 1 || P.KB < 1 || P.TH > W.OH || P.N * In > int64_t(C.D.InputDepth) ||
      P.N * Out > int64_t(C.D.OutputDepth) || P.N * Out + 2 > int64_t(C.D.AccDepth) || P.TH > MaxLoop ||
      W.OW > MaxLoop)
    return false;
  P.NW = P.WRes ? std::min(P.N, WDepth / (K.Cin * K.Taps)) : P.N;
  return P.NW >= 1 && (P.WRes ? P.NW * K.Cin * K.Taps : P.N * P.KB * K.Taps) <= WDepth;
}

uint64_t splitEstimate(const HardwareConfig &C, const ConvShape &K, const SplitPlan &P) {
  const Window2D &W = K.W;
  const uint64_t Passes = (C.Batch * C.BlockOut + C.AluLanes - 1) / C.AluLanes;
  const uint64_t Rows = uint64_t(P.TH * W.OW), Bands = uint64_t((W.OH + P.TH - 1) / P.TH);
  const uint64_t Chunks = uint64_t((K.Cin + P.KB - 1) / P.KB);
  const uint64_t InRows = uint64_t(std::min(tileInRows(W, P.TH), K.X.H) * K.X.W);
  const uint64_t ChunkW = uint64_t(P.KB * K.Taps) * C.D.WeightRowBytes;
  TileCost T;
  T.Load = Chunks * transferCycles(C, uint64_t(P.KB) * InRows * C.D.InputRowBytes, uint64_t(P.KB), false) +
           (P.WRes ? transferCycles(C, Chunks * ChunkW, 1, false) / Bands
                   : Chunks * transferCycles(C, ChunkW, 1, false));
  T.Compute = (K.Clip ? 3 : 2) * (Rows * Passes + C.AluLatency) +
              Chunks * (uint64_t(P.KB * K.Taps) * Rows + C.GemmLatency) +
              transferCycles(C, 64, 2, false) / Bands;
  T.Store = transferCycles(C, Rows * C.D.OutputRowBytes, 1, true);
  T.DramBytes = Chunks * (uint64_t(P.KB) * InRows * C.D.InputRowBytes + (P.WRes ? 0 : ChunkW)) +
                Rows * C.D.OutputRowBytes;
  return pipelinedCycles(C, T, Bands * uint64_t(K.OO * K.X.NOuter), P.N, 0);
}

Expected<SplitPlan> chooseSplitPlan(const Emitter *E, const HardwareConfig &C, const ConvShape &K) {
  SplitPlan Best;
  const LayerSchedule *Forced = E ? E->forcedSchedule() : nullptr;
  const int64_t MaxN = E ? E->maxBuffers() : 1;
  for (int Pass = Forced ? 0 : 1; Pass < 2 && Best.Estimate == UINT64_MAX; ++Pass)
    for (int64_t N = Pass ? 1 : Forced->Buffers; N <= (Pass ? MaxN : Forced->Buffers); ++N)
      for (int64_t TH : Pass ? tileRowCandidates(K.W.OH) : std::vector<int64_t>{Forced->TileRows})
        for (int64_t KB : tileRowCandidates(K.Cin))
          for (bool WRes : {true, false}) {
            SplitPlan P;
            P.TH = TH, P.N = N, P.KB = KB, P.WRes = WRes;
            if (!splitFits(C, K, P))
              continue;
            P.Estimate = splitEstimate(C, K, P);
            if (P.Estimate < Best.Estimate)
              Best = P;
          }
  if (Best.Estimate == UINT64_MAX)
    return makeError("no input-channel split of the convolution fits the on-chip buffers");
  return Best;
}

} // namespace

bool convSplitFeasible(const HardwareConfig &C, const ConvShape &K) {
  return chooseSplitPlan(nullptr, C, K).isOk();
}

uint64_t convSplitEstimate(const Emitter &E, const ConvShape &K) {
  auto P = chooseSplitPlan(&E, E.config(), K);
  return P ? P->Estimate : UINT64_MAX;
}

Status lowerConvSplit(Emitter &E, const ir::Graph &G, const ir::Node &N, const ConvShape &K) {
  const HardwareConfig &C = E.config();
  auto Plan = chooseSplitPlan(&E, C, K);
  if (!Plan)
    return Plan.error();
  const SplitPlan P = *Plan;
  const Window2D &W = K.W;
  const RowTensor &X = K.X, Y = E.Values.at(N.Outputs[0]);
  const int64_t Cin = K.Cin, Taps = K.Taps, TIH = tileInRows(W, P.TH), TIW = tileInCols(W);
  E.recordSchedule({"", P.TH, P.N, 1, P.Estimate, E.forcedSchedule() != nullptr});
  const int WT = E.constant(N.Name + ".weights", G.value(N.Inputs[1]).Data->byteVector());
  auto [BiasT, MulT] = channelConstants(E, G, N, K.OO);
  const int64_t BiasRow = int64_t(C.D.AccDepth) - 2, MulRow = BiasRow + 1;
  const int64_t InSlot = P.KB * TIH * TIW, AccSlot = P.TH * W.OW;
  const int64_t WSlot = P.WRes ? Cin * Taps : P.KB * Taps, MaxSize = (int64_t(1) << C.SizeBits) - 1;
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes, Wrb = C.D.WeightRowBytes;
  const uint64_t Arb = C.D.AccRowBytes;
  auto LoadChunk = [&](int64_t Nb, int64_t C0, int64_t Kn, int64_t Oh0, int64_t Th,
                       int64_t InBase) -> Status {
    auto L = inputTile(X, W, TIW, Oh0 * W.SH - W.PT, tileInRows(W, Th), maxPad(C));
    if (!L)
      return L.error();
    if (L->PadT + L->PadB + L->PadL + L->PadR == 0 && L->Y * L->X == TIH * TIW && L->X == X.W &&
        Kn <= MaxSize && L->Y * L->X <= MaxSize && X.H * X.W < (int64_t(1) << C.StrideBits)) {
      E.load(MemType::Input, InBase, X.Tensor, uint64_t(X.row(Nb, C0, L->FirstRow, 0)) * Irb, Kn, L->Y * L->X,
             X.H * X.W);
      return Status::ok();
    }
    for (int64_t Cb = 0; Cb < Kn; ++Cb)
      E.load(MemType::Input, InBase + Cb * TIH * TIW, X.Tensor,
             uint64_t(X.row(Nb, C0 + Cb, L->FirstRow, 0)) * Irb, L->Y, L->X, X.W, L->PadT, L->PadB, L->PadL,
             L->PadR);
    return Status::ok();
  };
  int64_t Unit = 0, Chunk = 0, WSet = 0;
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Ob = 0; Ob < K.OO; ++Ob) {
      int64_t WBase = 0;
      if (P.WRes) {
        WBase = (WSet++ % P.NW) * WSlot;
        E.load(MemType::Weight, WBase, WT, uint64_t(Ob * Cin * Taps) * Wrb, 1, Cin * Taps, Cin * Taps);
      }
      E.load(MemType::Acc, BiasRow, BiasT, uint64_t(Ob) * Arb, 1, 1, 1);
      E.load(MemType::Acc, MulRow, MulT, uint64_t(Ob) * Arb, 1, 1, 1);
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += P.TH) {
        const int64_t Th = std::min(P.TH, W.OH - Oh0), AccBase = (Unit++ % P.N) * AccSlot;
        NPU_TRY(initFromBias(E, BiasRow, Th, W.OW, AccBase));
        for (int64_t C0 = 0; C0 < Cin; C0 += P.KB) {
          const int64_t Kn = std::min(P.KB, Cin - C0), InBase = (Chunk++ % P.N) * InSlot;
          NPU_TRY(LoadChunk(Nb, C0, Kn, Oh0, Th, InBase));
          int64_t WgtBase = WBase + C0 * Taps;
          if (!P.WRes) {
            WgtBase = (WSet++ % P.NW) * WSlot;
            E.load(MemType::Weight, WgtBase, WT, uint64_t((Ob * Cin + C0) * Taps) * Wrb, 1, Kn * Taps,
                   Kn * Taps);
          }
          std::vector<MicroOp> Kernel;
          for (int64_t Cb = 0; Cb < Kn; ++Cb)
            for (int64_t Kh = 0; Kh < W.KH; ++Kh)
              for (int64_t Kw = 0; Kw < W.KW; ++Kw)
                Kernel.push_back({AccBase, InBase + Cb * TIH * TIW + Kh * W.DH * TIW + Kw * W.DW,
                                  WgtBase + (Cb * W.KH + Kh) * W.KW + Kw});
          isa::GemmFields F;
          F.LoopOut = Th, F.LoopIn = W.OW, F.DstOut = W.OW, F.DstIn = 1, F.SrcOut = W.SH * TIW,
          F.SrcIn = W.SW;
          NPU_TRY(E.gemm(Kernel, F));
        }
        NPU_TRY(requantRows(E, N, MulRow, Th, W.OW, AccBase));
        E.storeOut(AccBase, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, 0)) * Orb, 1, Th * W.OW, Th * W.OW);
      }
    }
  return Status::ok();
}

} // namespace npu::backend::conv
