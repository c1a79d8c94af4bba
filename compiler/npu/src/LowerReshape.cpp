// Lowering of a blocked Reshape: the layout pass makes one only where the blocked bytes do not move (a Flatten of
// unit spatial dims, or of a whole blocked tensor into the K blocks of the npu.QMatMul that reads it), so the
// result is the input's DRAM tensor under another shape: an alias, and no instruction. Only when both are
// tensors of the segment's interface (its input and its output) are the rows copied.
#include "BlockedValue.h"
#include "Reblock.h"

namespace npu::backend {

Status canLowerReshape(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (N.Inputs.empty() || N.Outputs.size() != 1)
    return makeError("a Reshape with one data input and one output expected");
  const ir::TensorType &X = G.type(N.Inputs[0]), &Y = G.type(N.Outputs[0]);
  if (X.rank() < 4 || Y.rank() < 4 || !isBlockedProducer(G, N.Inputs[0]))
    return makeError("not a Reshape of a blocked tensor (the layout pass makes those)");
  if (X.Elem != Y.Elem || X.Elem != actElem(C))
    return makeError("a Reshape of ", ir::elemTypeName(X.Elem), " blocked rows; the NPU moves ",
                     ir::elemTypeName(actElem(C)), " activations");
  // Rows of [.., n, c] stay rows: the same lanes per row and the same number of rows.
  if (X.Dims[X.rank() - 2] != Y.Dims[Y.rank() - 2] || X.Dims.back() != Y.Dims.back() ||
      ir::shapeNumElements(X.Dims) != ir::shapeNumElements(Y.Dims))
    return makeError("Reshape ", ir::formatShape(X.Dims), " -> ", ir::formatShape(Y.Dims),
                     " changes the blocked rows");
  NPU_TRY(checkSubRows(C));
  return checkBlockedOperand(G, N.Inputs[0], C, X.Dims.back());
}

Status lowerReshape(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  NPU_TRY(canLowerReshape(G, N, E.config()));
  TileProgram &P = E.program();
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  TileTensor &TX = P.Tensors[size_t(X.Tensor)], &TY = P.Tensors[size_t(Y.Tensor)];
  if (TY.K == TileTensor::Temp && TY.AliasOf < 0) {
    TY.AliasOf = X.Tensor; // the result lives in the input's bytes
    return Status::ok();
  }
  if (TX.K == TileTensor::Temp && TX.AliasOf < 0) {
    TX.AliasOf = Y.Tensor; // the producer stores straight into the segment's output
    return Status::ok();
  }
  loadPlacementTiles(E);
  return copyActRows(E, X.Tensor, 0, Y.Tensor, 0, X.rows());
}

} // namespace npu::backend
