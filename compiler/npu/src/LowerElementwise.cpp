// Lowering of elementwise int8 operators on blocked tensors (Relu, npu.Requantize to i8, npu.QAdd of equal
// shapes): rows are widened into the accumulators by an identity GEMM, combined by the ALU with immediates,
// requantized and stored. Layout does not matter row by row, but the segment I/O relanes n, so the operand
// must be a blocked value.
#include "AluRows.h"
#include "Emitter.h"
#include "Window.h"

#include "npu/backend/CostModel.h"

#include "npu/compiler/ops/BlockedLayout.h"

#include <algorithm>

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

namespace {

/// True when V is in the blocked layout: made by npu.ToBlocked, a blocked node, or an elementwise op of one.
bool isBlockedValue(const ir::Graph &G, ir::ValueId V, int Depth = 0) {
  if (Depth > 64)
    return false;
  for (const ir::Node &N : G.nodes()) {
    if (N.Outputs.empty() || N.Outputs[0] != V)
      continue;
    if (N.OpType == "npu.ToBlocked" || ir::isBlockedNode(N))
      return true;
    if (N.OpType == "Relu" || N.OpType == "npu.Requantize" || N.OpType == "npu.QAdd")
      return isBlockedValue(G, N.Inputs[0], Depth + 1);
    return false;
  }
  return false;
}

/// requant by an immediate multiplier over Rows rows from Dst, then the node's clip.
Status requantRowsImm(Emitter &E, const ir::Node &N, int64_t Dst, int64_t Rows, int64_t Multiplier) {
  isa::AluFields F;
  F.LoopOut = Rows, F.LoopIn = 1, F.DstOut = 1, F.UseImm = 1, F.Imm = Multiplier;
  F.Shift = N.getInt("shift", 1), F.Imm2 = N.getInt("y_zero_point", 0);
  NPU_TRY(E.alu(AluOp::Requant, {MicroOp{Dst, 0, 0}}, F));
  const int64_t Lo = N.getInt("act_min", -128), Hi = N.getInt("act_max", 127);
  if (Lo == -128 && Hi == 127)
    return Status::ok();
  isa::AluFields Cf;
  Cf.LoopOut = Rows, Cf.LoopIn = 1, Cf.DstOut = 1, Cf.UseImm = 1, Cf.Imm = Lo, Cf.Imm2 = Hi;
  return E.alu(AluOp::Clip, {MicroOp{Dst, 0, 0}}, Cf);
}

} // namespace

Status canLowerElementwise(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (C.BlockIn != C.BlockOut)
    return makeError("widening int8 rows into the accumulators needs block_in == block_out");
  const size_t Operands = N.OpType == "npu.QAdd" ? 2 : 1;
  for (size_t K = 0; K < Operands; ++K) {
    if (!N.hasInput(K) || G.value(N.Inputs[K]).Kind == ir::ValueKind::Constant ||
        !isBlockedValue(G, N.Inputs[K]))
      return makeError("operand ", K, " is not a blocked activation");
    NPU_TRY(checkBlockedAct(G, N.Inputs[K], C, int64_t(C.BlockIn)));
  }
  if (Operands == 2 && G.type(N.Inputs[0]).Dims != G.type(N.Inputs[1]).Dims)
    return makeError("broadcasting npu.QAdd is not lowered yet");
  if (G.type(N.Outputs[0]).Elem != ir::ElemType::Int8)
    return makeError("only int8 results are produced on the NPU");
  if (N.OpType == "npu.Requantize" && G.type(N.Inputs[0]).Elem != ir::ElemType::Int8)
    return makeError("npu.Requantize of a non-i8 input");
  return Status::ok();
}

Status lowerElementwise(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerElementwise(G, N, C));
  const bool Add = N.OpType == "npu.QAdd";
  const int64_t K = Add ? 2 : 1;
  const RowTensor A = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const RowTensor B = Add ? E.Values.at(N.Inputs[1]) : A;
  const int64_t Rows = Y.rows();
  // N-way buffered tiles of T rows: operands in input slot s at s*K*T (b at +T), results in accumulator
  // (and out) slot s at s*T; b's widened rows, used by the compute unit only, once above the N slots.
  const uint64_t Passes = (C.Batch * C.BlockOut + C.AluLanes - 1) / C.AluLanes;
  const uint64_t AluPerRow =
      Add ? 4 + (N.getInt("a_zero_point", 0) != 0) + (N.getInt("b_zero_point", 0) != 0) : 2;
  auto Fits = [&](int64_t T, int64_t Nn) {
    return T >= 1 && Nn * K * T <= int64_t(C.D.InputDepth) && Nn * T <= int64_t(C.D.OutputDepth) &&
           (Nn + K - 1) * T <= int64_t(C.D.AccDepth) && T < (int64_t(1) << C.LoopBits);
  };
  auto Estimate = [&](int64_t T, int64_t Nn) {
    TileCost Tc;
    Tc.Load = transferCycles(C, uint64_t(K * T) * C.D.InputRowBytes, uint64_t(K), false);
    Tc.Compute = 2 * (uint64_t(K * T) + C.GemmLatency) + AluPerRow * (uint64_t(T) * Passes + C.AluLatency);
    Tc.Store = transferCycles(C, uint64_t(T) * C.D.OutputRowBytes, 1, true);
    Tc.DramBytes = uint64_t((K + 1) * T) * C.D.InputRowBytes;
    return pipelinedCycles(C, Tc, uint64_t((Rows + T - 1) / T), Nn, 0);
  };
  int64_t T = 0, NBuf = 1;
  uint64_t Best = UINT64_MAX;
  if (const LayerSchedule *F = E.forcedSchedule(); F && Fits(std::min(F->TileRows, Rows), F->Buffers))
    T = std::min(F->TileRows, Rows), NBuf = F->Buffers, Best = Estimate(T, NBuf);
  const bool Search = T == 0;
  for (int64_t Nn = 1; Search && Nn <= E.maxBuffers(); ++Nn)
    for (int64_t Tt : tileRowCandidates(Rows))
      if (Fits(Tt, Nn) && Estimate(Tt, Nn) < Best)
        Best = Estimate(Tt, Nn), T = Tt, NBuf = Nn;
  if (T == 0)
    return makeError("no tiling of the elementwise operator fits the on-chip buffers");
  E.recordSchedule({"", T, NBuf, 0, Best, !Search});
  E.load(MemType::Weight, 0, E.identityTile(), 0, 1, 1, 1);
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes;
  const int64_t BRows = NBuf * T;
  int64_t Tile = 0;
  for (int64_t R0 = 0; R0 < Rows; R0 += T) {
    const int64_t Tt = std::min(T, Rows - R0), Slot = Tile++ % NBuf, InBase = Slot * K * T, Out = Slot * T;
    std::vector<MicroOp> Widen = {{Out, InBase, 0}}, Reset = {{Out, 0, 0}};
    if (Add)
      Widen.push_back({BRows, InBase + T, 0}), Reset.push_back({BRows, 0, 0});
    E.load(MemType::Input, InBase, A.Tensor, uint64_t(R0) * Irb, 1, Tt, Tt);
    if (Add)
      E.load(MemType::Input, InBase + T, B.Tensor, uint64_t(R0) * Irb, 1, Tt, Tt);
    isa::GemmFields F;
    F.LoopOut = Tt, F.LoopIn = 1, F.DstOut = 1, F.SrcOut = 1, F.Reset = 1;
    NPU_TRY(E.gemm(Reset, F));
    F.Reset = 0;
    NPU_TRY(E.gemm(Widen, F));
    if (N.OpType == "Relu") {
      NPU_TRY(rowsAlu(E, AluOp::Max, Out, Tt, 0));
    } else if (N.OpType == "npu.Requantize") {
      if (int64_t Zp = N.getInt("x_zero_point", 0))
        NPU_TRY(rowsAlu(E, AluOp::Add, Out, Tt, -Zp));
      NPU_TRY(requantRowsImm(E, N, Out, Tt, N.getInt("multiplier", 0)));
    } else {
      // t = (a - a_zp) * Ma + (b - b_zp) * Mb stays inside int32 (docs/quantization.md), then requant by 1.
      for (auto [Base, Zp, M] :
           {std::tuple{Out, N.getInt("a_zero_point", 0), N.getInt("a_multiplier", 0)},
            std::tuple{BRows, N.getInt("b_zero_point", 0), N.getInt("b_multiplier", 0)}}) {
        if (Zp)
          NPU_TRY(rowsAlu(E, AluOp::Add, Base, Tt, -Zp));
        NPU_TRY(rowsAlu(E, AluOp::Mul, Base, Tt, M));
      }
      NPU_TRY(rowsAlu(E, AluOp::Add, Out, Tt, std::nullopt, BRows));
      NPU_TRY(requantRowsImm(E, N, Out, Tt, 1));
    }
    E.storeOut(Out, Y.Tensor, uint64_t(R0) * Orb, 1, Tt, Tt);
  }
  return Status::ok();
}

} // namespace npu::backend
