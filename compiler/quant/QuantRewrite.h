// The two ways the quantize pass rewrites a graph into npu.* int8 operators, and the helpers they share.
#pragma once

#include "QuantBuilder.h"
#include "npu/compiler/ops/OpHelpers.h"

#include <map>
#include <optional>

namespace npu::passes {

struct InputMoments; // QuantRounding.h

/// True when the graph already carries quantization: QuantizeLinear/DequantizeLinear, QLinearConv,
/// QLinearMatMul, ConvInteger or MatMulInteger.
bool isQuantizedModel(const ir::Graph &G);

/// Post-training quantization of a float graph with calibrated ranges (one per old value, -1 for none), with
/// activations of type Act (int8, or int16 for a config with int16 inputs and outputs). Notes gets why a
/// node that could have been converted stayed float (an int32 accumulator that could overflow). Bounds, when
/// given (int8 only), are the calibrated intervals [lo, hi] inside the ranges: activations then get zero
/// points (asymmetric, QuantBuilder::gridOf). Moments, when given, are the inputs' second moments of convs and
/// matmuls by node index (QuantRounding.h): their weights are then rounded by GPTQ instead of to nearest.
/// Nodes in KeepFloat (indices into G) stay float (mixed precision, QuantMixed.h).
Expected<ir::Graph> quantizeFloatGraph(const ir::Graph &G, const std::vector<double> &Ranges,
                                       ir::ElemType Act = ir::ElemType::Int8,
                                       std::vector<std::string> *Notes = nullptr, int WeightBits = 8,
                                       const std::vector<std::pair<double, double>> *Bounds = nullptr,
                                       const std::map<size_t, InputMoments> *Moments = nullptr,
                                       const std::set<size_t> *KeepFloat = nullptr);

/// Calibrated ranges (one per value) where the leaf inputs of each group of chained Concats that only the
/// Concat reads take the group's widest range (and the union of their Bounds, when given), so their producers
/// write the Concat's grid (QuantCalibrate.cpp).
std::vector<double> unifyConcatRanges(const ir::Graph &G, std::vector<double> Ranges,
                                      std::vector<std::pair<double, double>> *Bounds = nullptr);

/// Converts an already quantized graph (QDQ pairs, QLinear*, *Integer) to npu.* operators with the scales it
/// carries; what does not match a known pattern is kept as it is.
Expected<ir::Graph> convertQuantizedGraph(const ir::Graph &G);

// --- Shared pieces.

/// The values of T (which broadcasts to Out) along Out's dim Axis, when T varies along no other dim.
std::optional<std::vector<double>> channelVector(const ir::Tensor &T, const ir::Shape &Out, size_t Axis);

/// Symmetric per-output-channel weights of Bits (8, or 4 for an int4 weight buffer; held in int8 tensors): W
/// viewed as [rows, cols]; channel o is column o when ColumnMajor (MatMul's [K, N]) else row o (Conv's [O,
/// ...]). Scales are float32 numbers; values in [-(2^(Bits-1) - 1), 2^(Bits-1) - 1].
struct QuantizedWeights {
  ir::Tensor Data;
  std::vector<double> Scales;
};
QuantizedWeights quantizeWeights(const ir::Tensor &W, int64_t Channels, bool ChannelIsLastDim, int Bits = 8);

/// round(b / (s_x * s_w[o])) saturated to int32.
ir::Tensor quantizeBias(const std::vector<double> &Bias, double XScale, const std::vector<double> &WScales);

/// Writes multiplier/shift/zero points/activation range on an npu.QConv/QMatMul from r_o = s_x*s_w[o]/s_y.
Status setPerChannelRequant(ir::Node &N, const std::vector<double> &Ratios, int64_t XZp, int64_t YZp,
                            int64_t ActMin, int64_t ActMax);
/// Same for the single-multiplier operators (npu.QAvgPool, npu.QGlobalAvgPool, npu.Requantize).
Status setRequant(ir::Node &N, double Ratio, int64_t XZp, int64_t YZp, int64_t ActMin, int64_t ActMax);

/// The unary float activations npu.QLut stands for on int8 (one input, one output, elementwise).
bool isLutActivation(const ir::Node &N);
/// npu.QLut's table for N on int8 inputs of real value (q - XZp) * XScale: entry q + 128 is N's float result
/// (the reference interpreter's kernel) on the grid YScale, YZp, rounded half to even and clamped to [Lo, Hi].
Expected<std::vector<int64_t>> lutTable(const ir::Node &N, double XScale, int64_t XZp, double YScale, int64_t YZp,
                                        int64_t Lo = -128, int64_t Hi = 127);

/// Window attributes with auto_pad resolved into explicit pads (npu.* operators take no auto_pad).
Status setWindowAttrs(ir::Node &To, const ir::Node &From, const ir::Shape &InSpatial, const ir::Shape &Kernel,
                      bool WithGroup);

/// True when every pooling window counts the same number of taps (in the image, or in the padded extent with
/// count_include_pad); Count gets that number.
bool uniformWindowCount(const ir::WindowGeometry &G, const ir::Shape &Spatial, bool IncludePad,
                        int64_t &Count);

} // namespace npu::passes
