// Lowering of blocked npu.QConv (group 1): bias rows moved into the accumulators, one GEMM micro-op per
// (input-channel block, kernel tap) with strides in the source factors, per-channel requant, clip, store; and
// the helpers shared by the GEMM lowerings (ConvCommon.h).
#include "ConvCommon.h"
#include "DeferredTail.h"

#include "npu/backend/CostModel.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>
#include "npu/timing/TimingRules.h"

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

bool int32Result(const ir::Node &N) { return !N.findAttr("multiplier"); }

uint64_t resultRowBytes(const HardwareConfig &C, bool Int32) {
  return Int32 ? C.D.AccRowBytes : C.D.OutputRowBytes;
}

uint64_t tailAluPasses(bool Int32, bool Clip) { return Int32 ? 1 : Clip ? 3 : 2; }

void storeResult(Emitter &E, const ir::Node &N, int64_t Sram, int Tensor, uint64_t RowOffset, int64_t Y,
                 int64_t X, int64_t Stride) {
  const bool I32 = int32Result(N);
  E.store(I32 ? MemType::Acc : MemType::Output, Sram, Tensor, RowOffset * resultRowBytes(E.config(), I32), Y, X,
          Stride);
}

Status checkGemmNode(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  // An input zero point is exact on the NPU: LOAD pads the input tiles with it (pad_value), so every tap reads
  // q, and the bias gets -zp * sum(w) (foldedBias). It must fit the LOAD's pad_value field.
  const int64_t Zp = N.getInt("x_zero_point", 0), Half = int64_t(1) << (C.inputBits() - 1);
  if (Zp < -Half || Zp >= Half)
    return makeError("x_zero_point ", Zp, " does not fit the ", C.inputBits(), "-bit input type");
  if (!ir::isBlockedNode(N))
    return makeError("not in the blocked layout");
  if (int32Result(N) && (C.AccType != DType::Int32 || G.type(N.Outputs[0]).Elem != ir::ElemType::Int32))
    return makeError("an int32 result needs int32 accumulators and an i32 output");
  return checkBlockedAct(G, N.Inputs[0], C, int64_t(C.BlockIn));
}

std::vector<int64_t> foldedBias(const ir::Graph &G, const ir::Node &N) {
  std::vector<int64_t> Bias = {0};
  if (N.hasInput(2) && G.value(N.Inputs[2]).Data)
    Bias = G.value(N.Inputs[2]).Data->toInt64s();
  const int64_t Zp = N.getInt("x_zero_point", 0);
  if (Zp == 0)
    return Bias;
  // sum_t (q_t - zp) * w_t = sum_t q_t * w_t - zp * sum_t w_t over every tap, the padded ones included: they
  // read zp (the LOAD's pad value), so they add nothing, as the operator's definition says. The padding lanes
  // of the blocked input hold zp too and meet zero weights. Blocked weights are [O/bo, C/bi, taps..., bo, bi].
  const ir::Tensor &W = *G.value(N.Inputs[1]).Data;
  const ir::Shape &D = W.shape();
  const int64_t Bo = D[D.size() - 2], Bi = D.back(), Outer = D[0], Inner = W.numElements() / (Outer * Bo * Bi);
  const int8_t *P = W.data<int8_t>();
  std::vector<int64_t> Out(size_t(Outer * Bo), 0);
  for (int64_t O = 0; O < Outer * Bo; ++O) {
    int64_t Sum = 0;
    for (int64_t R = 0; R < Inner; ++R)
      for (int64_t I = 0; I < Bi; ++I)
        Sum += P[((O / Bo * Inner + R) * Bo + O % Bo) * Bi + I];
    const int64_t B = Bias.size() == 1 ? Bias[0] : O < int64_t(Bias.size()) ? Bias[size_t(O)] : 0;
    Out[size_t(O)] = int64_t(int32_t(uint32_t(B - Zp * Sum))); // the accumulators wrap like int32
  }
  return Out;
}

/// acc[Dst .. Dst + Rows) = bias row (src factors 0): replaces a reset GEMM and a bias add.
Status initFromBias(Emitter &E, int64_t BiasRow, int64_t Outer, int64_t Inner, int64_t Dst) {
  isa::AluFields F;
  F.LoopOut = Outer, F.LoopIn = Inner, F.DstOut = Inner, F.DstIn = 1;
  return E.alu(AluOp::Mov, {MicroOp{Dst, BiasRow, 0}}, F);
}

/// Per-channel requant (multiplier row, src factors 0, the node's shift and zero point), then the clip.
Status requantRows(Emitter &E, const ir::Node &N, int64_t MulRow, int64_t Outer, int64_t Inner, int64_t Dst) {
  isa::AluFields F;
  F.LoopOut = Outer, F.LoopIn = Inner, F.DstOut = Inner, F.DstIn = 1;
  F.Shift = N.getInt("shift", 1);
  F.Imm2 = N.getInt("y_zero_point", 0);
  if (int32Result(N))
    return Status::ok(); // the accumulators are the result
  NPU_TRY(E.alu(AluOp::Requant, {MicroOp{Dst, MulRow, 0}}, F));
  if (!needsClip(N, E.config()))
    return Status::ok();
  isa::AluFields Cf;
  Cf.LoopOut = Outer, Cf.LoopIn = Inner, Cf.DstOut = Inner, Cf.DstIn = 1, Cf.UseImm = 1,
  std::tie(Cf.Imm, Cf.Imm2) = actBounds(N, E.config());
  return E.alu(AluOp::Clip, {MicroOp{Dst, 0, 0}}, Cf);
}

/// Bias and multiplier constants of a node, one accumulator row per output block.
std::pair<int, int> channelConstants(Emitter &E, const ir::Graph &G, const ir::Node &N, int64_t Blocks) {
  return {E.channelRows(N.Name + ".bias", foldedBias(G, N), Blocks),
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
    // Input-channel (K) splitting and column tiling: partial sums accumulate over chunks of input blocks,
    // tiles of output rows x columns; it says why when even that does not fit.
    ConvShape K{*W, X, X.COuter, W->KH * W->KW, Wt.NOuter, false};
    if (Status S = convSplitCheck(C, K); !S)
      return makeError("no tiling fits (", W->OH, "x", W->OW, " outputs, ", X.COuter,
                       " input blocks, even with input-channel split and column tiles): ", S.message());
    return Status::ok();
  }
  return inputTile(X, *W, T->TIW, -W->PT, T->TIH, maxPad(C)).status();
}

namespace {

/// A convolution's schedule: N-way buffered row bands; the output blocks in groups of G whose weights are
/// on chip together (G = OO: all resident, each input band loaded once), NW weight slots of a group each.
struct ConvPlan {
  SlotPlan S;
  int64_t G = 1, NW = 1;
  int64_t NA = 1; ///< accumulator slots (S.N, or three for the ALU/GEMM overlap of alu.concurrent)
  uint64_t Estimate = UINT64_MAX, Bytes = 0;
};

/// Whether the bias and multiplier rows of every output block fit above NA accumulator slots of TH rows.
bool constantsResident(const HardwareConfig &C, const ConvShape &K, int64_t TH, int64_t NA) {
  return NA * TH * K.W.OW + 2 * K.OO <= int64_t(C.D.AccDepth);
}

/// The per-tile formula: a tile is one band of output rows for one group of output blocks; its loads,
/// compute and stores are the pipeline's stages. Returns the cycles and the DRAM bytes.
std::pair<uint64_t, uint64_t> convEstimate(const HardwareConfig &C, const ConvShape &K, int64_t G, int64_t TH,
                                           int64_t N, int64_t NW, bool Overlap, int64_t NA) {
  const Window2D &W = K.W;
  const uint64_t Rows = uint64_t(TH * W.OW), Bands = uint64_t((W.OH + TH - 1) / TH);
  const uint64_t InRows = uint64_t(std::min(tileInRows(W, TH), K.X.H) * std::min(K.X.W, (W.OW - 1) * W.SW +
                                                                                        (W.KW - 1) * W.DW + 1));
  const uint64_t Groups = uint64_t((K.OO + G - 1) / G),
                 Alu = tailAluPasses(K.Int32, K.Clip) * timing::aluLoopCycles(C, Rows);
  TileCost T;
  const int64_t TIW = (W.OW - 1) * W.SW + (W.KW - 1) * W.DW + 1;
  const bool Unpadded = W.PT == 0 && W.PL == 0 && (TIW == K.X.W || (TIW < K.X.W && tileInRows(W, TH) == 1)) &&
                        (W.OH - 1) * W.SH + (W.KH - 1) * W.DH + 1 <= K.X.H;
  T.Load =
      transferCycles(C, uint64_t(K.Cin) * InRows * C.D.InputRowBytes, Unpadded ? 1 : uint64_t(K.Cin), false);
  T.Compute = uint64_t(G) * timing::gemmLoopCycles(C, uint64_t(K.Cin * K.Taps) * Rows);
  T.Alu = uint64_t(G) * Alu;
  T.AluOverlaps = Overlap;
  const uint64_t Orb = resultRowBytes(C, K.Int32);
  T.Store = uint64_t(G) * transferCycles(C, Rows * Orb, 1, true);
  T.DramBytes = uint64_t(K.Cin) * InRows * C.D.InputRowBytes + uint64_t(G) * Rows * Orb;
  const uint64_t WBytes = uint64_t(G * K.Cin * K.Taps) * C.D.WeightRowBytes;
  const uint64_t WLoad = transferCycles(C, WBytes, 1, false),
                 AccLoads = transferCycles(C, uint64_t(G) * 64, 2, false);
  const uint64_t Tiles = Bands * uint64_t(K.X.NOuter) * Groups;
  const uint64_t Bytes = Tiles * T.DramBytes + Groups * WBytes * (Groups > 1 ? uint64_t(K.X.NOuter) : 1);
  if (Groups == 1)
    return {pipelinedCycles(C, T, Tiles, N, WLoad + AccLoads), Bytes};
  // Per group: its weights (with NW > 1 prefetched in one chunk per band of the group before) and, unless
  // every block's constant rows stay resident, its constant rows (on the compute unit, draining it).
  uint64_t Fixed = NW > 1 ? WLoad : WLoad * Groups;
  if (constantsResident(C, K, TH, NA))
    Fixed += transferCycles(C, uint64_t(K.OO) * 64, 2, false);
  else
    T.Compute += AccLoads / Bands;
  if (NW > 1)
    T.Load += transferCycles(C, WBytes / Bands, 1, false), T.DramBytes += WBytes / Bands;
  return {pipelinedCycles(C, T, Tiles, N, Fixed), Bytes};
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
    auto [Est, Bytes] = convEstimate(C, K, G, TH, N, NW, C.AluConcurrent && N >= 3, N);
    All.push_back({makeSlotPlan(K.W, TH, N), G, NW, N, Est, Bytes});
    // alu.concurrent: three accumulator slots let a tile's requant run beside the next tile's GEMMs (the tail
    // retires after that GEMM and its store must end before the slot takes a new bias), even when the
    // input buffer holds fewer tiles.
    const int64_t Out = TH * K.W.OW;
    if (C.AluConcurrent && N < 3 && E.maxBuffers() > 1 && 3 * Out <= int64_t(C.D.OutputDepth) &&
        3 * Out + 2 * G <= int64_t(C.D.AccDepth) && N * 3 * NW * G * Set <= int64_t(C.D.UopDepth)) {
      auto [OEst, OBytes] = convEstimate(C, K, G, TH, N, NW, true, 3);
      All.push_back({makeSlotPlan(K.W, TH, N), G, NW, 3, OEst, OBytes});
    }
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

namespace {

/// One convolution's lowering with a ConvPlan: per step (batch block, group of output blocks) its weights and
/// constant rows, then every band of the image: the band's input tile, and per output block the bias, the GEMM
/// and (deferred by one tile with alu.concurrent) the requant, clip and store.
class ConvLowering {
public:
  ConvLowering(Emitter &E, const ir::Node &N, const ConvShape &K, const ConvPlan &P, int WT, int BiasT, int MulT)
      : E(E), C(E.config()), N(N), K(K), P(P), T(P.S), W(K.W), X(K.X), Y(E.Values.at(N.Outputs[0])),
        WT(WT), BiasT(BiasT), MulT(MulT), Tails(C.AluConcurrent && P.NA >= 3) {
    OneGroup = P.G >= K.OO;
    Resident = OneGroup || constantsResident(C, K, T.TH, P.NA);
    // Constant rows: of every output block when they fit above the slots (loaded once), else of one group.
    const int64_t ConstRows = Resident ? K.OO : P.G;
    BiasBase = int64_t(C.D.AccDepth) - 2 * ConstRows, MulBase = BiasBase + ConstRows;
    InSlot = T.inSlotRows(K.Cin), AccSlot = T.accSlotRows(W.OW);
  }

  Status run();

private:
  /// One micro-op per (input block, tap); the slot bases are in the micro-ops, so each (input slot, weight
  /// base, accumulator slot) has its kernel, loaded once per layer.
  std::vector<MicroOp> kernelFor(int64_t WgtBase, int64_t InBase, int64_t AccBase) const;
  Status loadBand(int64_t Nb, int64_t Oh0, int64_t Th, int64_t InBase);
  Status computeBlock(int64_t Nb, int64_t Ob, int64_t Row, int64_t WgtBase, int64_t InBase, int64_t Oh0, int64_t Th);
  void loadWeights(int64_t G0, int64_t WgtBase, int64_t R0, int64_t R1);
  void loadConsts(int64_t G0, int64_t Gn);
  int64_t groupSize(int64_t G0) const { return OneGroup ? K.OO : std::min(P.G, K.OO - G0); }

  Emitter &E;
  const HardwareConfig &C;
  const ir::Node &N;
  const ConvShape &K;
  const ConvPlan &P;
  const SlotPlan &T;
  const Window2D &W;
  const RowTensor &X;
  const RowTensor Y;
  const int WT, BiasT, MulT; ///< the weight tiles' and constant rows' DRAM tensors
  DeferredTail Tails;
  bool OneGroup = false, Resident = false;
  int64_t BiasBase = 0, MulBase = 0, InSlot = 0, AccSlot = 0;
  int64_t Unit = 0; ///< output blocks computed so far (their accumulator slot rotates)
};

std::vector<MicroOp> ConvLowering::kernelFor(int64_t WgtBase, int64_t InBase, int64_t AccBase) const {
  std::vector<MicroOp> Kn;
  for (int64_t Cb = 0; Cb < K.Cin; ++Cb)
    for (int64_t Kh = 0; Kh < W.KH; ++Kh)
      for (int64_t Kw = 0; Kw < W.KW; ++Kw)
        Kn.push_back({AccBase, InBase + Cb * T.TIH * T.TIW + Kh * W.DH * T.TIW + Kw * W.DW,
                      WgtBase + (Cb * W.KH + Kh) * W.KW + Kw});
  return Kn;
}

Status ConvLowering::loadBand(int64_t Nb, int64_t Oh0, int64_t Th, int64_t InBase) {
  auto L = inputTile(X, W, T.TIW, Oh0 * W.SH - W.PT, tileInRows(W, Th), maxPad(C));
  if (!L)
    return L.error();
  const uint64_t Irb = C.D.InputRowBytes;
  const int64_t MaxSize = (int64_t(1) << C.SizeBits) - 1;
  // Without padding the band of every channel block is TIH x TIW contiguous rows (whole image rows, or a
  // single row), H x W apart in DRAM: one 2-D transfer (y = blocks) instead of one per block, which saves
  // a DRAM latency per block.
  if (L->PadT + L->PadB + L->PadL + L->PadR == 0 && L->Y * L->X == T.TIH * T.TIW && (L->X == X.W || L->Y == 1) &&
      K.Cin <= MaxSize && L->Y * L->X <= MaxSize && X.H * X.W < (int64_t(1) << C.StrideBits)) {
    E.load(MemType::Input, InBase, X.Tensor, uint64_t(X.row(Nb, 0, L->FirstRow, 0)) * Irb, K.Cin, L->Y * L->X,
           X.H * X.W);
    return Status::ok();
  }
  for (int64_t Cb = 0; Cb < K.Cin; ++Cb)
    E.load(MemType::Input, InBase + Cb * T.TIH * T.TIW, X.Tensor, uint64_t(X.row(Nb, Cb, L->FirstRow, 0)) * Irb,
           L->Y, L->X, X.W, L->PadT, L->PadB, L->PadL, L->PadR, N.getInt("x_zero_point", 0));
  return Status::ok();
}

// With an ALU beside the GEMM core (alu.concurrent) and three accumulator slots, a tile's requant, clip and store
// are emitted after the next tile's GEMM, so the ALU works on one tile while the GEMM core computes the next
// (software pipelining by one tile).
Status ConvLowering::computeBlock(int64_t Nb, int64_t Ob, int64_t Row, int64_t WgtBase, int64_t InBase, int64_t Oh0,
                                  int64_t Th) {
  const int64_t AccBase = (Unit++ % P.NA) * AccSlot;
  NPU_TRY(initFromBias(E, BiasBase + Row, Th, W.OW, AccBase));
  isa::GemmFields F;
  F.LoopOut = Th, F.LoopIn = W.OW, F.DstOut = W.OW, F.DstIn = 1, F.SrcOut = W.SH * T.TIW, F.SrcIn = W.SW;
  NPU_TRY(E.gemm(kernelFor(WgtBase, InBase, AccBase), F));
  return Tails.push([this, Nb, Ob, Row, AccBase, Oh0, Th]() -> Status {
    NPU_TRY(requantRows(E, N, MulBase + Row, Th, W.OW, AccBase));
    storeResult(E, N, AccBase, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, 0)), 1, Th * W.OW, Th * W.OW);
    return Status::ok();
  });
}

void ConvLowering::loadWeights(int64_t G0, int64_t WgtBase, int64_t R0, int64_t R1) {
  if (R1 > R0)
    E.load(MemType::Weight, WgtBase + R0, WT, uint64_t(G0 * K.Cin * K.Taps + R0) * C.D.WeightRowBytes, 1, R1 - R0,
           R1 - R0);
}

void ConvLowering::loadConsts(int64_t G0, int64_t Gn) {
  E.load(MemType::Acc, BiasBase, BiasT, uint64_t(G0) * C.D.AccRowBytes, 1, Gn, Gn);
  E.load(MemType::Acc, MulBase, MulT, uint64_t(G0) * C.D.AccRowBytes, 1, Gn, Gn);
}

// Per group of output blocks (one step per batch block and group): its weights in weight slot step % NW, its
// constant rows unless all are resident, then every band of the image once. With NW > 1 the next step's weights
// are prefetched in one chunk per band, so they stream while this group computes. With one group the weights
// stay for the whole batch.
Status ConvLowering::run() {
  const int64_t Cin = K.Cin, Taps = K.Taps, OO = K.OO;
  std::vector<std::pair<int64_t, int64_t>> Steps; // (batch block, first output block)
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t G0 = 0; G0 < (OneGroup ? 1 : OO); G0 += P.G)
      Steps.push_back({Nb, G0});
  auto WBaseOf = [&](size_t I) { return OneGroup ? 0 : int64_t(I % size_t(P.NW)) * P.G * Cin * Taps; };
  if (Resident)
    loadConsts(0, OO);
  const int64_t Bands = (W.OH + T.TH - 1) / T.TH;
  int64_t Band = 0;
  for (size_t I = 0; I < Steps.size(); ++I) {
    const auto [Nb, G0] = Steps[I];
    const int64_t Gn = groupSize(G0), WgtBase = WBaseOf(I), Rows = Gn * Cin * Taps;
    if (I == 0 || (!OneGroup && P.NW == 1))
      loadWeights(G0, WgtBase, 0, Rows);
    if (!Resident) {
      NPU_TRY(Tails.flush()); // the pending tail reads this group's multiplier rows
      loadConsts(G0, Gn);
    }
    const bool Prefetch = !OneGroup && P.NW > 1 && I + 1 < Steps.size();
    const int64_t NextG0 = Prefetch ? Steps[I + 1].second : 0, NextRows = groupSize(NextG0) * Cin * Taps;
    for (int64_t B = 0, Oh0 = 0; Oh0 < W.OH; ++B, Oh0 += T.TH) {
      const int64_t Th = std::min(T.TH, W.OH - Oh0), InBase = (Band++ % T.N) * InSlot;
      NPU_TRY(loadBand(Nb, Oh0, Th, InBase));
      if (Prefetch)
        loadWeights(NextG0, WBaseOf(I + 1), NextRows * B / Bands, NextRows * (B + 1) / Bands);
      for (int64_t Ob = 0; Ob < Gn; ++Ob)
        NPU_TRY(computeBlock(Nb, G0 + Ob, Resident ? G0 + Ob : Ob, WgtBase + Ob * Cin * Taps, InBase, Oh0, Th));
    }
  }
  return Tails.flush();
}

} // namespace

Status lowerConv(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerConv(G, N, C));
  ConvShape K;
  K.W = *convWindow(G, N);
  K.X = E.Values.at(N.Inputs[0]);
  const RowTensor Y = E.Values.at(N.Outputs[0]);
  K.Cin = K.X.COuter, K.Taps = K.W.KH * K.W.KW, K.OO = Y.COuter;
  K.Clip = needsClip(N, C), K.Int32 = int32Result(N);
  const int WT = E.weightTiles(N.Name + ".weights", G.value(N.Inputs[1]).Data->byteVector());
  auto [BiasT, MulT] = channelConstants(E, G, N, K.OO);
  auto Plan = chooseConvPlan(E, K);
  if (!Plan || convSplitEstimate(E, K) < Plan->Estimate - Plan->Estimate / 50)
    return lowerConvSplit(E, G, N, K);
  E.recordSchedule({"", Plan->S.TH, Plan->S.N, Plan->G, Plan->Estimate, E.forcedSchedule() != nullptr});
  return ConvLowering(E, N, K, *Plan, WT, BiasT, MulT).run();
}

} // namespace npu::backend
