// Lowering of npu.QMul on blocked tensors: both int8 operands are widened into the accumulators by the
// identity GEMM (a constant operand, broadcast to the full shape by the layout pass, is loaded as int32 rows
// of b - zb, or is an immediate when it is one value), zero points subtracted, multiplied element-wise
// (|product| <= 255 * 255, exact in int32), requantized by the node's multiplier and shift, clipped
// (docs/quantization.md).
#include "LowerMul.h"

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

/// Index of the constant operand, or -1 when both are activations.
int constOperand(const ir::Graph &G, const ir::Node &N) {
  for (int K = 0; K < 2; ++K)
    if (G.value(N.Inputs[size_t(K)]).Kind == ir::ValueKind::Constant)
      return K;
  return -1;
}

const char *const ZpAttr[2] = {"a_zero_point", "b_zero_point"};


} // namespace

Status canLowerMul(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkSubRows(C));
  if (N.Inputs.size() != 2 || !N.hasInput(0) || !N.hasInput(1))
    return makeError("npu.QMul needs two operands");
  const int K = constOperand(G, N);
  const size_t Act = K == 0 ? 1 : 0;
  if (K >= 0 && G.value(N.Inputs[Act]).Kind == ir::ValueKind::Constant)
    return makeError("both operands are constants");
  for (size_t I = 0; I < 2; ++I)
    if (int(I) != K)
      NPU_TRY(checkBlockedOperand(G, N.Inputs[I], C, int64_t(C.BlockOut)));
  if (G.type(N.Inputs[0]).Dims != G.type(N.Inputs[1]).Dims)
    return makeError("npu.QMul of operands of different shapes is not lowered (the layout pass broadcasts a "
                     "constant operand)");
  if (K >= 0) {
    const ir::Value &V = G.value(N.Inputs[size_t(K)]);
    if (!V.Data || V.Data->elemType() != actElem(C))
      return makeError("the constant operand is not an ", ir::elemTypeName(actElem(C)), " tensor");
  }
  NPU_TRY(checkActType(G, N.Outputs[0], C));
  return Status::ok();
}

Status lowerMul(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerMul(G, N, C));
  const int K = constOperand(G, N);
  const size_t Act = K == 0 ? 1 : 0, Other = 1 - Act;
  const RowTensor A = E.Values.at(N.Inputs[Act]), Y = E.Values.at(N.Outputs[0]);
  const int64_t Za = N.getInt(ZpAttr[Act], 0), Zb = N.getInt(ZpAttr[Other], 0);
  const int64_t Rows = Y.rows();
  // The constant operand: one value everywhere (an immediate) or int32 rows of b - zb, one per blocked row
  // (lanes past the tensor's n are 0).
  std::optional<int64_t> Imm;
  int TermT = -1;
  if (K >= 0) {
    const ir::Tensor &Kt = *G.value(N.Inputs[size_t(K)]).Data;
    const std::vector<int64_t> D = Kt.toInt64s(); // int8 or int16 values
    if (std::all_of(D.begin(), D.end(), [&](int64_t V) { return V == D[0]; })) {
      Imm = D[0] - Zb;
    } else {
      auto KB = ir::decodeBlocked(Kt.shape());
      if (!KB)
        return KB.error();
      const int64_t Lanes = int64_t(C.Batch * C.BlockOut), RowElems = KB->BlockN * KB->BlockC;
      std::vector<uint8_t> Term(size_t(Rows * Lanes * 4), 0);
      for (int64_t R = 0; R < Rows; ++R)
        for (int64_t L = 0; L < RowElems; ++L) {
          const uint32_t V = uint32_t(int32_t(D[size_t(R * RowElems + L)] - Zb));
          for (int B = 0; B < 4; ++B)
            Term[size_t((R * Lanes + L) * 4 + B)] = uint8_t(V >> (8 * B));
        }
      TermT = E.constant(N.Name + ".factor", std::move(Term));
    }
  }
  const bool BAct = K < 0;
  const int64_t Sub = subRows(C);
  const int64_t T = std::min({Rows, int64_t(C.D.InputDepth) / (BAct ? 2 : 1) / Sub, int64_t(C.D.OutputDepth),
                              int64_t(C.D.AccDepth) / 2, (int64_t(1) << C.LoopBits) - 1});
  if (T < 1)
    return makeError("no tiling of npu.QMul fits the on-chip buffers");
  loadPlacementTiles(E);
  const uint64_t Orb = C.D.OutputRowBytes, Arb = C.D.AccRowBytes;
  for (int64_t R0 = 0; R0 < Rows; R0 += T) {
    const int64_t Tt = std::min(T, Rows - R0);
    // Accumulator rows [0, T) hold a, [T, 2T) b; input rows [0, T x Sub) a, [T x Sub, 2T x Sub) b.
    std::vector<MicroOp> Widen = widenUops(C, 0, 0), Reset = {{0, 0, 0}};
    loadActRows(E, 0, A.Tensor, R0, Tt);
    if (BAct) {
      loadActRows(E, T * Sub, E.Values.at(N.Inputs[Other]).Tensor, R0, Tt);
      for (const MicroOp &U : widenUops(C, T, T * Sub))
        Widen.push_back(U);
      Reset.push_back({T, 0, 0});
    }
    isa::GemmFields F;
    F.LoopOut = Tt, F.LoopIn = 1, F.DstOut = 1, F.SrcOut = 1, F.Reset = 1;
    NPU_TRY(E.gemm(Reset, F));
    F.Reset = 0, F.SrcOut = Sub;
    NPU_TRY(E.gemm(Widen, F));
    if (Za)
      NPU_TRY(rowsAlu(E, AluOp::Add, 0, Tt, -Za));
    if (Imm) {
      NPU_TRY(rowsAlu(E, AluOp::Mul, 0, Tt, *Imm));
    } else {
      if (TermT >= 0)
        E.load(MemType::Acc, T, TermT, uint64_t(R0) * Arb, 1, Tt, Tt);
      else if (Zb)
        NPU_TRY(rowsAlu(E, AluOp::Add, T, Tt, -Zb));
      NPU_TRY(rowsAlu(E, AluOp::Mul, 0, Tt, std::nullopt, T));
    }
    NPU_TRY(requantClip(E, N, Tt, 1, -1, N.getInt("multiplier", 0)));
    E.storeOut(0, Y.Tensor, uint64_t(R0) * Orb, 1, Tt, Tt);
  }
  return Status::ok();
}

} // namespace npu::backend
