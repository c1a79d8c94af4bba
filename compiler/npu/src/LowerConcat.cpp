// Lowering of a blocked channel Concat by addressing: an input made earlier in the same NPU segment (a
// temporary) becomes an alias of its slice of the output, so its producer stores straight into the concat
// output and the Concat itself emits nothing. Other inputs (segment inputs and outputs, a value concatenated
// twice, batch-blocked tensors whose slices are not contiguous) are copied: rows loaded, widened into the
// accumulators by the identity GEMM and stored into the slice. Uniform constant inputs (the channel blocks of
// Concat(x, zeros), BlazeFace's channel padding, at 0 or at an asymmetric activation's zero point) are written
// by an ALU mov of the immediate and stores.
#include "AluRows.h"
#include "BlockedValue.h"
#include "Reblock.h"

#include "npu/compiler/ops/OpHelpers.h"

#include <algorithm>
#include <optional>

namespace npu::backend {

using isa::MemType;
using isa::MicroOp;

namespace {

/// The value of a constant of the activation type whose elements are all one value: the channel blocks the
/// layout pass appended for Concat(x, zeros), zero, or the zero point of an asymmetric activation (whose
/// blocked padding lanes hold it too).
std::optional<int64_t> uniformConstant(const ir::Graph &G, ir::ValueId V, const HardwareConfig &C) {
  const ir::Value &X = G.value(V);
  if (X.Kind != ir::ValueKind::Constant || !X.Data || X.Data->elemType() != actElem(C) || !X.Data->numElements())
    return std::nullopt;
  const std::vector<int64_t> Q = X.Data->toInt64s();
  if (!std::all_of(Q.begin(), Q.end(), [&](int64_t E) { return E == Q[0]; }))
    return std::nullopt;
  return Q[0];
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
  for (ir::ValueId V : N.Inputs) {
    if (!uniformConstant(G, V, C))
      NPU_TRY(checkBlockedOperand(G, V, C, B));
    else if (V == N.Inputs[0] || G.type(V).Dims.size() != Y.Dims.size())
      return makeError("Concat input '", G.value(V).Name, "': constant blocks only after an activation");
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
  struct Fill {
    int64_t Off, Blocks, Value; ///< first channel block, blocks, element value of a uniform constant input
  };
  std::vector<Fill> Fills;
  int64_t COff = 0;
  for (ir::ValueId V : N.Inputs) {
    if (auto U = uniformConstant(G, V, C)) {
      Fills.push_back({COff, G.type(V).Dims[1], *U});
      COff += Fills.back().Blocks;
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
      for (int64_t Nb = 0; Nb < A.NOuter; ++Nb)
        NPU_TRY(copyActRows(E, A.Tensor, A.row(Nb, 0, 0, 0), Y.Tensor, Y.row(Nb, COff, 0, 0), A.COuter * Plane));
    }
    COff += A.COuter;
  }
  // Constant blocks: accumulator rows set to the immediate once per value (the ALU mirrors them into the
  // output rows), then stored into every slice of that value.
  int64_t Filled = 0, FilledValue = 0;
  for (const Fill &F : Fills)
    for (int64_t Nb = 0; Nb < Y.NOuter; ++Nb)
      for (int64_t R0 = 0; R0 < F.Blocks * Plane; R0 += T) {
        const int64_t Tt = std::min(T, F.Blocks * Plane - R0);
        if (Tt > Filled || F.Value != FilledValue) {
          NPU_TRY(rowsAlu(E, isa::AluOp::Mov, 0, Tt, F.Value));
          Filled = Tt, FilledValue = F.Value;
        }
        E.storeOut(0, Y.Tensor, uint64_t(Y.row(Nb, F.Off, 0, 0) + R0) * Orb, 1, Tt, Tt);
      }
  return Status::ok();
}

} // namespace npu::backend
