// Lowering of blocked npu.QConv (group 1) and npu.QMatMul: bias rows moved into the accumulators, one GEMM
// micro-op per (input-channel block, kernel tap) with strides in the source factors, per-channel requant,
// clip, store.
#include "ConvCommon.h"

#include "npu/backend/CostModel.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

namespace conv {

std::vector<int64_t> requantMultipliers(const ir::Node &N) {
  if (const ir::Attribute *A = N.findAttr("multiplier"))
    return A->kind() == ir::AttrKind::Ints ? std::get<std::vector<int64_t>>(A->Val)
                                           : std::vector<int64_t>{std::get<int64_t>(A->Val)};
  return {};
}

Status checkGemmNode(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (!ir::isBlockedNode(N))
    return makeError("not in the blocked layout");
  if (C.BlockIn != C.BlockOut)
    return makeError("block_in != block_out needs npu.Reblock, not implemented");
  if (!N.findAttr("multiplier"))
    return makeError("an int32 result (no requantization) is not produced by the NPU path");
  if (N.getInt("x_zero_point", 0) != 0)
    return makeError("x_zero_point ", N.getInt("x_zero_point", 0), " != 0 (the NPU pads with zeros)");
  return checkBlockedAct(G, N.Inputs[0], C, int64_t(C.BlockIn));
}

/// Bias and multiplier rows of output block Ob into accumulator rows BiasRow, BiasRow + 1.
void loadChannelRows(Emitter &E, int BiasT, int MulT, int64_t Ob, int64_t BiasRow) {
  const uint64_t Arb = E.config().D.AccRowBytes;
  E.load(MemType::Acc, BiasRow, BiasT, uint64_t(Ob) * Arb, 1, 1, 1);
  E.load(MemType::Acc, BiasRow + 1, MulT, uint64_t(Ob) * Arb, 1, 1, 1);
}

/// acc[Dst .. Dst + Rows) = bias row (src factors 0): replaces a reset GEMM and a bias add.
Status initFromBias(Emitter &E, int64_t BiasRow, int64_t Outer, int64_t Inner, int64_t Dst) {
  isa::AluFields F;
  F.LoopOut = Outer, F.LoopIn = Inner, F.DstOut = Inner, F.DstIn = 1;
  return E.alu(AluOp::Mov, {MicroOp{Dst, BiasRow, 0}}, F);
}

bool needsClip(const ir::Node &N) {
  return N.getInt("act_min", -128) != -128 || N.getInt("act_max", 127) != 127;
}

/// Per-channel requant (multiplier row, src factors 0, the node's shift and zero point), then the clip.
Status requantRows(Emitter &E, const ir::Node &N, int64_t MulRow, int64_t Outer, int64_t Inner, int64_t Dst) {
  isa::AluFields F;
  F.LoopOut = Outer, F.LoopIn = Inner, F.DstOut = Inner, F.DstIn = 1;
  F.Shift = N.getInt("shift", 1);
  F.Imm2 = N.getInt("y_zero_point", 0);
  NPU_TRY(E.alu(AluOp::Requant, {MicroOp{Dst, MulRow, 0}}, F));
  if (!needsClip(N))
    return Status::ok();
  isa::AluFields Cf;
  Cf.LoopOut = Outer, Cf.LoopIn = Inner, Cf.DstOut = Inner, Cf.DstIn = 1, Cf.UseImm = 1,
  Cf.Imm = N.getInt("act_min", -128), Cf.Imm2 = N.getInt("act_max", 127);
  return E.alu(AluOp::Clip, {MicroOp{Dst, 0, 0}}, Cf);
}

/// Bias and multiplier constants of a node, one accumulator row per output block.
std::pair<int, int> channelConstants(Emitter &E, const ir::Graph &G, const ir::Node &N, int64_t Blocks) {
  std::vector<int64_t> Bias = {0};
  if (N.hasInput(2) && G.value(N.Inputs[2]).Data)
    Bias = G.value(N.Inputs[2]).Data->toInt64s();
  return {E.channelRows(N.Name + ".bias", Bias, Blocks),
          E.channelRows(N.Name + ".mult", requantMultipliers(N), Blocks)};
}

Expected<Window2D> convWindow(const ir::Graph &G, const ir::Node &N) {
  auto XB = ir::decodeBlocked(G.type(N.Inputs[0]).Dims);
  auto WB = ir::decodeBlocked(G.type(N.Inputs[1]).Dims);
  if (!XB || !WB)
    return makeError("blocked shapes expected");
  return window2D(N, XB->Spatial, WB->Spatial, false);
}

} // namespace conv

using namespace conv;

Status canLowerConv(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkGemmNode(G, N, C));
  if (G.type(N.Inputs[0]).rank() < 5)
    return makeError("a blocked convolution needs 1 or 2 spatial dims");
  if (N.getInt("group", 1) != 1)
    return makeError("grouped convolution is not lowered yet");
  if (!G.value(N.Inputs[1]).Data || (N.hasInput(2) && !G.value(N.Inputs[2]).Data))
    return makeError("weights and bias must be constants");
  auto W = convWindow(G, N);
  if (!W)
    return W.error();
  const RowTensor X = rowGeometry(G.type(N.Inputs[0]).Dims);
  const RowTensor Wt = rowGeometry(G.type(N.Inputs[1]).Dims);
  auto T = chooseConvTiling(C, *W, X.COuter, 2, false);
  if (!T || Wt.COuter * W->KH * W->KW > int64_t(C.D.WeightDepth)) {
    // Input-channel (K) splitting: partial sums accumulate over chunks of input blocks.
    ConvShape K{*W, X, X.COuter, W->KH * W->KW, Wt.NOuter, false};
    if (!convSplitFeasible(C, K))
      return makeError("even one input block of one output row (", W->OW, " positions, ", tileInRows(*W, 1),
                       "x", (W->OW - 1) * W->SW + (W->KW - 1) * W->DW + 1,
                       " rows) does not fit the on-chip buffers (column tiling is not implemented)");
    const int64_t TIW = (W->OW - 1) * W->SW + (W->KW - 1) * W->DW + 1;
    return inputTile(X, *W, TIW, -W->PT, tileInRows(*W, 1), maxPad(C)).status();
  }
  return inputTile(X, *W, T->TIW, -W->PT, T->TIH, maxPad(C)).status();
}

namespace {

/// A convolution's schedule: N-way buffered row bands; the output blocks in groups of G whose weights are
/// on chip together (G = OO: all resident, each input band loaded once), NW weight slots of a group each.
struct ConvPlan {
  SlotPlan S;
  int64_t G = 1, NW = 1;
  uint64_t Estimate = UINT64_MAX, Bytes = 0;
};

/// The per-tile formula: a tile is one band of output rows for one group of output blocks; its loads,
/// compute and stores are the pipeline's stages. Returns the cycles and the DRAM bytes.
std::pair<uint64_t, uint64_t> convEstimate(const HardwareConfig &C, const ConvShape &K, int64_t G, int64_t TH,
                                           int64_t N, int64_t NW) {
  const Window2D &W = K.W;
  const uint64_t Passes = (C.Batch * C.BlockOut + C.AluLanes - 1) / C.AluLanes;
  const uint64_t Rows = uint64_t(TH * W.OW), Bands = uint64_t((W.OH + TH - 1) / TH);
  const uint64_t InRows = uint64_t(std::min(tileInRows(W, TH), K.X.H) * K.X.W);
  const uint64_t Groups = uint64_t((K.OO + G - 1) / G),
                 Alu = (K.Clip ? 3 : 2) * (Rows * Passes + C.AluLatency);
  TileCost T;
  const bool Unpadded = W.PT == 0 && W.PL == 0 && (W.OW - 1) * W.SW + (W.KW - 1) * W.DW + 1 == K.X.W &&
                        (W.OH - 1) * W.SH + (W.KH - 1) * W.DH + 1 <= K.X.H;
  T.Load =
      transferCycles(C, uint64_t(K.Cin) * InRows * C.D.InputRowBytes, Unpadded ? 1 : uint64_t(K.Cin), false);
  T.Compute = uint64_t(G) * (Alu + uint64_t(K.Cin * K.Taps) * Rows + C.GemmLatency);
  T.Store = uint64_t(G) * transferCycles(C, Rows * C.D.OutputRowBytes, 1, true);
  T.DramBytes = uint64_t(K.Cin) * InRows * C.D.InputRowBytes + uint64_t(G) * Rows * C.D.OutputRowBytes;
  const uint64_t WBytes = uint64_t(G * K.Cin * K.Taps) * C.D.WeightRowBytes;
  const uint64_t WLoad = transferCycles(C, WBytes, 1, false),
                 AccLoads = transferCycles(C, uint64_t(G) * 64, 2, false);
  const uint64_t Tiles = Bands * uint64_t(K.X.NOuter) * Groups;
  const uint64_t Bytes = Tiles * T.DramBytes + Groups * WBytes * (Groups > 1 ? uint64_t(K.X.NOuter) : 1);
  if (Groups == 1)
    return {pipelinedCycles(C, T, Tiles, N, WLoad + AccLoads), Bytes};
  // Per group: its weights (overlapped when NW > 1) and constant rows (on the compute unit).
  T.Compute += AccLoads / Bands;
  if (NW > 1)
    T.Load += WLoad / Bands, T.DramBytes += WBytes / Bands;
  return {pipelinedCycles(C, T, Tiles, N, NW > 1 ? WLoad : WLoad * Groups), Bytes};
}

/// Micro-op rows a plan needs at once: one kernel per (input slot, weight base, accumulator slot).
int64_t convUopRows(const ConvShape &K, int64_t G, int64_t N, int64_t NW) {
  return N * (G % N == 0 ? 1 : N) * NW * G * K.Cin * K.Taps;
}

Expected<ConvPlan> chooseConvPlan(const Emitter &E, const ConvShape &K) {
  const HardwareConfig &C = E.config();
  const int64_t WDepth = int64_t(C.D.WeightDepth), Set = K.Cin * K.Taps;
  std::vector<ConvPlan> All;
  auto Consider = [&](int64_t G, int64_t TH, int64_t N) {
    if (G * Set > WDepth || !slotPlanFits(C, K.W, K.Cin, 2 * G, false, TH, N))
      return;
    const int64_t NW = G == K.OO ? 1 : std::max<int64_t>(1, std::min(N, WDepth / (G * Set)));
    if (N > 1 && convUopRows(K, G, N, NW) > int64_t(C.D.UopDepth))
      return;
    auto [Est, Bytes] = convEstimate(C, K, G, TH, N, NW);
    All.push_back({makeSlotPlan(K.W, TH, N), G, NW, Est, Bytes});
  };
  const std::vector<int64_t> Groups = tileRowCandidates(K.OO);
  if (const LayerSchedule *F = E.forcedSchedule())
    for (int64_t G : Groups)
      Consider(G, F->TileRows, F->Buffers);
  if (All.empty())
    for (int64_t N = 1; N <= E.maxBuffers(); ++N)
      for (int64_t TH : tileRowCandidates(K.W.OH))
        for (int64_t G : Groups)
          Consider(G, TH, N);
  if (All.empty())
    return makeError("no tiling of the convolution fits the on-chip buffers");
  // The fastest; within 1 % of it, the one moving the fewest DRAM bytes.
  uint64_t Fastest = UINT64_MAX;
  for (const ConvPlan &P : All)
    Fastest = std::min(Fastest, P.Estimate);
  const ConvPlan *Best = nullptr;
  for (const ConvPlan &P : All)
    if (P.Estimate <= Fastest + Fastest / 100 && (!Best || P.Bytes < Best->Bytes))
      Best = &P;
  return *Best;
}

} // namespace

Status lowerConv(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerConv(G, N, C));
  ConvShape K;
  K.W = *convWindow(G, N);
  K.X = E.Values.at(N.Inputs[0]);
  const RowTensor Y = E.Values.at(N.Outputs[0]);
  const Window2D &W = K.W;
  const RowTensor &X = K.X;
  K.Cin = X.COuter, K.Taps = W.KH * W.KW, K.OO = Y.COuter, K.Clip = needsClip(N);
  const int64_t Cin = K.Cin, Taps = K.Taps, OO = K.OO;
  const int WT = E.constant(N.Name + ".weights", G.value(N.Inputs[1]).Data->byteVector());
  auto [BiasT, MulT] = channelConstants(E, G, N, OO);
  auto Plan = chooseConvPlan(E, K);
  if (!Plan || convSplitEstimate(E, K) < Plan->Estimate - Plan->Estimate / 50)
    return lowerConvSplit(E, G, N, K);
  const SlotPlan &T = Plan->S;
  const int64_t GB = Plan->G;
  E.recordSchedule({"", T.TH, T.N, GB, Plan->Estimate, E.forcedSchedule() != nullptr});
  const int64_t BiasBase = int64_t(C.D.AccDepth) - 2 * GB, MulBase = BiasBase + GB;
  const int64_t InSlot = T.inSlotRows(Cin), AccSlot = T.accSlotRows(W.OW);

  // One micro-op per (input block, tap); the slot bases are in the micro-ops, so each (input slot, weight
  // base, accumulator slot) has its kernel, loaded once per layer.
  auto KernelFor = [&](int64_t WgtBase, int64_t InBase, int64_t AccBase) {
    std::vector<MicroOp> Kn;
    for (int64_t Cb = 0; Cb < Cin; ++Cb)
      for (int64_t Kh = 0; Kh < W.KH; ++Kh)
        for (int64_t Kw = 0; Kw < W.KW; ++Kw)
          Kn.push_back({AccBase, InBase + Cb * T.TIH * T.TIW + Kh * W.DH * T.TIW + Kw * W.DW,
                        WgtBase + (Cb * W.KH + Kh) * W.KW + Kw});
    return Kn;
  };
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes, Wrb = C.D.WeightRowBytes;
  const uint64_t Arb = C.D.AccRowBytes;
  const int64_t MaxSize = (int64_t(1) << C.SizeBits) - 1;
  auto LoadBand = [&](int64_t Nb, int64_t Oh0, int64_t Th, int64_t InBase) -> Status {
    auto L = inputTile(X, W, T.TIW, Oh0 * W.SH - W.PT, tileInRows(W, Th), maxPad(C));
    if (!L)
      return L.error();
    // Without padding the band of every channel block is TIH x TIW contiguous rows, H x W apart in DRAM:
    // one 2-D transfer (y = blocks) instead of one per block, which saves a DRAM latency per block.
    if (L->PadT + L->PadB + L->PadL + L->PadR == 0 && L->Y * L->X == T.TIH * T.TIW && L->X == X.W &&
        Cin <= MaxSize && L->Y * L->X <= MaxSize && X.H * X.W < (int64_t(1) << C.StrideBits)) {
      E.load(MemType::Input, InBase, X.Tensor, uint64_t(X.row(Nb, 0, L->FirstRow, 0)) * Irb, Cin, L->Y * L->X,
             X.H * X.W);
      return Status::ok();
    }
    for (int64_t Cb = 0; Cb < Cin; ++Cb) {
      E.load(MemType::Input, InBase + Cb * T.TIH * T.TIW, X.Tensor,
             uint64_t(X.row(Nb, Cb, L->FirstRow, 0)) * Irb, L->Y, L->X, X.W, L->PadT, L->PadB, L->PadL,
             L->PadR);
    }
    return Status::ok();
  };
  int64_t Unit = 0;
  auto ComputeBlock = [&](int64_t Nb, int64_t Ob, int64_t Row, int64_t WgtBase, int64_t InBase, int64_t Oh0,
                          int64_t Th) -> Status {
    const int64_t AccBase = (Unit++ % T.N) * AccSlot;
    NPU_TRY(initFromBias(E, BiasBase + Row, Th, W.OW, AccBase));
    isa::GemmFields F;
    F.LoopOut = Th, F.LoopIn = W.OW, F.DstOut = W.OW, F.DstIn = 1, F.SrcOut = W.SH * T.TIW, F.SrcIn = W.SW;
    NPU_TRY(E.gemm(KernelFor(WgtBase, InBase, AccBase), F));
    NPU_TRY(requantRows(E, N, MulBase + Row, Th, W.OW, AccBase));
    E.storeOut(AccBase, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, 0)) * Orb, 1, Th * W.OW, Th * W.OW);
    return Status::ok();
  };
  // Per group of output blocks: its weights (in weight slot WSet % NW), bias and multiplier rows, then every
  // band of the image once. With one group the weights stay for the whole batch.
  auto LoadGroup = [&](int64_t G0, int64_t Gn, int64_t WgtBase) {
    E.load(MemType::Weight, WgtBase, WT, uint64_t(G0 * Cin * Taps) * Wrb, 1, Gn * Cin * Taps,
           Gn * Cin * Taps);
    E.load(MemType::Acc, BiasBase, BiasT, uint64_t(G0) * Arb, 1, Gn, Gn);
    E.load(MemType::Acc, MulBase, MulT, uint64_t(G0) * Arb, 1, Gn, Gn);
  };
  const bool OneGroup = GB >= OO;
  if (OneGroup)
    LoadGroup(0, OO, 0);
  int64_t Band = 0, WSet = 0;
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t G0 = 0; G0 < OO; G0 += GB) {
      const int64_t Gn = std::min(GB, OO - G0),
                    WgtBase = OneGroup ? 0 : (WSet++ % Plan->NW) * GB * Cin * Taps;
      if (!OneGroup)
        LoadGroup(G0, Gn, WgtBase);
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += T.TH) {
        const int64_t Th = std::min(T.TH, W.OH - Oh0), InBase = (Band++ % T.N) * InSlot;
        NPU_TRY(LoadBand(Nb, Oh0, Th, InBase));
        for (int64_t Ob = 0; Ob < Gn; ++Ob)
          NPU_TRY(ComputeBlock(Nb, G0 + Ob, Ob, WgtBase + Ob * Cin * Taps, InBase, Oh0, Th));
      }
    }
  return Status::ok();
}

Status canLowerMatMul(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkGemmNode(G, N, C));
  if (G.type(N.Inputs[0]).rank() != 4 || !G.value(N.Inputs[1]).Data ||
      (N.hasInput(2) && !G.value(N.Inputs[2]).Data))
    return makeError("blocked X [M/n, K/bi, n, bi] with constant weights and bias expected");
  const int64_t Kb = G.type(N.Inputs[0]).Dims[1];
  if (Kb > int64_t(C.D.WeightDepth) || Kb > int64_t(C.D.InputDepth) || Kb > int64_t(C.D.UopDepth))
    return makeError("K of ", Kb, " blocks exceeds the buffers (K splitting is not implemented)");
  return Status::ok();
}

Status lowerMatMul(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerMatMul(G, N, C));
  const ir::Shape &XD = G.type(N.Inputs[0]).Dims, &YD = G.type(N.Outputs[0]).Dims;
  const int64_t Mb = XD[0], Kb = XD[1], Nb = YD[1], AccTop = int64_t(C.D.AccDepth) - 2;
  const int XT = E.Values.at(N.Inputs[0]).Tensor, YT = E.Values.at(N.Outputs[0]).Tensor;
  const int WT = E.constant(N.Name + ".weights", G.value(N.Inputs[1]).Data->byteVector());
  auto [BiasT, MulT] = channelConstants(E, G, N, Nb);
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes, Wrb = C.D.WeightRowBytes;
  const uint64_t Passes = (C.Batch * C.BlockOut + C.AluLanes - 1) / C.AluLanes;
  // N-way buffered weights (one output block each), input row tiles and accumulator tiles; when all of X
  // fits one input slot it is loaded once for every output block.
  auto Fits = [&](int64_t TM, int64_t Nn) {
    return TM >= 1 && Nn * Kb <= int64_t(C.D.WeightDepth) && Nn * TM * Kb <= int64_t(C.D.InputDepth) &&
           Nn * TM <= int64_t(std::min(C.D.OutputDepth, C.D.AccDepth - 2)) && TM < (int64_t(1) << C.LoopBits);
  };
  auto Estimate = [&](int64_t TM, int64_t Nn) {
    const uint64_t Tiles = uint64_t(Nb * ((Mb + TM - 1) / TM));
    const bool Stationary = TM >= Mb;
    TileCost T;
    T.Load = transferCycles(C, uint64_t(Kb) * Wrb, 1, false) / uint64_t((Mb + TM - 1) / TM) +
             (Stationary ? 0 : transferCycles(C, uint64_t(TM * Kb) * Irb, 1, false));
    T.Compute = uint64_t(Kb * TM) + C.GemmLatency + 2 * (uint64_t(TM) * Passes + C.AluLatency) +
                transferCycles(C, 64, 2, false);
    T.Store = transferCycles(C, uint64_t(TM) * Orb, uint64_t(TM), true);
    T.DramBytes = uint64_t(Kb) * Wrb + uint64_t(TM) * Orb + (Stationary ? 0 : uint64_t(TM * Kb) * Irb);
    return pipelinedCycles(C, T, Tiles, Nn,
                           Stationary ? transferCycles(C, uint64_t(Mb * Kb) * Irb, 1, false) : 0);
  };
  int64_t TM = 0, NBuf = 1;
  uint64_t Best = UINT64_MAX;
  const LayerSchedule *Forced = E.forcedSchedule();
  if (Forced && Fits(std::min(Forced->TileRows, Mb), Forced->Buffers))
    TM = std::min(Forced->TileRows, Mb), NBuf = Forced->Buffers, Best = Estimate(TM, NBuf);
  const bool Search = TM == 0;
  for (int64_t Nn = 1; Search && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t Tm : tileRowCandidates(Mb))
      if (Fits(Tm, Nn) && Estimate(Tm, Nn) < Best)
        Best = Estimate(Tm, Nn), TM = Tm, NBuf = Nn;
  if (TM == 0)
    return makeError("no tiling of the matmul fits the on-chip buffers");
  E.recordSchedule({"", TM, NBuf, 0, Best, !Search});
  const bool Stationary = TM >= Mb;
  if (Stationary)
    E.load(MemType::Input, 0, XT, 0, 1, Mb * Kb, Mb * Kb);
  int64_t Unit = 0, Tile = 0;
  for (int64_t Ob = 0; Ob < Nb; ++Ob) {
    const int64_t WBase = (Ob % NBuf) * Kb;
    E.load(MemType::Weight, WBase, WT, uint64_t(Ob * Kb) * Wrb, 1, Kb, Kb);
    loadChannelRows(E, BiasT, MulT, Ob, AccTop);
    for (int64_t M0 = 0; M0 < Mb; M0 += TM) {
      const int64_t Tm = std::min(TM, Mb - M0);
      const int64_t InBase = Stationary ? 0 : (Tile++ % NBuf) * TM * Kb, AccBase = (Unit++ % NBuf) * TM;
      if (!Stationary)
        E.load(MemType::Input, InBase, XT, uint64_t(M0 * Kb) * Irb, 1, Tm * Kb, Tm * Kb);
      NPU_TRY(initFromBias(E, AccTop, Tm, 1, AccBase));
      std::vector<MicroOp> Kernel;
      for (int64_t K = 0; K < Kb; ++K)
        Kernel.push_back({AccBase, InBase + (Stationary ? M0 * Kb : 0) + K, WBase + K});
      isa::GemmFields F;
      F.LoopOut = Tm, F.LoopIn = 1, F.DstOut = 1, F.SrcOut = Kb;
      NPU_TRY(E.gemm(Kernel, F));
      NPU_TRY(requantRows(E, N, AccTop + 1, Tm, 1, AccBase));
      E.storeOut(AccBase, YT, uint64_t(M0 * Nb + Ob) * Orb, Tm, 1, Nb);
    }
  }
  return Status::ok();
}

} // namespace npu::backend
