// Lowering of a nearest Resize that replicates the spatial dims of a blocked activation by integer factors (the
// layout pass's blocked form): per image row, GEMM micro-op loops write every input element fh x fw times.
#include "BlockedValue.h"
#include "Reblock.h"

#include "npu/compiler/support/Try.h"

#include <algorithm>

namespace npu::backend {

namespace {

struct Factors {
  int64_t Fh = 1, Fw = 1;
};

/// The replication factors from the blocked shapes [N/n, C/c, H, W, n, c] -> [N/n, C/c, H x fh, W x fw, n, c].
Expected<Factors> factorsOf(const ir::Graph &G, const ir::Node &N) {
  const ir::Shape &X = G.type(N.Inputs[0]).Dims, &Y = G.type(N.Outputs[0]).Dims;
  if (X.size() != 6 || Y.size() != 6 || X[0] != Y[0] || X[1] != Y[1] || X[4] != Y[4] || X[5] != Y[5] ||
      Y[2] % X[2] != 0 || Y[3] % X[3] != 0)
    return makeError("only a blocked 2-D nearest upsampling by integer factors runs on the NPU");
  return Factors{Y[2] / X[2], Y[3] / X[3]};
}

} // namespace

Status canLowerResize(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (G.type(N.Inputs[0]).rank() != 6)
    return makeError("not in the blocked layout: the layout pass blocks a nearest upsampling by integer factors "
                     "inside a chain that does NPU arithmetic (a conv, pool or add), not alone");
  if (N.getString("mode", "nearest") != "nearest" ||
      N.getString("coordinate_transformation_mode", "") != "asymmetric" || N.getString("nearest_mode", "") != "floor")
    return makeError("only the layout pass's blocked nearest upsampling (asymmetric, floor) runs on the NPU");
  NPU_TRY(checkSubRows(C));
  NPU_TRY(checkBlockedOperand(G, N.Inputs[0], C, int64_t(C.BlockOut)));
  NPU_TRY(checkActType(G, N.Outputs[0], C));
  NPU_ASSIGN(Factors F, factorsOf(G, N));
  const RowTensor X = rowGeometry(G.type(N.Inputs[0]).Dims);
  const int64_t RowOut = F.Fh * X.W * F.Fw, MaxLoop = (int64_t(1) << C.LoopBits) - 1;
  if (RowOut > int64_t(std::min(C.D.AccDepth, C.D.OutputDepth)) || X.W * subRows(C) > int64_t(C.D.InputDepth) ||
      F.Fh > MaxLoop || X.W > MaxLoop)
    return makeError("an upsampled image row of ", RowOut, " positions does not fit the accumulator and output "
                     "buffers");
  return Status::ok();
}

Status lowerResize(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerResize(G, N, C));
  NPU_ASSIGN(Factors F, factorsOf(G, N));
  const RowTensor X = E.Values.at(N.Inputs[0]), Y = E.Values.at(N.Outputs[0]);
  const int64_t K = subRows(C), Wo = X.W * F.Fw, RowOut = F.Fh * Wo;
  const int64_t ImageRows = X.NOuter * X.COuter * X.H;
  // Image rows per tile: their inputs in the input buffer, their upsampled rows in the accumulators.
  const int64_t T = std::max<int64_t>(1, std::min({ImageRows, int64_t(C.D.InputDepth) / (X.W * K),
                                                   int64_t(std::min(C.D.AccDepth, C.D.OutputDepth)) / RowOut}));
  loadPlacementTiles(E);
  for (int64_t R0 = 0; R0 < ImageRows; R0 += T) {
    const int64_t Tt = std::min(T, ImageRows - R0);
    loadActRows(E, 0, X.Tensor, R0 * X.W, Tt * X.W);
    for (int64_t R = 0; R < Tt; ++R) {
      // Output (a, i, j) of image row R, a < fh, i < W, j < fw, is acc row R*RowOut + a*Wo + i*fw + j and reads
      // input row (R*W + i)*k (+ m for placement tile m): one micro-op per j (and m), loops over a and i.
      std::vector<isa::MicroOp> Uops;
      for (int64_t J = 0; J < F.Fw; ++J)
        for (int64_t M = 0; M < K; ++M)
          Uops.push_back({R * RowOut + J, R * X.W * K + M, M});
      isa::GemmFields Gf;
      Gf.LoopOut = F.Fh, Gf.LoopIn = X.W, Gf.DstOut = Wo, Gf.DstIn = F.Fw, Gf.SrcIn = K, Gf.Reset = 1;
      NPU_TRY(E.gemm(Uops, Gf));
      Gf.Reset = 0;
      NPU_TRY(E.gemm(Uops, Gf));
    }
    E.storeOut(0, Y.Tensor, uint64_t(R0 * RowOut) * C.D.OutputRowBytes, 1, Tt * RowOut, Tt * RowOut);
  }
  return Status::ok();
}

} // namespace npu::backend
