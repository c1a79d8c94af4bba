// Lowering of npu.QAdd with a constant operand (a bias-like Add the quantize pass did not fold, broadcast to
// the full shape by the layout pass): the constant's term (B - zb) * Mb is formed at compile time as int32
// accumulator rows and loaded into the accumulators; the activation's rows are widened by the identity GEMM,
// (A - za) * Ma added to the loaded term, requantized by 1 and clipped (docs/quantization.md).
#include "AluRows.h"
#include "BlockedValue.h"
#include "Reblock.h"

#include <algorithm>

namespace npu::backend {

using isa::AluOp;
using isa::MemType;
using isa::MicroOp;

namespace {

struct Operands {
  size_t Act = 0, Const = 1;
};

Operands operands(const ir::Graph &G, const ir::Node &N) {
  return G.value(N.Inputs[0]).Kind == ir::ValueKind::Constant ? Operands{1, 0} : Operands{0, 1};
}

const char *const ZpAttr[2] = {"a_zero_point", "b_zero_point"};
const char *const MulAttr[2] = {"a_multiplier", "b_multiplier"};


} // namespace

Status canLowerConstAdd(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkSubRows(C));
  if (N.Inputs.size() != 2 || !N.hasInput(0) || !N.hasInput(1))
    return makeError("npu.QAdd needs two operands");
  const Operands O = operands(G, N);
  if (G.value(N.Inputs[O.Act]).Kind == ir::ValueKind::Constant)
    return makeError("both operands are constants");
  NPU_TRY(checkBlockedOperand(G, N.Inputs[O.Act], C, int64_t(C.BlockOut)));
  const ir::Value &K = G.value(N.Inputs[O.Const]);
  if (!K.Data || K.Data->elemType() != actElem(C) ||
      G.type(N.Inputs[O.Const]).Dims != G.type(N.Inputs[O.Act]).Dims)
    return makeError("the constant operand is not an ", ir::elemTypeName(actElem(C)),
                     " tensor of the activation's blocked shape (the layout pass broadcasts it)");
  NPU_TRY(checkActType(G, N.Outputs[0], C));
  return Status::ok();
}

Status lowerConstAdd(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerConstAdd(G, N, C));
  const Operands O = operands(G, N);
  const RowTensor A = E.Values.at(N.Inputs[O.Act]), Y = E.Values.at(N.Outputs[0]);
  // (B - zb) * Mb per element, one int32 accumulator row per blocked row; lanes past the tensor's n are 0.
  const ir::Tensor &K = *G.value(N.Inputs[O.Const]).Data;
  auto KB = ir::decodeBlocked(K.shape());
  const int64_t Lanes = int64_t(C.Batch * C.BlockOut), RowElems = KB->BlockN * KB->BlockC;
  const int64_t Zb = N.getInt(ZpAttr[O.Const], 0), Mb = N.getInt(MulAttr[O.Const], 0);
  const int64_t Rows = K.numElements() / RowElems;
  std::vector<uint8_t> Term(size_t(Rows * Lanes * 4), 0);
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t L = 0; L < RowElems; ++L) {
      const uint32_t V = uint32_t(int32_t((K.getInt64(R * RowElems + L) - Zb) * Mb));
      for (int B = 0; B < 4; ++B)
        Term[size_t((R * Lanes + L) * 4 + B)] = uint8_t(V >> (8 * B));
    }
  const int TermT = E.constant(N.Name + ".term", std::move(Term));
  const int64_t T = rowTile(C, Rows, 2);
  loadPlacementTiles(E);
  const uint64_t Orb = C.D.OutputRowBytes, Arb = C.D.AccRowBytes;
  const int64_t Za = N.getInt(ZpAttr[O.Act], 0), Ma = N.getInt(MulAttr[O.Act], 0);
  for (int64_t R0 = 0; R0 < Rows; R0 += T) {
    const int64_t Tt = std::min(T, Rows - R0);
    loadActRows(E, 0, A.Tensor, R0, Tt);
    NPU_TRY(widenRows(E, 0, 0, Tt));
    if (Za)
      NPU_TRY(rowsAlu(E, AluOp::Add, 0, Tt, -Za));
    NPU_TRY(rowsAlu(E, AluOp::Mul, 0, Tt, Ma));
    E.load(MemType::Acc, T, TermT, uint64_t(R0) * Arb, 1, Tt, Tt);
    NPU_TRY(rowsAlu(E, AluOp::Add, 0, Tt, std::nullopt, T));
    NPU_TRY(requantClip(E, N, Tt, 1, -1, 1));
    E.storeOut(0, Y.Tensor, uint64_t(R0) * Orb, 1, Tt, Tt);
  }
  return Status::ok();
}

} // namespace npu::backend
