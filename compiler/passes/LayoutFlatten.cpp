// The Flatten-into-MatMul relabel of the blocked layout (LayoutFlatten.h).
#include "LayoutFlatten.h"

#include <algorithm>
#include <cstring>

namespace npu::passes {

using namespace ir;

std::optional<FlattenRelabel> flattenIntoMatMul(const Graph &G, const Node &N) {
  if ((N.OpType != "Flatten" && N.OpType != "Reshape") || N.Inputs.empty() || !N.hasOutput(0))
    return std::nullopt;
  const Shape &X = G.type(N.Inputs[0]).Dims, &Y = G.type(N.Outputs[0]).Dims;
  const ElemType E = G.type(N.Inputs[0]).Elem;
  if ((E != ElemType::Int8 && E != ElemType::Int16) || X.size() != 4 || X[2] * X[3] <= 1 ||
      Y != Shape{X[0], X[1] * X[2] * X[3]})
    return std::nullopt;
  const ValueId V = N.Outputs[0];
  if (std::find(G.Outputs.begin(), G.Outputs.end(), V) != G.Outputs.end())
    return std::nullopt;
  const Node *Reader = nullptr;
  for (const Node &M : G.nodes())
    for (size_t K = 0; K < M.Inputs.size(); ++K)
      if (M.Inputs[K] == V) {
        if (Reader || K != 0)
          return std::nullopt; // a second reader, or not the matmul's activation
        Reader = &M;
      }
  if (!Reader || Reader->OpType != "npu.QMatMul" || Reader->Inputs.size() < 2)
    return std::nullopt;
  const Value &W = G.value(Reader->Inputs[1]);
  if (W.Kind != ValueKind::Constant || !W.Data || W.Data->rank() != 2 || W.Data->shape()[0] != Y[1])
    return std::nullopt;
  return FlattenRelabel{X[1], X[2], X[3], Reader};
}

Shape relabeledDims(const Shape &XBlocked) {
  return {XBlocked[0], XBlocked[1] * XBlocked[2] * XBlocked[3], XBlocked[4], XBlocked[5]};
}

Tensor permuteFlattenRows(const Tensor &W, const FlattenRelabel &F, int64_t BlockC) {
  const int64_t Nout = W.shape()[1], Blocks = (F.C + BlockC - 1) / BlockC, Plane = F.H * F.W;
  const size_t Row = size_t(Nout) * elemTypeSize(W.elemType());
  Tensor R(W.elemType(), {Blocks * BlockC * Plane, Nout}); // zeros: the padding lanes' rows
  const uint8_t *From = W.bytes();
  uint8_t *To = R.bytes();
  for (int64_t Cb = 0; Cb < Blocks; ++Cb)
    for (int64_t P = 0; P < Plane; ++P)
      for (int64_t L = 0; L < BlockC; ++L)
        if (const int64_t Ch = Cb * BlockC + L; Ch < F.C)
          std::memcpy(To + size_t(((Cb * Plane + P) * BlockC + L)) * Row, From + size_t(Ch * Plane + P) * Row, Row);
  return R;
}

} // namespace npu::passes
