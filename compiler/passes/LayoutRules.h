// The layout pass's rules: which quantized operators the NPU runs in the blocked layout, and the blocked forms of
// their constants (Layout.cpp converts the chains these rules pick).
#pragma once

#include "npu/compiler/ir/Graph.h"
#include "npu/config/HardwareConfig.h"

#include <array>
#include <optional>

namespace npu::passes::layout {

/// V is a constant of the graph.
bool isConstant(const ir::Graph &G, ir::ValueId V);

/// The zero point of an int8 value (0 when it has no quantization parameters).
int64_t zeroPoint(const ir::Graph &G, ir::ValueId V);

/// The inputs of a channel Concat before its tail of constant zero tensors (BlazeFace pads channels with
/// Concat(x, zeros)), at the output's zero point; all of them when the last input is not such a constant.
size_t concatLead(const ir::Graph &G, const ir::Node &N);

/// A nearest Resize that replicates each element of the two spatial dims (integer factors, no change of N and
/// C): its factors, or nullopt.
std::optional<std::array<int64_t, 2>> upsampleFactors(const ir::Graph &G, const ir::Node &N);

/// A constant-mode Pad of the two spatial dims with zeros (the int8 zero point 0), at most what LOAD's pad fields
/// hold (in input-buffer rows: k per activation row): top, left, bottom, right, or nullopt.
std::optional<std::array<int64_t, 4>> spatialZeroPads(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);

/// True for a node the NPU runs in the blocked layout (BlockOut: the c of ALU operators' tensors).
bool eligible(const ir::Graph &G, const ir::Node &N, const HardwareConfig &C);

/// A chain is worth blocking when it does NPU arithmetic, not only data movement.
bool isAnchor(const ir::Node &N);

/// Conv weights [O, C, k...] as [O/bo, C/bi, k..., bo, bi], zero padded.
ir::Tensor blockConvWeights(const ir::Tensor &W, int64_t Bo, int64_t Bi);

/// MatMul weights [K, N] as [N/bo, K/bi, bo, bi] (each tile [out][in], as the weight buffer holds it).
ir::Tensor blockMatMulWeights(const ir::Tensor &W, int64_t Bo, int64_t Bi);

} // namespace npu::passes::layout
