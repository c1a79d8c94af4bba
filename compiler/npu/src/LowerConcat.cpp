// Lowering of a blocked channel Concat by addressing: an input made earlier in the same NPU segment (a
// temporary) becomes an alias of its slice of the output, so its producer stores straight into the concat
// output and the Concat itself emits nothing. Other inputs (segment inputs and outputs, a value concatenated
// twice, batch-blocked tensors whose slices are not contiguous) are copied: rows loaded, widened into the
// accumulators by the identity GEMM and stored into the slice. Constant zero inputs (the zero channel blocks
// of Concat(x, zeros), BlazeFace's channel padding) are written by an ALU mov of the immediate 0 and stores.
#include "AluRows.h"
#include "BlockedValue.h"
#include "Reblock.h"

#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>

namespace npu::backend {

using isa::MemType;
using isa::MicroOp;

namespace {

/// A constant tensor of zeros of the activation type: channel blocks the layout pass appended for
/// Concat(x, zeros).
bool isZeroConstant(const ir::Graph &G, ir::ValueId V, const HardwareConfig &C) {
  const ir::Value &X = G.value(V);
  if (X.Kind != ir::ValueKind::Constant || !X.Data || X.Data->elemType() != actElem(C))
    return false;
  const std::vector<uint8_t> &B = X.Data->byteVector();
  return std::all_of(B.begin(), B.end(), [](uint8_t E) { return E == 0; });
}

/// The zero point of Concat N's output when it is nonzero and input V is a constant: the channel padding of an
/// asymmetric activation (elements at the zero point; in the blocked layout its padding lanes too), else 0.
int64_t zeroPointPadding(const ir::Graph &G, const ir::Node &N, ir::ValueId V) {
  const auto &Q = G.type(N.Outputs[0]).Quant;
  if (G.value(V).Kind != ir::ValueKind::Constant || !Q || Q->ZeroPoints.size() != 1)
    return 0;
  return Q->ZeroPoints[0];
}

} // namespace

Status canLowerConcat(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_TRY(checkSubRows(C));
  const int64_t B = int64_t(C.BlockOut);
  const ir::TensorType &Y = G.type(N.Outputs[0]);
  if (Y.Elem != actElem(C) || Y.rank() < 4)
    return makeError("a blocked ", ir::elemTypeName(actElem(C)), " Concat expected");
  auto Axis = ir::normalizeAxis(N.getInt("axis", 0), Y.rank());
  if (!Axis || *Axis != 1)
    return makeError("only a Concat of channel blocks (axis 1 of the blocked tensor) is lowered");
  for (ir::ValueId V : N.Inputs)
    if (const int64_t Zp = zeroPointPadding(G, N, V))
      return makeError("asymmetric activation needs zero-point padding (Concat input '", G.value(V).Name,
                       "' is channel padding at zero point ", Zp, "; the NPU writes zero blocks)");
  for (ir::ValueId V : N.Inputs) {
    if (!isZeroConstant(G, V, C))
      NPU_TRY(checkBlockedOperand(G, V, C, B));
    else if (V == N.Inputs[0] || G.type(V).Dims.size() != Y.Dims.size())
      return makeError("Concat input '", G.value(V).Name, "': zero blocks only after an activation");
    const ir::Shape &D = G.type(V).Dims;
    for (size_t K = 0; K < D.size(); ++K)
      if (K != 1 && D[K] != Y.Dims[K])
        return makeError("Concat input '", G.value(V).Name, "' differs from the output outside the channels");
  }
  return checkBlockedAct(G, N.Outputs[0], C, B);
}

Status lowerConcat(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerConcat(G, N, C));
  TileProgram &P = E.program();
  const RowTensor Y = E.Values.at(N.Outputs[0]);
  const int64_t Plane = Y.H * Y.W,
                T = std::min({int64_t(C.D.InputDepth) / subRows(C), int64_t(C.D.OutputDepth),
                              int64_t(C.D.AccDepth), (int64_t(1) << C.LoopBits) - 1});
  const uint64_t Orb = C.D.OutputRowBytes;
  bool IdentityLoaded = false;
  std::vector<int> Aliased;
  std::vector<std::pair<int64_t, int64_t>> Zeros; // (first channel block, blocks) of the zero inputs
  int64_t COff = 0;
  for (ir::ValueId V : N.Inputs) {
    if (isZeroConstant(G, V, C)) {
      Zeros.push_back({COff, G.type(V).Dims[1]});
      COff += Zeros.back().second;
      continue;
    }
    const RowTensor A = E.Values.at(V);
    TileTensor &TA = P.Tensors[size_t(A.Tensor)];
    const bool Twice = std::count(Aliased.begin(), Aliased.end(), A.Tensor) > 0;
    if (TA.K == TileTensor::Temp && TA.AliasOf < 0 && !Twice && Y.NOuter == 1 && A.Tensor != Y.Tensor) {
      TA.AliasOf = Y.Tensor;
      TA.AliasOffset = uint64_t(COff * Plane) * Orb;
      Aliased.push_back(A.Tensor);
    } else {
      if (!IdentityLoaded)
        loadPlacementTiles(E);
      IdentityLoaded = true;
      const int64_t Rows = A.COuter * Plane;
      for (int64_t Nb = 0; Nb < A.NOuter; ++Nb)
        for (int64_t R0 = 0; R0 < Rows; R0 += T) {
          const int64_t Tt = std::min(T, Rows - R0);
          loadActRows(E, 0, A.Tensor, A.row(Nb, 0, 0, 0) + R0, Tt);
          NPU_TRY(widenRows(E, 0, 0, Tt));
          E.storeOut(0, Y.Tensor, uint64_t(Y.row(Nb, COff, 0, 0) + R0) * Orb, 1, Tt, Tt);
        }
    }
    COff += A.COuter;
  }
  // Zero blocks: accumulator rows set to the immediate 0 once (the ALU mirrors them into the output rows),
  // then stored into every zero slice.
  int64_t Zeroed = 0;
  for (auto [Off, Blocks] : Zeros)
    for (int64_t Nb = 0; Nb < Y.NOuter; ++Nb)
      for (int64_t R0 = 0; R0 < Blocks * Plane; R0 += T) {
        const int64_t Tt = std::min(T, Blocks * Plane - R0);
        if (Tt > Zeroed) {
          NPU_TRY(rowsAlu(E, isa::AluOp::Mov, 0, Tt, int64_t(0)));
          Zeroed = Tt;
        }
        E.storeOut(0, Y.Tensor, uint64_t(Y.row(Nb, Off, 0, 0) + R0) * Orb, 1, Tt, Tt);
      }
  return Status::ok();
}

} // namespace npu::backend
