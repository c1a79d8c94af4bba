// ALU helpers of the lowerings added for grouped convolution and broadcasting npu.QAdd: filling accumulator
// rows from a resident row, and the requantize + clip tail every int8 result ends with.
#pragma once

#include "Emitter.h"

#include <optional>

namespace npu::backend {

/// Rows x Cols accumulator positions from Dst on (row-major, Cols per row) = accumulator row Src (src factors
/// 0): sets a tile to the bias (or any per-lane constant) without a reset GEMM.
inline Status movRow(Emitter &E, int64_t Dst, int64_t Src, int64_t Rows, int64_t Cols) {
  isa::AluFields F;
  F.LoopOut = Rows, F.LoopIn = Cols, F.DstOut = Cols, F.DstIn = 1;
  return E.alu(isa::AluOp::Mov, {isa::MicroOp{Dst, Src, 0}}, F);
}

/// Op over Rows accumulator rows from Dst (one lane row per micro-op iteration): with the immediate Imm, or
/// with the rows from Src.
inline Status rowsAlu(Emitter &E, isa::AluOp Op, int64_t Dst, int64_t Rows, std::optional<int64_t> Imm,
                      int64_t Src = 0) {
  isa::AluFields F;
  F.LoopOut = Rows, F.LoopIn = 1, F.DstOut = 1;
  if (Imm)
    F.UseImm = 1, F.Imm = *Imm;
  else
    F.SrcOut = 1;
  return E.alu(Op, {isa::MicroOp{Dst, Imm ? 0 : Src, 0}}, F);
}

/// requant(acc, B, shift, y_zero_point) over Rows x Cols positions from 0, then clip to the node's activation
/// range when it is narrower than the activation type. B is accumulator row MulRow (per lane) or, with MulRow <
/// 0, the immediate Imm.
inline Status requantClip(Emitter &E, const ir::Node &N, int64_t Rows, int64_t Cols, int64_t MulRow,
                          int64_t Imm = 1) {
  isa::AluFields F;
  F.LoopOut = Rows, F.LoopIn = Cols, F.DstOut = Cols, F.DstIn = 1;
  F.Shift = N.getInt("shift", 1);
  F.Imm2 = N.getInt("y_zero_point", 0);
  if (MulRow < 0)
    F.UseImm = 1, F.Imm = Imm;
  NPU_TRY(E.alu(isa::AluOp::Requant, {isa::MicroOp{0, MulRow < 0 ? 0 : MulRow, 0}}, F));
  if (!needsClip(N, E.config()))
    return Status::ok();
  const auto [Lo, Hi] = actBounds(N, E.config());
  isa::AluFields Cf;
  Cf.LoopOut = Rows, Cf.LoopIn = Cols, Cf.DstOut = Cols, Cf.DstIn = 1, Cf.UseImm = 1, Cf.Imm = Lo,
  Cf.Imm2 = Hi;
  return E.alu(isa::AluOp::Clip, {isa::MicroOp{0, 0, 0}}, Cf);
}

} // namespace npu::backend
