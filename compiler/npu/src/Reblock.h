// Cores with block_out = k x block_in: a block_out-wide activation row is k block_in-wide input rows, so the
// ALU lowerings load k input rows per activation row and widen them into one accumulator row with k
// placement tiles; npu.Reblock (LowerReblock.cpp) uses the same tiles to copy into the block_in layout.
#pragma once

#include "Emitter.h"

#include <algorithm>
#include <vector>

namespace npu::backend {

/// Input rows per block_out-wide row: block_out / block_in (1 on square cores).
inline int64_t subRows(const HardwareConfig &C) { return int64_t(C.BlockOut / C.BlockIn); }

/// Whether the lowerings can split block_out rows into input rows: equal blocks, or block_out a multiple of
/// block_in with core.batch 1 (with batch lanes a row's lanes would interleave differently in the two
/// widths).
inline Status checkSubRows(const HardwareConfig &C) {
  if (C.BlockIn == C.BlockOut)
    return Status::ok();
  if (C.BlockOut % C.BlockIn != 0)
    return makeError("block_in ", C.BlockIn, " does not divide block_out ", C.BlockOut,
                     " (the NPU path widens block_out rows from whole block_in input rows)");
  if (C.Batch != 1)
    return makeError("block_in != block_out needs core.batch 1 (rows of batch lanes do not split into ",
                     "input rows)");
  return Status::ok();
}

/// The k placement tiles (tile m: output channel m x block_in + i <- input channel i) in one constant;
/// with k = 1 the identity tile.
inline int placementTiles(Emitter &E) {
  const HardwareConfig &C = E.config();
  const int64_t K = subRows(C), Bo = int64_t(C.BlockOut), Bi = int64_t(C.BlockIn);
  if (K == 1)
    return E.identityTile();
  std::vector<uint8_t> Data(size_t(K * Bo * Bi), 0);
  for (int64_t M = 0; M < K; ++M)
    for (int64_t I = 0; I < Bi; ++I)
      Data[size_t((M * Bo + M * Bi + I) * Bi + I)] = 1;
  return E.weightTiles("npu.placement_tiles", Data);
}

/// Loads the placement tiles into weight rows [Base, Base + k).
inline void loadPlacementTiles(Emitter &E, int64_t Base = 0) {
  const int64_t K = subRows(E.config());
  E.load(isa::MemType::Weight, Base, placementTiles(E), 0, 1, K, K);
}

/// Rows per tile of a row-wise ALU lowering that widens its input rows into AccCopies accumulator rows each:
/// as many as the input buffer (k rows per row), the out mirror, the accumulators and one loop allow.
inline int64_t rowTile(const HardwareConfig &C, int64_t Rows, int64_t AccCopies) {
  return std::min({Rows, int64_t(C.D.InputDepth) / subRows(C), int64_t(C.D.OutputDepth),
                   int64_t(C.D.AccDepth) / AccCopies, (int64_t(1) << C.LoopBits) - 1});
}

/// LOAD of Rows activation rows (block_out wide) from row R0 of Tensor into input rows from InBase, k per
/// row.
inline void loadActRows(Emitter &E, int64_t InBase, int Tensor, int64_t R0, int64_t Rows) {
  const int64_t K = subRows(E.config());
  E.load(isa::MemType::Input, InBase, Tensor, uint64_t(R0) * E.config().D.OutputRowBytes, 1, Rows * K,
         Rows * K);
}

/// The micro-ops that widen the k input rows from Src into accumulator row Dst (placement tiles from weight
/// row WgtBase); a loop over rows steps the source by k (widenSrcStep) for every accumulator row.
inline std::vector<isa::MicroOp> widenUops(const HardwareConfig &C, int64_t Dst, int64_t Src,
                                           int64_t WgtBase = 0) {
  std::vector<isa::MicroOp> U;
  for (int64_t M = 0; M < subRows(C); ++M)
    U.push_back({Dst, Src + M, WgtBase + M});
  return U;
}
inline int64_t widenSrcStep(const HardwareConfig &C) { return subRows(C); }

/// Rows accumulator rows from Dst = the activation rows from input row Src on (subRows input rows each): a
/// reset GEMM, then the placement GEMM.
inline Status widenRows(Emitter &E, int64_t Dst, int64_t Src, int64_t Rows) {
  isa::GemmFields F;
  F.LoopOut = Rows, F.LoopIn = 1, F.DstOut = 1, F.SrcOut = 1, F.Reset = 1;
  NPU_TRY(E.gemm({isa::MicroOp{Dst, Src, 0}}, F));
  F.Reset = 0, F.SrcOut = subRows(E.config());
  return E.gemm(widenUops(E.config(), Dst, Src), F);
}

/// Copies Rows activation rows (block_out wide) from row SrcRow of Src to row DstRow of Dst through the input
/// buffer and the accumulators, a tile of at most the buffers' rows at a time; the placement tiles must be in
/// weight rows [0, k) (loadPlacementTiles).
inline Status copyActRows(Emitter &E, int Src, int64_t SrcRow, int Dst, int64_t DstRow, int64_t Rows) {
  const HardwareConfig &C = E.config();
  const int64_t T = std::min({int64_t(C.D.InputDepth) / subRows(C), int64_t(C.D.OutputDepth), int64_t(C.D.AccDepth),
                              (int64_t(1) << C.LoopBits) - 1});
  for (int64_t R0 = 0; R0 < Rows; R0 += T) {
    const int64_t Tt = std::min(T, Rows - R0);
    loadActRows(E, 0, Src, SrcRow + R0, Tt);
    NPU_TRY(widenRows(E, 0, 0, Tt));
    E.storeOut(0, Dst, uint64_t(DstRow + R0) * C.D.OutputRowBytes, 1, Tt, Tt);
  }
  return Status::ok();
}

/// npu.Reblock from block_out to block_in channel blocks (LowerReblock.cpp).
Status canLowerReblock(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
Status lowerReblock(Emitter &E, const ir::Graph &G, const ir::Node &N);

} // namespace npu::backend
