// Lowering of a zero Pad of the spatial dims of a blocked activation (the layout pass's blocked form): LOAD's
// four padding fields write the zeros while the rows are read, the identity GEMM widens them, STORE writes them.
#include "BlockedValue.h"
#include "Reblock.h"

#include "npu/compiler/support/Try.h"

#include <algorithm>

namespace npu::backend {

namespace {

struct Pads {
  int64_t Top = 0, Left = 0, Bottom = 0, Right = 0;
};

/// The pads from the blocked shapes and the 12-entry pads constant [.., top, left, .., .., bottom, right, ..].
Expected<Pads> padsOf(const ir::Graph &G, const ir::Node &N) {
  const ir::Shape &X = G.type(N.Inputs[0]).Dims;
  const ir::Tensor *P = N.hasInput(1) ? G.value(N.Inputs[1]).Data.get() : nullptr;
  if (X.size() != 6 || !P || P->numElements() != 12 || N.getString("mode", "constant") != "constant" ||
      (N.hasInput(2) && (!G.value(N.Inputs[2]).Data || G.value(N.Inputs[2]).Data->getDouble(0) != 0)))
    return makeError("not in the blocked layout: the layout pass blocks a zero Pad of H and W inside a chain "
                     "that does NPU arithmetic (a conv, pool or add), not alone");
  const std::vector<int64_t> V = P->toInt64s();
  for (size_t D : {0, 1, 4, 5, 6, 7, 10, 11})
    if (V[D] != 0)
      return makeError("only H and W are padded on the NPU");
  return Pads{V[2], V[3], V[8], V[9]};
}

} // namespace

Status canLowerPad(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  NPU_ASSIGN(Pads P, padsOf(G, N));
  NPU_TRY(checkSubRows(C));
  NPU_TRY(checkBlockedOperand(G, N.Inputs[0], C, int64_t(C.BlockOut)));
  NPU_TRY(checkActType(G, N.Outputs[0], C));
  const int64_t K = subRows(C), MaxPad = (int64_t(1) << C.PadBits) - 1;
  for (int64_t V : {P.Top, P.Bottom, P.Left * K, P.Right * K})
    if (V < 0 || V > MaxPad)
      return makeError("a pad of ", V, " rows is beyond LOAD's ", C.PadBits, "-bit pad fields");
  const RowTensor X = rowGeometry(G.type(N.Inputs[0]).Dims);
  const int64_t Wo = P.Left + X.W + P.Right, Rows = (P.Top + 1 + P.Bottom) * Wo;
  if (Rows * K > int64_t(C.D.InputDepth) || Rows > int64_t(std::min(C.D.AccDepth, C.D.OutputDepth)) ||
      Rows > (int64_t(1) << C.LoopBits) - 1)
    return makeError("a padded image row of ", Wo, " positions does not fit the on-chip buffers");
  return Status::ok();
}

Status lowerPad(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerPad(G, N, C));
  NPU_ASSIGN(Pads P, padsOf(G, N));
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const int64_t K = subRows(C), Wo = P.Left + X.W + P.Right, Ho = P.Top + X.H + P.Bottom;
  const int64_t Cap = std::min({int64_t(C.D.InputDepth) / K, int64_t(std::min(C.D.AccDepth, C.D.OutputDepth)),
                                (int64_t(1) << C.LoopBits) - 1});
  // Real image rows per tile: the tile's first takes the top pad, its last the bottom pad.
  const int64_t Tr = std::max<int64_t>(1, std::min(X.H, Cap / Wo - P.Top - P.Bottom));
  loadPlacementTiles(E);
  const uint64_t Orb = C.D.OutputRowBytes;
  for (int64_t Plane = 0; Plane < X.NOuter * X.COuter; ++Plane)
    for (int64_t I0 = 0; I0 < X.H; I0 += Tr) {
      const int64_t I1 = std::min(X.H, I0 + Tr);
      const int64_t Pt = I0 == 0 ? P.Top : 0, Pb = I1 == X.H ? P.Bottom : 0;
      const int64_t Rows = (Pt + (I1 - I0) + Pb) * Wo, O0 = I0 == 0 ? 0 : P.Top + I0;
      E.load(isa::MemType::Input, 0, X.Tensor, uint64_t((Plane * X.H + I0) * X.W) * Orb, I1 - I0, X.W * K, X.W * K,
             Pt, Pb, P.Left * K, P.Right * K);
      NPU_TRY(widenRows(E, 0, 0, Rows));
      E.storeOut(0, Y.Tensor, uint64_t((Plane * Ho + O0) * Wo) * Orb, 1, Rows, Rows);
    }
  return Status::ok();
}

} // namespace npu::backend
