// Lowering of npu.Reblock from block_out to block_in channel blocks (block_out = k x block_in, core.batch 1),
// the copy the layout pass puts between an ALU/GEMM result and the next GEMM. An out row is k x block_in
// wide, so it holds k consecutive rows of the block_in tensor: the source rows are loaded as input rows (k
// per position, sub-block j of position p at p x k + j), the placement tiles gather k of them into one
// accumulator row (tile m puts its input at output channels m x block_in ...), and the out rows are stored
// contiguously into the target. A block's last rows, when its row count is not a multiple of k, come from
// one more accumulator row that starts k rows before the end (rewriting rows already written with the same
// values), so no store leaves the target tensor.
#include "BlockedValue.h"
#include "Reblock.h"

#include "npu/compiler/support/Try.h"

#include <algorithm>

namespace npu::backend {

using isa::MemType;
using isa::MicroOp;

namespace {

struct ReblockShape {
  int64_t K = 1, P = 1, NO = 1, CO = 1,
          CI = 1; ///< sub-rows, positions per block, images, source/target blocks
};

Expected<ReblockShape> reblockShape(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  auto S = ir::decodeBlocked(G.type(N.Inputs[0]).Dims);
  auto T = ir::decodeBlocked(G.type(N.Outputs[0]).Dims);
  if (!S || !T)
    return makeError("blocked shapes expected");
  ReblockShape R;
  R.K = subRows(C), R.P = S->spatialSize(), R.NO = S->NOuter, R.CO = S->COuter, R.CI = T->COuter;
  return R;
}

} // namespace

Status canLowerReblock(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C) {
  if (C.BlockOut <= C.BlockIn)
    return makeError("npu.Reblock to a wider block (block_in > block_out) is not lowered");
  NPU_TRY(checkSubRows(C));
  NPU_TRY(checkBlockedOperand(G, N.Inputs[0], C, int64_t(C.BlockOut)));
  NPU_TRY(checkBlockedAct(G, N.Outputs[0], C, int64_t(C.BlockIn)));
  NPU_ASSIGN(ReblockShape R, reblockShape(G, N, C));
  if (R.P > 1 && R.P < R.K)
    return makeError(R.P, " positions per channel block is fewer than the ", R.K,
                     " rows one out row holds (not lowered)");
  if (R.P == 1 && R.CI < R.K)
    return makeError("the block_in tensor is smaller than one out row (not lowered)");
  if (R.CI > R.CO * R.K)
    return makeError("npu.Reblock to more channel blocks than the source holds");
  return Status::ok();
}

Status lowerReblock(Emitter &E, const ir::Graph &G, const ir::Node &N) {
  const HardwareConfig &C = E.config();
  NPU_TRY(canLowerReblock(G, N, C));
  const ReblockShape R = *reblockShape(G, N, C);
  const RowTensor S = E.Values.at(N.Inputs[0]), T = E.Values.at(N.Outputs[0]);
  const int64_t K = R.K, MaxLoop = (int64_t(1) << C.LoopBits) - 1, MaxSize = (int64_t(1) << C.SizeBits) - 1,
                MaxStride = (int64_t(1) << C.StrideBits) - 1;
  const uint64_t Irb = C.D.InputRowBytes, Orb = C.D.OutputRowBytes;
  // NB slots of at most TR input rows (a tile's target rows or its K-position groups) and TR / K
  // accumulator and out rows each.
  const int64_t NB = std::min<int64_t>(2, E.maxBuffers());
  const int64_t AccRows = int64_t(std::min(C.D.AccDepth, C.D.OutputDepth));
  int64_t TR = std::min({int64_t(C.D.InputDepth) / NB, K * (AccRows / NB), K * MaxLoop, MaxSize, MaxStride});
  TR -= TR % (K * K);
  if (TR < K * K)
    return makeError("the buffers do not hold ", K, " out rows of npu.Reblock twice");
  loadPlacementTiles(E);
  int64_t Slot = 0;
  // One tile: InRows input rows loaded from SrcByte; Subs runs of RowsPerSub out rows, out row r of run j
  // gathering input rows j + r x SrcIn + m x SrcIn / K (m < K) with placement tile m; run j stored at
  // DstByte + j x DstStride.
  auto Tile = [&](uint64_t SrcByte, int64_t InRows, int64_t Subs, int64_t RowsPerSub, uint64_t DstByte,
                  uint64_t DstStride, int64_t SrcIn) -> Status {
    const int64_t InBase = (Slot % NB) * TR, AccBase = (Slot % NB) * (TR / K);
    ++Slot;
    E.load(MemType::Input, InBase, S.Tensor, SrcByte, 1, InRows, InRows);
    isa::GemmFields F;
    F.LoopOut = Subs, F.LoopIn = RowsPerSub, F.DstOut = RowsPerSub, F.DstIn = 1, F.Reset = 1;
    NPU_TRY(E.gemm({MicroOp{AccBase, 0, 0}}, F));
    F.Reset = 0, F.SrcOut = 1, F.SrcIn = SrcIn;
    std::vector<MicroOp> Kn;
    for (int64_t M = 0; M < K; ++M)
      Kn.push_back({AccBase, InBase + M * (SrcIn / K), M});
    NPU_TRY(E.gemm(Kn, F));
    if (Subs == 1 || (DstStride % Orb == 0 && int64_t(DstStride / Orb) <= MaxStride)) {
      E.storeOut(AccBase, T.Tensor, DstByte, Subs, RowsPerSub,
                 Subs == 1 ? RowsPerSub : int64_t(DstStride / Orb));
    } else {
      for (int64_t J = 0; J < Subs; ++J)
        E.storeOut(AccBase + J * RowsPerSub, T.Tensor, DstByte + uint64_t(J) * DstStride, 1, RowsPerSub,
                   RowsPerSub);
    }
    return Status::ok();
  };
  for (int64_t Nb = 0; Nb < R.NO; ++Nb) {
    if (R.P == 1) {
      // One position: target rows are the source's input rows in order (q = block), K per out row.
      const uint64_t Src = uint64_t(S.row(Nb, 0, 0, 0)) * Orb, Dst = uint64_t(T.row(Nb, 0, 0, 0)) * Irb;
      const int64_t Reg = R.CI - R.CI % K;
      for (int64_t Q0 = 0; Q0 < Reg; Q0 += TR) {
        const int64_t Rows = std::min(TR, Reg - Q0);
        NPU_TRY(Tile(Src + uint64_t(Q0) * Irb, Rows, 1, Rows / K, Dst + uint64_t(Q0) * Irb, 0, K));
      }
      if (R.CI % K)
        NPU_TRY(Tile(Src + uint64_t(R.CI - K) * Irb, K, 1, 1, Dst + uint64_t(R.CI - K) * Irb, 0, K));
      continue;
    }
    for (int64_t Cbo = 0; Cbo < R.CO && Cbo * K < R.CI; ++Cbo) {
      // Sub-block j of positions [P0, P0 + Rows) is input rows P0 x K + j, j + K, ...: K x K apart per out
      // row.
      const int64_t Subs = std::min(K, R.CI - Cbo * K), Reg = R.P - R.P % K;
      const uint64_t Src = uint64_t(S.row(Nb, Cbo, 0, 0)) * Orb,
                     Dst = uint64_t(T.row(Nb, Cbo * K, 0, 0)) * Irb, Plane = uint64_t(R.P) * Irb;
      const int64_t TP = TR / K; // positions per tile: K input rows each
      for (int64_t P0 = 0; P0 < Reg; P0 += TP) {
        const int64_t Rows = std::min(TP, Reg - P0);
        NPU_TRY(Tile(Src + uint64_t(P0 * K) * Irb, Rows * K, Subs, Rows / K, Dst + uint64_t(P0) * Irb, Plane,
                     K * K));
      }
      if (R.P % K)
        NPU_TRY(Tile(Src + uint64_t((R.P - K) * K) * Irb, K * K, Subs, 1, Dst + uint64_t(R.P - K) * Irb,
                     Plane, K * K));
    }
  }
  return Status::ok();
}

} // namespace npu::backend
