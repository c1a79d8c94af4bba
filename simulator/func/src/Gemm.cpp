// GEMM: the tensor core's micro-op loop nest, acc[dst] += inp[src] x wgt[wgt]^T, with the output mirror.
// This is the simulator's hot path: bounds are checked once per micro-op before the instruction runs, and the
// per-tile dot products are plain loops the compiler vectorizes.
#include "npu/sim/Exec.h"

#include <algorithm>
#include <type_traits>

namespace npu::sim {

namespace {

/// Acc[b][o] += sum_k In[b][k] * W[o][k], wrapping to 32 bits. int8 x int8 sums cannot overflow int32
/// (|product| <= 2^14, block_in <= 256), which keeps the loop a vectorizable dot product; wider operands sum
/// in uint32, whose wrap-around is the two's-complement wrap the accumulator needs.
template <typename TI, typename TW>
void gemmTile(const TI *__restrict In, const TW *__restrict W, int32_t *__restrict Acc, uint64_t Batch,
              uint64_t BIn, uint64_t BOut) {
  using SumT = std::conditional_t<sizeof(TI) == 1 && sizeof(TW) == 1, int32_t, uint32_t>;
  for (uint64_t B = 0; B < Batch; ++B) {
    const TI *X = In + B * BIn;
    int32_t *A = Acc + B * BOut;
    for (uint64_t O = 0; O < BOut; ++O) {
      const TW *Wo = W + O * BIn;
      SumT Sum = 0;
      for (uint64_t K = 0; K < BIn; ++K)
        Sum += SumT(int32_t(X[K]) * int32_t(Wo[K]));
      A[O] = int32_t(uint32_t(A[O]) + uint32_t(Sum));
    }
  }
}

template <typename TI, typename TW>
void gemmLoop(ExecContext &X, const isa::GemmFields &G, const RowArray<TI> &Inp, const RowArray<TW> &Wgt) {
  const HardwareConfig &C = X.C;
  RowArray<int32_t> &Acc = X.S.Acc;
  const uint64_t Lanes = Acc.RowElems;
  const bool Acc16 = C.accBits() == 16;
  const unsigned OutBits = C.outputBits();
  for (uint64_t I = 0; I < uint64_t(G.LoopOut); ++I)
    for (uint64_t J = 0; J < uint64_t(G.LoopIn); ++J)
      for (uint64_t U = G.UopBegin; U < uint64_t(G.UopEnd); ++U) {
        const isa::MicroOp &Op = X.S.Uops[U];
        const uint64_t A = Op.Dst + I * G.DstOut + J * G.DstIn;
        int32_t *AccRow = Acc.row(A);
        if (G.Reset) {
          std::fill(AccRow, AccRow + Lanes, 0);
        } else {
          const uint64_t S = Op.Src + I * G.SrcOut + J * G.SrcIn;
          const uint64_t W = Op.Wgt + I * G.WgtOut + J * G.WgtIn;
          gemmTile(Inp.row(S), Wgt.row(W), AccRow, C.Batch, C.BlockIn, C.BlockOut);
          if (Acc16)
            for (uint64_t L = 0; L < Lanes; ++L)
              AccRow[L] = int16_t(AccRow[L]);
        }
        mirrorToOutput(X.S, OutBits, A);
      }
}

/// Checks that one micro-op field stays inside its buffer over the whole loop nest.
Status checkField(const char *Field, uint64_t U, int64_t Base, const isa::GemmFields &G, int64_t StepOut,
                  int64_t StepIn, isa::MemType M, uint64_t Depth) {
  const uint64_t Last = lastLoopIndex(Base, G.LoopOut, StepOut, G.LoopIn, StepIn);
  if (Last < Depth)
    return Status::ok();
  return makeError("micro-op ", U, " field ", Field, "=", Base, " reaches ", bufferName(M), " row ", Last,
                   " (at i=", G.LoopOut - 1, ", j=", G.LoopIn - 1, "), out of bounds: depth ", Depth);
}

} // namespace

Status executeGemm(ExecContext &X, const isa::Instruction &I) {
  const isa::GemmFields &G = I.Gemm;
  if (G.LoopOut == 0 || G.LoopIn == 0 || G.UopBegin == G.UopEnd)
    return Status::ok();
  const DerivedConfig &D = X.C.D;
  // A reset GEMM reads neither input nor weights, so only its destination must be in range.
  for (uint64_t U = G.UopBegin; U < uint64_t(G.UopEnd); ++U) {
    const isa::MicroOp &Op = X.S.Uops[U];
    NPU_TRY(checkField("dst", U, Op.Dst, G, G.DstOut, G.DstIn, isa::MemType::Acc, D.AccDepth));
    if (!G.Reset) {
      NPU_TRY(checkField("src", U, Op.Src, G, G.SrcOut, G.SrcIn, isa::MemType::Input, D.InputDepth));
      NPU_TRY(checkField("wgt", U, Op.Wgt, G, G.WgtOut, G.WgtIn, isa::MemType::Weight, D.WeightDepth));
    }
  }
  std::visit([&](const auto &Inp, const auto &Wgt) { gemmLoop(X, G, Inp, Wgt); }, X.S.Inp, X.S.Wgt);

  const uint64_t Uops = uint64_t(G.LoopOut) * uint64_t(G.LoopIn) * uint64_t(G.UopEnd - G.UopBegin);
  X.Stats.GemmUops += Uops;
  if (!G.Reset)
    X.Stats.Macs += Uops * X.C.D.PeakMacsPerCycle;
  return Status::ok();
}

} // namespace npu::sim
