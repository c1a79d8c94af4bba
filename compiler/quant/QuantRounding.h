// Data-aware rounding of conv / matmul weights: each output channel's int8 values chosen with error feedback
// through its input's second moments (GPTQ: Frantar et al., "GPTQ: Accurate Post-Training Quantization for
// Generative Pre-trained Transformers", ICLR 2023, after Optimal Brain Quantization), instead of rounding every
// weight to nearest.
#pragma once

#include "QuantCalibrate.h"
#include "QuantRewrite.h"

#include <map>

namespace npu::passes {

/// E[x x^T] of the vectors one output channel's weights multiply (a conv's input patches, zero where they are
/// padding; a matmul's input rows), per group: Groups blocks of K x K (row-major), summed over the sets.
struct InputMoments {
  int64_t Groups = 1, K = 0;
  std::vector<double> H;
};

/// The moments of every float Conv / npu.FusedConv (1 or 2 spatial dims) and MatMul / Gemm / npu.FusedGemm with
/// a constant weight, keyed by node index in G, from the reference interpreter's runs of G on the sets.
Expected<std::map<size_t, InputMoments>> collectInputMoments(const ir::Graph &G, const std::vector<CalibSet> &Sets);

/// Replaces Q's nearest-rounded values of W (Channels output channels: W's first dim, or its last when
/// ChannelIsLastDim, as quantizeWeights lays them out; same scales) by GPTQ's: weight i of a channel is rounded,
/// and its error, weighted through the inverse of the damped moments, is moved onto the weights after it, so
/// the channel's output error on the calibration inputs shrinks. Bits: 8 or 4.
void roundWithMoments(const ir::Tensor &W, int64_t Channels, bool ChannelIsLastDim, int Bits,
                      const InputMoments &M, QuantizedWeights &Q);

} // namespace npu::passes
