// ALU: lane-wise tensor operations on accumulator rows over the micro-op loop nest, mirrored to the output.
// Arithmetic is done in int64 (operands are at most 32-bit, so no step overflows) and then wrapped to the
// accumulator width, which is exactly two's-complement hardware arithmetic.
#include "npu/sim/Exec.h"

#include <algorithm>

namespace npu::sim {

using isa::AluOp;

namespace {

/// The lane function of each operation; X is the destination lane, B the source lane or the immediate.
struct LaneOps {
  int64_t Imm, Imm2, Shift, OutMin, OutMax;

  int64_t shr(int64_t X, int64_t B) const {
    B = std::clamp<int64_t>(B, -62, 62);
    if (B > 0)
      return (X + (int64_t(1) << (B - 1))) >> B;
    return int64_t(uint64_t(X) << -B);
  }
  int64_t requant(int64_t X, int64_t B) const {
    const int64_t R = ((X * B + (int64_t(1) << (Shift - 1))) >> Shift) + Imm2;
    return std::clamp(R, OutMin, OutMax);
  }
};

/// Runs the loop nest with lane function F(x, B) -> int64, wrapping each result with W(v) -> int32.
template <typename F, typename Wrap> void aluLoop(ExecContext &X, const isa::AluFields &A, F &&Fn, Wrap W) {
  RowArray<int32_t> &Acc = X.S.Acc;
  const uint64_t Lanes = Acc.RowElems;
  const unsigned OutBits = X.C.outputBits();
  for (uint64_t I = 0; I < uint64_t(A.LoopOut); ++I)
    for (uint64_t J = 0; J < uint64_t(A.LoopIn); ++J)
      for (uint64_t U = A.UopBegin; U < uint64_t(A.UopEnd); ++U) {
        const isa::MicroOp &Op = X.S.Uops[U];
        const uint64_t D = Op.Dst + I * A.DstOut + J * A.DstIn;
        int32_t *Dst = Acc.row(D);
        // Lane l of the source is read before lane l of the destination is written, so src == dst is fine.
        if (A.UseImm) {
          for (uint64_t L = 0; L < Lanes; ++L)
            Dst[L] = W(Fn(int64_t(Dst[L]), A.Imm));
        } else {
          const int32_t *Src = Acc.row(Op.Src + I * A.SrcOut + J * A.SrcIn);
          for (uint64_t L = 0; L < Lanes; ++L)
            Dst[L] = W(Fn(int64_t(Dst[L]), int64_t(Src[L])));
        }
        mirrorToOutput(X.S, OutBits, D);
      }
}

/// aluLoop with the accumulator's wrap-around: a 32-bit accumulator is plain truncation (modular, C++20),
/// which keeps the lane loops simple enough to vectorize; narrower ones sign-extend their low bits.
template <typename F> void aluLoop(ExecContext &X, const isa::AluFields &A, F &&Fn) {
  const unsigned Bits = X.C.accBits();
  if (Bits == 32)
    aluLoop(X, A, Fn, [](int64_t V) { return int32_t(V); });
  else
    aluLoop(X, A, Fn, [Bits](int64_t V) { return int32_t(wrapSigned(V, Bits)); });
}

Status checkField(const char *Field, uint64_t U, int64_t Base, const isa::AluFields &A, int64_t StepOut,
                  int64_t StepIn, uint64_t Depth) {
  const uint64_t Last = lastLoopIndex(Base, A.LoopOut, StepOut, A.LoopIn, StepIn);
  if (Last < Depth)
    return Status::ok();
  return makeError("micro-op ", U, " field ", Field, "=", Base, " reaches ", bufferName(isa::MemType::Acc),
                   " row ", Last, " (at i=", A.LoopOut - 1, ", j=", A.LoopIn - 1, "), out of bounds: depth ",
                   Depth);
}

} // namespace

Status executeAlu(ExecContext &X, const isa::Instruction &I) {
  const isa::AluFields &A = I.Alu;
  if (A.LoopOut == 0 || A.LoopIn == 0 || A.UopBegin == A.UopEnd)
    return Status::ok();
  // With an immediate operand the micro-op's src field is not read, so it need not be in range.
  for (uint64_t U = A.UopBegin; U < uint64_t(A.UopEnd); ++U) {
    const isa::MicroOp &Op = X.S.Uops[U];
    NPU_TRY(checkField("dst", U, Op.Dst, A, A.DstOut, A.DstIn, X.C.D.AccDepth));
    if (!A.UseImm)
      NPU_TRY(checkField("src", U, Op.Src, A, A.SrcOut, A.SrcIn, X.C.D.AccDepth));
  }

  const unsigned OutBits = X.C.outputBits();
  const LaneOps Ops{A.Imm, A.Imm2, A.Shift, signedMin(OutBits), signedMax(OutBits)};
  switch (I.aluOp()) {
  case AluOp::Add:
    aluLoop(X, A, [](int64_t V, int64_t B) { return V + B; });
    break;
  case AluOp::Mul:
    aluLoop(X, A, [](int64_t V, int64_t B) { return V * B; });
    break;
  case AluOp::Max:
    aluLoop(X, A, [](int64_t V, int64_t B) { return std::max(V, B); });
    break;
  case AluOp::Min:
    aluLoop(X, A, [](int64_t V, int64_t B) { return std::min(V, B); });
    break;
  case AluOp::Shr:
    aluLoop(X, A, [&](int64_t V, int64_t B) { return Ops.shr(V, B); });
    break;
  case AluOp::Clip:
    aluLoop(X, A, [&](int64_t V, int64_t) { return std::min(std::max(V, Ops.Imm), Ops.Imm2); });
    break;
  case AluOp::Mov:
    aluLoop(X, A, [](int64_t, int64_t B) { return B; });
    break;
  case AluOp::Requant:
    aluLoop(X, A, [&](int64_t V, int64_t B) { return Ops.requant(V, B); });
    break;
  case AluOp::Lut: {
    const int8_t *Table = X.S.Lut.data();
    aluLoop(X, A, [Table](int64_t V, int64_t) { return int64_t(Table[std::clamp<int64_t>(V, -128, 127) + 128]); });
    break;
  }
  }
  const uint64_t Uops = uint64_t(A.LoopOut) * uint64_t(A.LoopIn) * uint64_t(A.UopEnd - A.UopBegin);
  X.Stats.AluUops += Uops;
  X.Stats.AluLaneOps += Uops * X.C.Batch * X.C.BlockOut;
  return Status::ok();
}

} // namespace npu::sim
