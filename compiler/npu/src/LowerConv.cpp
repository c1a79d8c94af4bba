// Lowering of blocked npu.QConv (group 1) and npu.QMatMul: bias rows moved into the accumulators, one GEMM
// micro-op per (input-channel block, kernel tap) with strides in the source factors, per-channel requant,
// clip, store.
#include "Window.h"

#include "npu/compiler/ops/BlockedLayout.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

namespace {

std::vector<int64_t> requantMultipliers(const ir::Node &N) {
  if (const ir::Attribute *A = N.findAttr("multiplier"))
    return A->kind() == ir::AttrKind::Ints ? std::get<std::vector<int64_t>>(A->Val)
                                           : std::vector<int64_t>{std::get<int64_t>(A->Val)};
  return {};
}

/// Checks shared by the GEMM operators: int8 result with zero input zero point (padding is then exact zeros).
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

/// acc[0 .. Rows) = bias row (src factors 0): replaces a reset GEMM and a bias add.
Status initFromBias(Emitter &E, int64_t BiasRow, int64_t Outer, int64_t Inner) {
  isa::AluFields F;
  F.LoopOut = Outer, F.LoopIn = Inner, F.DstOut = Inner, F.DstIn = 1;
  return E.alu(AluOp::Mov, {MicroOp{0, BiasRow, 0}}, F);
}

/// Per-channel requant (multiplier row, src factors 0, the node's shift and zero point), then the clip.
Status requantRows(Emitter &E, const ir::Node &N, int64_t MulRow, int64_t Outer, int64_t Inner) {
  isa::AluFields F;
  F.LoopOut = Outer, F.LoopIn = Inner, F.DstOut = Inner, F.DstIn = 1;
  F.Shift = N.getInt("shift", 1);
  F.Imm2 = N.getInt("y_zero_point", 0);
  NPU_TRY(E.alu(AluOp::Requant, {MicroOp{0, MulRow, 0}}, F));
  const int64_t Lo = N.getInt("act_min", -128), Hi = N.getInt("act_max", 127);
  if (Lo == -128 && Hi == 127)
    return Status::ok();
  isa::AluFields Cf;
  Cf.LoopOut = Outer, Cf.LoopIn = Inner, Cf.DstOut = Inner, Cf.DstIn = 1, Cf.UseImm = 1, Cf.Imm = Lo,
  Cf.Imm2 = Hi;
  return E.alu(AluOp::Clip, {MicroOp{0, 0, 0}}, Cf);
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

} // namespace

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
  if (Wt.COuter * W->KH * W->KW > int64_t(C.D.WeightDepth))
    return makeError("the ", Wt.COuter * W->KH * W->KW,
                     " weight tiles of one output block exceed the weight buffer (", C.D.WeightDepth,
                     " tiles; input-channel splitting is not implemented)");
  auto T = chooseConvTiling(C, *W, X.COuter, 2, false);
  if (!T)
    return T.error();
  return inputTile(X, *W, T->TIW, -W->PT, T->TIH, maxPad(C)).status();
}

Status lowerConv(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerConv(G, N, C));
  auto Wn = convWindow(G, N);
  const Window2D W = *Wn;
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const RowTensor WG = rowGeometry(G.type(N.Inputs[1]).Dims);
  const int64_t Cin = X.COuter, Taps = W.KH * W.KW, OO = Y.COuter;
  const int WT = E.constant(N.Name + ".weights", G.value(N.Inputs[1]).Data->byteVector());
  auto [BiasT, MulT] = channelConstants(E, G, N, OO);
  (void)WG;
  // Input-stationary order when every output block's weights, bias and multiplier rows fit at once: each
  // input band is loaded once for all output blocks instead of once per block (DRAM traffic / OO).
  auto Stationary = chooseConvTiling(C, W, Cin, 2 * OO, false);
  const bool AllBlocks = OO > 1 && OO * Cin * Taps <= int64_t(C.D.WeightDepth) && Stationary.isOk();
  const ConvTiling T = AllBlocks ? *Stationary : *chooseConvTiling(C, W, Cin, 2, false);
  const int64_t RowsPerSet = AllBlocks ? OO : 1, BiasBase = int64_t(C.D.AccDepth) - 2 * RowsPerSet;
  const int64_t MulBase = BiasBase + RowsPerSet;

  // One micro-op per (input block, tap): the same kernel serves every tile of the layer (one per output block
  // when all blocks' weights are resident).
  auto KernelFor = [&](int64_t WgtBase) {
    std::vector<MicroOp> K;
    for (int64_t Cb = 0; Cb < Cin; ++Cb)
      for (int64_t Kh = 0; Kh < W.KH; ++Kh)
        for (int64_t Kw = 0; Kw < W.KW; ++Kw)
          K.push_back({0, Cb * T.TIH * T.TIW + Kh * W.DH * T.TIW + Kw * W.DW,
                       WgtBase + (Cb * W.KH + Kh) * W.KW + Kw});
    return K;
  };
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes, Wrb = C.D.WeightRowBytes;
  const uint64_t Arb = C.D.AccRowBytes;
  auto LoadBand = [&](int64_t Nb, int64_t Oh0, int64_t Th) -> Status {
    for (int64_t Cb = 0; Cb < Cin; ++Cb) {
      auto L = inputTile(X, W, T.TIW, Oh0 * W.SH - W.PT, tileInRows(W, Th), maxPad(C));
      if (!L)
        return L.error();
      E.load(MemType::Input, Cb * T.TIH * T.TIW, X.Tensor, uint64_t(X.row(Nb, Cb, L->FirstRow, 0)) * Irb,
             L->Y, L->X, X.W, L->PadT, L->PadB, L->PadL, L->PadR);
    }
    return Status::ok();
  };
  auto ComputeBlock = [&](int64_t Nb, int64_t Ob, int64_t Slot, int64_t Oh0, int64_t Th) -> Status {
    NPU_TRY(initFromBias(E, BiasBase + Slot, Th, W.OW));
    isa::GemmFields F;
    F.LoopOut = Th, F.LoopIn = W.OW, F.DstOut = W.OW, F.DstIn = 1, F.SrcOut = W.SH * T.TIW, F.SrcIn = W.SW;
    NPU_TRY(E.gemm(KernelFor(Slot * Cin * Taps), F));
    NPU_TRY(requantRows(E, N, MulBase + Slot, Th, W.OW));
    E.storeOut(0, Y.Tensor, uint64_t(Y.row(Nb, Ob, Oh0, 0)) * Orb, 1, Th * W.OW, Th * W.OW);
    return Status::ok();
  };
  if (AllBlocks) {
    E.load(MemType::Weight, 0, WT, 0, 1, OO * Cin * Taps, OO * Cin * Taps);
    E.load(MemType::Acc, BiasBase, BiasT, 0, 1, OO, OO);
    E.load(MemType::Acc, MulBase, MulT, 0, 1, OO, OO);
    for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += T.TH) {
        const int64_t Th = std::min(T.TH, W.OH - Oh0);
        NPU_TRY(LoadBand(Nb, Oh0, Th));
        for (int64_t Ob = 0; Ob < OO; ++Ob)
          NPU_TRY(ComputeBlock(Nb, Ob, Ob, Oh0, Th));
      }
    return Status::ok();
  }
  for (int64_t Nb = 0; Nb < X.NOuter; ++Nb)
    for (int64_t Ob = 0; Ob < OO; ++Ob) {
      E.load(MemType::Weight, 0, WT, uint64_t(Ob * Cin * Taps) * Wrb, 1, Cin * Taps, Cin * Taps);
      E.load(MemType::Acc, BiasBase, BiasT, uint64_t(Ob) * Arb, 1, 1, 1);
      E.load(MemType::Acc, MulBase, MulT, uint64_t(Ob) * Arb, 1, 1, 1);
      for (int64_t Oh0 = 0; Oh0 < W.OH; Oh0 += T.TH) {
        const int64_t Th = std::min(T.TH, W.OH - Oh0);
        NPU_TRY(LoadBand(Nb, Oh0, Th));
        NPU_TRY(ComputeBlock(Nb, Ob, 0, Oh0, Th));
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
  const int64_t TM =
      std::min({Mb, int64_t(C.D.InputDepth) / Kb, int64_t(std::min(C.D.OutputDepth, C.D.AccDepth - 2)),
                (int64_t(1) << C.LoopBits) - 1});
  std::vector<MicroOp> Kernel;
  for (int64_t K = 0; K < Kb; ++K)
    Kernel.push_back({0, K, K});
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes, Wrb = C.D.WeightRowBytes;
  for (int64_t Ob = 0; Ob < Nb; ++Ob) {
    E.load(MemType::Weight, 0, WT, uint64_t(Ob * Kb) * Wrb, 1, Kb, Kb);
    loadChannelRows(E, BiasT, MulT, Ob, AccTop);
    for (int64_t M0 = 0; M0 < Mb; M0 += TM) {
      const int64_t Tm = std::min(TM, Mb - M0);
      E.load(MemType::Input, 0, XT, uint64_t(M0 * Kb) * Irb, 1, Tm * Kb, Tm * Kb);
      NPU_TRY(initFromBias(E, AccTop, Tm, 1));
      isa::GemmFields F;
      F.LoopOut = Tm, F.LoopIn = 1, F.DstOut = 1, F.SrcOut = Kb;
      NPU_TRY(E.gemm(Kernel, F));
      NPU_TRY(requantRows(E, N, AccTop + 1, Tm, 1));
      E.storeOut(0, YT, uint64_t(M0 * Nb + Ob) * Orb, Tm, 1, Nb);
    }
  }
  return Status::ok();
}

} // namespace npu::backend
