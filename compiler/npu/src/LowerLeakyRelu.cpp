// Lowering of npu.QLeakyRelu on blocked int8: the rows are widened into the accumulators by the identity GEMM
// and copied once, the two copies clamped to their positive and negative parts (alu max / min with 0) and
// scaled by the two multipliers, added, requantized by 1 and clipped (docs/quantization.md).
#include "AluRows.h"
#include "BlockedValue.h"
#include "Reblock.h"

#include <algorithm>
#include <optional>

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

Status canLowerLeakyRelu(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkSubRows(C));
  NPU_TRY(checkBlockedOperand(G, N.Inputs[0], C, int64_t(C.BlockOut)));
  NPU_TRY(checkActType(G, N.Outputs[0], C));
  return Status::ok();
}

Status lowerLeakyRelu(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerLeakyRelu(G, N, C));
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const int64_t Rows = Y.rows();
  const int64_t T = rowTile(C, Rows, 2);
  const int64_t Zp = N.getInt("x_zero_point", 0);
  loadPlacementTiles(E);
  const uint64_t Orb = C.D.OutputRowBytes;
  for (int64_t R0 = 0; R0 < Rows; R0 += T) {
    const int64_t Tt = std::min(T, Rows - R0);
    loadActRows(E, 0, X.Tensor, R0, Tt);
    NPU_TRY(widenRows(E, 0, 0, Tt));
    if (Zp)
      NPU_TRY(rowsAlu(E, AluOp::Add, 0, Tt, -Zp));
    NPU_TRY(rowsAlu(E, AluOp::Mov, T, Tt, std::nullopt, 0));
    NPU_TRY(rowsAlu(E, AluOp::Max, 0, Tt, 0));
    NPU_TRY(rowsAlu(E, AluOp::Min, T, Tt, 0));
    NPU_TRY(rowsAlu(E, AluOp::Mul, 0, Tt, N.getInt("pos_multiplier", 0)));
    NPU_TRY(rowsAlu(E, AluOp::Mul, T, Tt, N.getInt("neg_multiplier", 0)));
    NPU_TRY(rowsAlu(E, AluOp::Add, 0, Tt, std::nullopt, T));
    NPU_TRY(requantClip(E, N, Tt, 1, -1, 1));
    E.storeOut(0, Y.Tensor, uint64_t(R0) * Orb, 1, Tt, Tt);
  }
  return Status::ok();
}

} // namespace npu::backend
