// Grouped convolutions in the blocked layout: dense weights with zero tiles outside the groups, the check
// that the NPU can take them, and the channel shuffle (ShuffleNet) a grouped conv can absorb into its
// weights.
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/config/HardwareConfig.h"

#include <array>
#include <optional>
#include <vector>

namespace npu::passes {

/// A channel shuffle V = Reshape(Transpose(Reshape(X, [N, g, C/g, sp...]), [0, 2, 1, ...]), [N, C, sp...]) of
/// int8 tensors: X and the permutation, V channel c' = X channel Perm[c'] = (c' % g) * (C/g) + c' / g.
struct ChannelShuffle {
  ir::ValueId Source = ir::NoValue;
  std::vector<int64_t> Perm;
  std::array<size_t, 3> Nodes{};
};

/// Grouped weights [O, C/G, k...] as dense [O, C, k...], zero outside each output channel's group.
ir::Tensor expandGroups(const ir::Tensor &W, int64_t G);

/// True when the NPU can take the grouped npu.QConv N (reading through Perm, if given): block_in ==
/// block_out, constant weights, and the weight tiles one output block reads fit the weight buffer (an input
/// zero point is fine: LOAD pads with it and the lowering folds it into the bias).
bool groupedConvFits(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C,
                     const std::vector<int64_t> *Perm = nullptr);

/// The channel shuffle that makes V, if V is one; Producer maps a value to its node index (SIZE_MAX: none).
std::optional<ChannelShuffle> channelShuffle(const ir::Graph &G, ir::ValueId V,
                                             const std::vector<size_t> &Producer);

/// Dense conv weights [O, C, k...] that read the shuffle's source instead of its result: W'[o, Perm[c]] =
/// W[o, c] (W itself without a shuffle).
ir::Tensor permuteInputs(const ir::Tensor &W, const ChannelShuffle *S);

} // namespace npu::passes
