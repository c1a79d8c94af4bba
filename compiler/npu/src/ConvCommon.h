// Pieces shared by the convolution lowerings (LowerConv.cpp, LowerConvSplit.cpp): the bias/requant/clip ALU
// steps, the per-channel constant rows and the window of a blocked npu.QConv.
#pragma once

#include "Window.h"

namespace npu::backend::conv {

/// What the tiling of a convolution depends on.
struct ConvShape {
  Window2D W;
  RowTensor X;
  int64_t Cin = 1, Taps = 1, OO = 1; ///< input blocks, kernel taps, output blocks
  bool Clip = false;
  bool Int32 = false; ///< the int32 accumulators are the result (no requant), stored from the acc buffer
};

/// The requantization multipliers of a node (one, or one per output channel; none for an int32 result).
std::vector<int64_t> requantMultipliers(const ir::Node &N);
/// The node keeps its int32 accumulators (no `multiplier`): a graph output the quantize pass leaves unrounded.
bool int32Result(const ir::Node &N);
/// DRAM bytes of one result row: an output-buffer row, or an accumulator row for an int32 result.
uint64_t resultRowBytes(const HardwareConfig &C, bool Int32);
/// ALU passes over a tile's accumulators: the bias move, then requant and the clip where the node has them.
uint64_t tailAluPasses(bool Int32, bool Clip);
/// STORE of Y x X result rows (Stride apart in DRAM) from accumulator row Sram to result row RowOffset of
/// Tensor: from the output buffer, or the accumulators themselves for an int32 result.
void storeResult(Emitter &E, const ir::Node &N, int64_t Sram, int Tensor, uint64_t RowOffset, int64_t Y,
                 int64_t X, int64_t Stride);

/// acc[Dst .. Dst + Outer x Inner) = bias row (src factors 0): replaces a reset GEMM and a bias add.
Status initFromBias(Emitter &E, int64_t BiasRow, int64_t Outer, int64_t Inner, int64_t Dst = 0);
/// Per-channel requant (multiplier row, the node's shift and zero point), then the clip if the node has one.
Status requantRows(Emitter &E, const ir::Node &N, int64_t MulRow, int64_t Outer, int64_t Inner,
                   int64_t Dst = 0);
/// Checks shared by the GEMM operators: blocked, an input zero point that fits LOAD's pad_value, the result type.
Status checkGemmNode(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);
/// The node's int32 bias per output channel with -x_zero_point * sum(w) folded in (the GEMM reads q, and LOAD
/// pads the input with the zero point); the bias itself when the zero point is 0.
std::vector<int64_t> foldedBias(const ir::Graph &G, const ir::Node &N);
/// Bias and multiplier constants of a node, one accumulator row per output block.
std::pair<int, int> channelConstants(Emitter &E, const ir::Graph &G, const ir::Node &N, int64_t Blocks);
Expected<Window2D> convWindow(const ir::Graph &G, const ir::Node &N);

/// Whether the convolution can run with its input channels split into chunks and its output rows cut into
/// column tiles (down to one block, one output position), or why not (LOAD/STORE fields, pad fields, a
/// kernel larger than the weight buffer).
Status convSplitCheck(const HardwareConfig &C, const ConvShape &K);
bool convSplitFeasible(const HardwareConfig &C, const ConvShape &K);
/// The per-tile formula's cycles for the best split plan (UINT64_MAX if none fits): splitting also pays when
/// it lets a whole image band of a chunk be double-buffered (deep layers on small images).
uint64_t convSplitEstimate(const Emitter &E, const ConvShape &K);
/// The convolution with input-channel (K) splitting and column tiling: per output block and tile (a band of
/// output rows, all columns or TW of them), the accumulators start from the bias and every chunk of input
/// blocks (and its weights, when they do not all fit) adds its partial sums; then requant, clip, store.
/// For layers whose input band or weights exceed the buffers (wide images: column tiles).
Status lowerConvSplit(Emitter &E, const ir::Graph &G, const ir::Node &N, const ConvShape &K);

} // namespace npu::backend::conv
