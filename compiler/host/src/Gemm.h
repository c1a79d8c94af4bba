// The packed-GEMM kernel generator's problem description (f32 Conv/Gemm/MatMul with a fused epilogue; internal).
#pragma once

#include "Lower.h"

namespace npu::host {

/// Element offset of an operand for GEMM batch (b0, b1): Base + b0 * S0 + b1 * S1.
struct BatchOffset {
  int64_t Base = 0, S0 = 0, S1 = 0;
};

/// A per-element operand of the epilogue: element (i, j) of batch b at Off(b) + i * SM + j * SN (SN is 0 or 1).
struct EpOperand {
  int Slot = -1;
  BatchOffset Off;
  int64_t SM = 0, SN = 0;
};

enum class EpKind { Add, Scale, Affine, Relu, Clip, LeakyRelu };

/// One epilogue step on the accumulator y: Add: y += F1 * Op (F1 == 1: y += Op); Scale: y *= F1;
/// Affine: y = y * Op + Op2; Relu; Clip to [F1, F2]; LeakyRelu with slope F1.
struct EpStep {
  EpKind Kind;
  EpOperand Op, Op2;
  float F1 = 1, F2 = 0;
};

/// Y[b][i][j] = epilogue(sum over k of A(i, k) B(k, j)) for i < M, j < N, batches B0 x B1.
struct GemmProblem {
  int64_t M = 0, N = 0, K = 0, B0 = 1, B1 = 1;
  /// A(i, k): packed by the compiler as [B1][ceil(M/MR)][K][MR] (APacked), or at AOff + i*ARS + k*ACS.
  bool APacked = false;
  int ASlot = -1;
  BatchOffset AOff;
  int64_t ARS = 0, ACS = 0;
  /// B(k, j): packed by the compiler as [batch][ceil(N/NR)][K][NR], dense at BOff + k*BKS + j*BNS, or the
  /// im2col view of a convolution input (columns are output positions, rows (channel, tap)).
  enum class BKind { Packed, Dense, Im2col } BK = BKind::Dense;
  int BSlot = -1;
  BatchOffset BOff;
  int64_t BKS = 0, BNS = 0;
  ir::Shape InSp, OutSp, Kernel, Strides, Dilations, PadsBegin; ///< Im2col geometry
  /// Convolutions with few channels per group run as direct row kernels on the unpacked weights instead.
  bool RowConv = false;
  int WSlot = -1;     ///< the weights [M, Cg, taps] for RowConv
  int64_t Cg = 0, Mg = 0;
  /// Y(i, j) at YOff + i*Ldc + j.
  int YSlot = -1;
  BatchOffset YOff;
  int64_t Ldc = 0;
  std::vector<EpStep> Ep;
};

/// Register blocking of the micro-kernel for a SIMD width.
struct GemmBlocking {
  int VW, NV, NR, MR;
};
GemmBlocking gemmBlocking(const TargetInfo &T);

/// Emits the kernel for P (one task per batch x column block x row block); adds it to C.Kernels.
Status emitGemm(LowerCtx &C, const GemmProblem &P);

/// Emits a direct convolution for P.RowConv problems (1-D/2-D): one task per output row, taps accumulated
/// along the row with vector loads, then the epilogue.
Status emitRowConv(LowerCtx &C, const GemmProblem &P);

/// Applies P's epilogue to Y elements [J0, J1) of row I (GEMM coordinates) in batch (B0, B1).
void emitEpilogueRow(KB &K, const GemmProblem &P, llvm::Value *B0, llvm::Value *B1, llvm::Value *I, llvm::Value *J0,
                     llvm::Value *J1);

} // namespace npu::host
