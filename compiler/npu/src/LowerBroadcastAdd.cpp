// Lowering of npu.QAdd of an activation and a per-channel activation ([N, C, 1, ..., 1] broadcast over the
// positions, e.g. a global pool's result): per (batch block, channel block) the broadcast row is widened once
// into an accumulator row and scaled, (p - zp) * Mp; the full operand's rows are widened, scaled and added to
// that row with source factors 0, then requantized by 1 and clipped (docs/quantization.md).
#include "AluRows.h"
#include "BlockedValue.h"
#include "Reblock.h"

#include <algorithm>
#include <optional>

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

namespace {

const char *const ZpAttr[2] = {"a_zero_point", "b_zero_point"};
const char *const MulAttr[2] = {"a_multiplier", "b_multiplier"};

/// Index of the operand broadcast over the positions (its dims differ from the result's).
size_t broadcastOperand(const ir::Graph &G, const ir::Node &N) {
  return G.type(N.Inputs[0]).Dims == G.type(N.Outputs[0]).Dims ? 1 : 0;
}

Status rowsOp(Emitter &E, AluOp Op, int64_t Dst, int64_t Rows, std::optional<int64_t> Imm, int64_t Src = 0,
              int64_t SrcStep = 1) {
  isa::AluFields F;
  F.LoopOut = Rows, F.LoopIn = 1, F.DstOut = 1;
  if (Imm)
    F.UseImm = 1, F.Imm = *Imm;
  else
    F.SrcOut = SrcStep;
  return E.alu(Op, {MicroOp{Dst, Imm ? 0 : Src, 0}}, F);
}


} // namespace

Status canLowerBroadcastAdd(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkSubRows(C));
  if (N.Inputs.size() != 2)
    return makeError("npu.QAdd needs two operands");
  for (ir::ValueId V : N.Inputs)
    NPU_TRY(checkBlockedOperand(G, V, C, int64_t(C.BlockOut)));
  const size_t P = broadcastOperand(G, N);
  const ir::Shape &Y = G.type(N.Outputs[0]).Dims, &Full = G.type(N.Inputs[1 - P]).Dims,
                  &Row = G.type(N.Inputs[P]).Dims;
  if (Full != Y || Row.size() != Y.size())
    return makeError("one operand must have the result's shape");
  for (size_t K = 0; K < Y.size(); ++K) {
    const bool Spatial = K >= 2 && K + 2 < Y.size();
    if (Spatial ? Row[K] != 1 : Row[K] != Y[K])
      return makeError("only a per-channel operand [N, C, 1, ..., 1] is broadcast on the NPU");
  }
  NPU_TRY(checkActType(G, N.Outputs[0], C));
  return Status::ok();
}

Status lowerBroadcastAdd(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerBroadcastAdd(G, N, C));
  const size_t P = broadcastOperand(G, N), F = 1 - P;
  const RowTensor A = E.Values.at(N.Inputs[F]), B = E.Values.at(N.Inputs[P]), Y = E.Values.at(N.Outputs[0]);
  const int64_t Plane = Y.H * Y.W;
  const int64_t Sub = subRows(C);
  const int64_t T = std::min({Plane, int64_t(C.D.InputDepth) / Sub - 1, int64_t(C.D.OutputDepth),
                              int64_t(C.D.AccDepth) - 1, (int64_t(1) << C.LoopBits) - 1});
  const int64_t Zf = N.getInt(ZpAttr[F], 0), Mf = N.getInt(MulAttr[F], 0);
  const int64_t Zp = N.getInt(ZpAttr[P], 0), Mp = N.getInt(MulAttr[P], 0);
  loadPlacementTiles(E);
  const uint64_t Orb = C.D.OutputRowBytes;
  for (int64_t Nb = 0; Nb < Y.NOuter; ++Nb)
    for (int64_t Cb = 0; Cb < Y.COuter; ++Cb) {
      // The broadcast row: input row T x Sub, accumulator row T.
      loadActRows(E, T * Sub, B.Tensor, B.row(Nb, Cb, 0, 0), 1);
      NPU_TRY(widenRows(E, T, T * Sub, 1));
      if (Zp)
        NPU_TRY(rowsOp(E, AluOp::Add, T, 1, -Zp));
      NPU_TRY(rowsOp(E, AluOp::Mul, T, 1, Mp));
      for (int64_t R0 = 0; R0 < Plane; R0 += T) {
        const int64_t Tt = std::min(T, Plane - R0), Row = A.row(Nb, Cb, 0, 0) + R0;
        loadActRows(E, 0, A.Tensor, Row, Tt);
        NPU_TRY(widenRows(E, 0, 0, Tt));
        if (Zf)
          NPU_TRY(rowsOp(E, AluOp::Add, 0, Tt, -Zf));
        NPU_TRY(rowsOp(E, AluOp::Mul, 0, Tt, Mf));
        NPU_TRY(rowsOp(E, AluOp::Add, 0, Tt, std::nullopt, T, 0));
        NPU_TRY(requantClip(E, N, Tt, 1, -1, 1));
        E.storeOut(0, Y.Tensor, uint64_t(Y.row(Nb, Cb, 0, 0) + R0) * Orb, 1, Tt, Tt);
      }
    }
  return Status::ok();
}

} // namespace npu::backend
