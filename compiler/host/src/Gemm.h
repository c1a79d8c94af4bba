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
  enum class BKind { Packed, Dense, Im2col, Ready, Shifted } BK = BKind::Dense;
  int BSlot = -1;
  BatchOffset BOff;
  int64_t BKS = 0, BNS = 0;
  int64_t BLd = 0; ///< Ready: B(k, j) at BOff + k*BLd + j, zero padded to the panel edge (made by an earlier kernel)
  /// Shifted (stride-1 convolutions on a zero-padded input, no im2col): K is ordered (tap, channel) and
  /// B(tap*Cg + c, j) is at BOff + c*BLd + shift(tap) + j, j a position of the padded-width output grid (rows of
  /// Wp positions of which the first OWv are real outputs); shift(th, tw) = th*DH*Wp + tw*DW.
  int64_t Taps = 1, KW = 1, Wp = 0, OWv = 0, DH = 1, DW = 1;
  /// Shifted on the unpadded input (output width == input width, AVX-512): j is an output position, Wp = OWv =
  /// the width, shift(th, tw) = (th*DH - pad top)*Wp + tw*DW - pad left, and the lanes whose input element lies
  /// in the padding (or past N) are masked off in the micro-kernel: no padded copy and no idle grid columns.
  bool MaskedB = false;
  ir::Shape InSp, OutSp, Kernel, Strides, Dilations, PadsBegin; ///< Im2col geometry
  /// Small output planes (PosRows): output positions are the micro-kernel's rows and output channels its vector
  /// lanes, so a plane of 7x7 or 13x13 fills whole tiles. A holds the weights packed as B panels,
  /// [group][ceil(Mg/NR)][K][NR] (K ordered (channel, tap)); the input is read in place (1x1, stride 1, no
  /// padding: BSlot/BOff with row length BLd) or from an im2col temporary.
  bool PosRows = false;
  /// PosRows at stride 1 without im2col (> 0: the tile's rows): K ordered (tap, channel) as Shifted, A read from
  /// the padded grid (BSlot/BOff, BLd floats per channel, rows Wp apart) shifted per tap; a tile is PosShift
  /// positions of one output row, or whole rows of OWv positions.
  int PosShift = 0;
  /// PosShift on large planes (AVX-512): each task is a band of output rows (a band's grid block and its scratch
  /// fit L2) with up to 8 weight panels, instead of a channel block over the whole plane.
  bool Banded = false;
  /// Convolutions with few channels per group run as direct row kernels on the unpacked weights instead.
  bool RowConv = false;
  bool PlaneConv = false; ///< stride-1 RowConv: whole planes on the padded grid (input in BSlot/BOff, padded)
  int WSlot = -1;     ///< the weights [M, Cg, taps] for RowConv
  int64_t Cg = 0, Mg = 0;
  /// Y(i, j) at YOff + i*Ldc + j.
  int YSlot = -1;
  BatchOffset YOff;
  int64_t Ldc = 0;
  std::vector<EpStep> Ep;
};

/// A zero-padded copy of a convolution input (for the Shifted GEMM and the plane kernels).
struct PadPlan {
  bool Needed = false;
  int Slot = -1;
  int64_t Planes = 0, H = 0, W = 0, Hp = 0, Wp = 0, PT = 0, PL = 0;
  ir::ValueId Src = ir::NoValue;
};

/// The kernel writing the padded input: one task per (plane, padded row).
void emitPad(LowerCtx &C, const PadPlan &Pad);

/// Register blocking of the micro-kernel for a SIMD width.
struct GemmBlocking {
  int VW, NV, NR, MR;
};
GemmBlocking gemmBlocking(const TargetInfo &T);

/// Emits the kernel for P (one task per batch x column block x row block); adds it to C.Kernels.
/// Temps are arena temporaries earlier kernels of the step filled (kept alive across the step).
Status emitGemm(LowerCtx &C, const GemmProblem &P, const std::vector<int> &Temps = {});

/// The shared micro-kernel C[Rows x Lanes] (+)= A x B (GemmEmit.cpp): A packed in MR-row panels, or A(r, k) at
/// A + r*ars + k*acs (ars fixed to 1 with UnitRows); B(k, j) at B + k*ldb + j.
/// MaskedB: B's loads masked per segment (a table of lane masks, one i64 per segment, as the last argument).
/// ShiftA > 0: the segments' shifts move A (rows of ShiftA positions, Gap apart) and B advances aseg per segment.
llvm::Function *microKernel(ModuleEnv &E, const GemmBlocking &Bl, int Rows, int Lanes, bool PackedA, bool UnitRows,
                            bool MaskedB = false, int ShiftA = 0, int64_t Gap = 0);

/// A kernel writing P's whole im2col matrix (rows K, NPad floats apart, per batch and group) into a new arena
/// temporary; returns the temporary's slot.
int emitIm2colTemp(LowerCtx &C, const GemmProblem &P, int64_t NPad);

/// Emits the kernels of a P.PosRows problem (GemmPos.cpp); Temps as for emitGemm.
Status emitPosRowsGemm(LowerCtx &C, const GemmProblem &P, const std::vector<int> &Temps = {});
/// The tile rows of a PosShift problem with output rows of OW positions: a divisor of OW or whole rows, as many
/// as the registers hold; 0 when no count fills the registers at least half.
int posShiftRows(int64_t OW, const GemmBlocking &Bl);

/// Emits the plane kernel for P.PlaneConv problems: one task per output plane, every tap accumulated over the
/// padded-width grid in one vectorizable loop, then compacted into Y with the epilogue.
Status emitPlaneConv(LowerCtx &C, const GemmProblem &P, const std::vector<int> &Temps);

/// Emits a direct convolution for P.RowConv problems (1-D/2-D): one task per output row, taps accumulated
/// along the row with vector loads, then the epilogue.
Status emitRowConv(LowerCtx &C, const GemmProblem &P);

/// The run-time geometry table of P's convolution for the im2col helper (1-D and 2-D).
std::vector<int64_t> im2colGeometry(const GemmProblem &P);
/// The module's im2col helper for panel width NR: (dst, ld, x, kc0, klen, n0, nlen, geometry).
llvm::Function *im2colHelper(ModuleEnv &E, int NR);

/// One epilogue step S on V. Op(operand, base) loads an operand; Base1/Base2 are passed to it for S.Op/S.Op2.
llvm::Value *emitEpStep(KB &K, const EpStep &S, llvm::Value *V, llvm::Value *Base1, llvm::Value *Base2,
                        llvm::function_ref<llvm::Value *(const EpOperand &, llvm::Value *)> Op);
/// Applies P's epilogue to Y elements [J0, J1) of row I (GEMM coordinates) in batch (B0, B1); with Src, element
/// J's value is Src(J) instead of Y's (Y written once).
void emitEpilogueRow(KB &K, const GemmProblem &P, llvm::Value *B0, llvm::Value *B1, llvm::Value *I, llvm::Value *J0,
                     llvm::Value *J1, llvm::function_ref<llvm::Value *(llvm::Value *)> Src = nullptr);

} // namespace npu::host
