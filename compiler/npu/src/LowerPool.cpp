// Lowering of blocked npu.MaxPool, npu.QAvgPool and npu.QGlobalAvgPool: the int8 input tile is widened into
// the accumulators by an identity GEMM, its padding is set to the reduction's identity (-128 for max, 0 for
// the zero-point-corrected sum), then the taps are reduced by ALU max/add with the strides in the src
// factors.
#include "Window.h"

#include "npu/backend/CostModel.h"

#include "npu/compiler/ops/BlockedLayout.h"

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

} // namespace

Status canLowerPool(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (!ir::isBlockedNode(N))
    return makeError("not in the blocked layout");
  if (C.BlockIn != C.BlockOut)
    return makeError("widening int8 rows into the accumulators needs block_in == block_out");
  NPU_TRY(checkBlockedAct(G, N.Inputs[0], C, int64_t(C.BlockIn)));
  if (G.type(N.Inputs[0]).rank() < 5)
    return makeError("pooling needs 1 or 2 spatial dims");
  auto W = poolWindow(G, N);
  if (!W)
    return W.error();
  auto T = chooseConvTiling(C, *W, 1, 0, true);
  if (!T)
    return T.error();
  return inputTile(rowGeometry(G.type(N.Inputs[0]).Dims), *W, T->TIW, -W->PT, T->TIH, maxPad(C)).status();
}

/// Per channel block and row tile: widen, fix the padding, reduce the taps, requantize (averages), store.
Status lowerPool(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerPool(G, N, C));
  const PoolKind Kind = poolKind(N);
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const Window2D W = *poolWindow(G, N);
  // N-way buffered input tiles and output rows; the widened input (compute only) has one region above them.
  const uint64_t Passes = (C.Batch * C.BlockOut + C.AluLanes - 1) / C.AluLanes;
  auto Estimate = [&](int64_t TH, int64_t Nn) {
    const SlotPlan S = makeSlotPlan(W, TH, Nn);
    const uint64_t In = uint64_t(S.TIH * S.TIW), Out = uint64_t(TH * W.OW);
    TileCost T;
    T.Load = transferCycles(C, uint64_t(std::min(S.TIH, X.H) * X.W) * C.D.InputRowBytes, 1, false);
    T.Compute = 2 * (In + C.GemmLatency) + (uint64_t(W.KH * W.KW) + 3) * (Out * Passes + C.AluLatency);
    T.Store = transferCycles(C, Out * C.D.OutputRowBytes, 1, true);
    T.DramBytes = uint64_t(std::min(S.TIH, X.H) * X.W) * C.D.InputRowBytes + Out * C.D.OutputRowBytes;
    return pipelinedCycles(C, T, uint64_t(X.NOuter * X.COuter * ((W.OH + TH - 1) / TH)), Nn, 0);
  };
  SlotPlan T;
  uint64_t Best = UINT64_MAX;
  const LayerSchedule *Forced = E.forcedSchedule();
  if (Forced && slotPlanFits(C, W, 1, 0, true, Forced->TileRows, Forced->Buffers))
    T = makeSlotPlan(W, Forced->TileRows, Forced->Buffers), Best = Estimate(T.TH, T.N);
  const bool Search = Best == UINT64_MAX;
  for (int64_t Nn = 1; Search && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t TH : tileRowCandidates(W.OH))
      if (slotPlanFits(C, W, 1, 0, true, TH, Nn) && Estimate(TH, Nn) < Best)
        Best = Estimate(TH, Nn), T = makeSlotPlan(W, TH, Nn);
  if (Best == UINT64_MAX)
    return makeError("no tiling of the pooling fits the on-chip buffers");
  E.recordSchedule({"", T.TH, T.N, 0, Best, Forced != nullptr});
  const int64_t ABase = T.N * T.TH * W.OW, XZp = Kind == PoolKind::Max ? 0 : N.getInt("x_zero_point", 0);
  const int64_t PadValue = Kind == PoolKind::Max ? -128 : 0;
  const AluOp Reduce = Kind == PoolKind::Max ? AluOp::Max : AluOp::Add;
  E.load(MemType::Weight, 0, E.identityTile(), 0, 1, 1, 1);
  auto TapsAt = [&](int64_t OutBase) {
    std::vector<MicroOp> Taps;
    for (int64_t Kh = 0; Kh < W.KH; ++Kh)
      for (int64_t Kw = 0; Kw < W.KW; ++Kw)
        Taps.push_back({OutBase, ABase + Kh * W.DH * T.TIW + Kw * W.DW, 0});
    return Taps;
  };
  int64_t Tile = 0;
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes;
  auto Fill = [&](int64_t Dst, int64_t Rows, int64_t Cols, int64_t Value) {
    isa::AluFields F;
    F.LoopOut = Rows, F.LoopIn = Cols, F.DstOut = T.TIW, F.DstIn = 1, F.UseImm = 1, F.Imm = Value;
    return E.alu(AluOp::Mov, {MicroOp{Dst, 0, 0}}, F);
  };
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Cb = 0; Cb < X.COuter; ++Cb)
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += T.TH) {
        const int64_t Th = std::min(T.TH, W.OH - Oh0), Rows = tileInRows(W, Th), Slot = Tile++ % T.N;
        const int64_t InBase = Slot * T.TIH * T.TIW, OutBase = Slot * T.TH * W.OW;
        auto L = inputTile(X, W, T.TIW, Oh0 * W.SH - W.PT, Rows, maxPad(C));
        if (!L)
          return L.error();
        E.load(MemType::Input, InBase, X.Tensor, uint64_t(X.row(Nb, Cb, L->FirstRow, 0)) * Irb, L->Y, L->X,
               X.W, L->PadT, L->PadB, L->PadL, L->PadR);
        isa::GemmFields Wd;
        Wd.LoopOut = Rows, Wd.LoopIn = T.TIW, Wd.DstOut = T.TIW, Wd.DstIn = 1, Wd.SrcOut = T.TIW,
        Wd.SrcIn = 1;
        Wd.Reset = 1;
        NPU_TRY(E.gemm({MicroOp{ABase, InBase, 0}}, Wd));
        Wd.Reset = 0;
        NPU_TRY(E.gemm({MicroOp{ABase, InBase, 0}}, Wd));
        if (XZp != 0) {
          isa::AluFields F;
          F.LoopOut = Rows, F.LoopIn = T.TIW, F.DstOut = T.TIW, F.DstIn = 1, F.UseImm = 1, F.Imm = -XZp;
          NPU_TRY(E.alu(AluOp::Add, {MicroOp{ABase, 0, 0}}, F));
        }
        // Padding taps contribute nothing in the reference: give them the reduction's identity.
        if (PadValue != 0 || XZp != 0) {
          if (L->PadT)
            NPU_TRY(Fill(ABase, L->PadT, T.TIW, PadValue));
          if (L->PadB)
            NPU_TRY(Fill(ABase + (Rows - L->PadB) * T.TIW, L->PadB, T.TIW, PadValue));
          if (L->PadL)
            NPU_TRY(Fill(ABase, Rows, L->PadL, PadValue));
          if (L->PadR)
            NPU_TRY(Fill(ABase + T.TIW - L->PadR, Rows, L->PadR, PadValue));
        }
        isa::AluFields Init;
        Init.LoopOut = Th, Init.LoopIn = W.OW, Init.DstOut = W.OW, Init.DstIn = 1, Init.UseImm = 1;
        Init.Imm = Kind == PoolKind::Max ? -128 : 0;
        NPU_TRY(E.alu(AluOp::Mov, {MicroOp{OutBase, 0, 0}}, Init));
        if (W.OH == 1 && W.OW == 1) {
          // One output position: the loops walk the taps, one micro-op in all.
          isa::AluFields F;
          F.LoopOut = W.KH, F.LoopIn = W.KW, F.SrcOut = W.DH * T.TIW, F.SrcIn = W.DW;
          NPU_TRY(E.alu(Reduce, {TapsAt(OutBase)[0]}, F));
        } else {
          isa::AluFields F;
          F.LoopOut = Th, F.LoopIn = W.OW, F.DstOut = W.OW, F.DstIn = 1, F.SrcOut = W.SH * T.TIW,
          F.SrcIn = W.SW;
          NPU_TRY(E.alu(Reduce, TapsAt(OutBase), F));
        }
        if (Kind != PoolKind::Max) {
          isa::AluFields Rq;
          Rq.LoopOut = Th, Rq.LoopIn = W.OW, Rq.DstOut = W.OW, Rq.DstIn = 1, Rq.UseImm = 1;
          Rq.Imm = N.getInt("multiplier", 0), Rq.Shift = N.getInt("shift", 1),
          Rq.Imm2 = N.getInt("y_zero_point", 0);
          NPU_TRY(E.alu(AluOp::Requant, {MicroOp{OutBase, 0, 0}}, Rq));
          const int64_t Lo = N.getInt("act_min", -128), Hi = N.getInt("act_max", 127);
          if (Lo != -128 || Hi != 127) {
            isa::AluFields Cf = Rq;
            Cf.Imm = Lo, Cf.Imm2 = Hi, Cf.Shift = 0;
            NPU_TRY(E.alu(AluOp::Clip, {MicroOp{OutBase, 0, 0}}, Cf));
          }
        }
        E.storeOut(OutBase, Y.Tensor, uint64_t(Y.row(Nb, Cb, Oh0, 0)) * Orb, 1, Th * W.OW, Th * W.OW);
      }
  return Status::ok();
}

} // namespace npu::backend
