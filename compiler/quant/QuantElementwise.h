// Post-training quantization of the operators that need no folding: LeakyRelu, the lookup-table activations,
// Pad and the scale-preserving data movement, Concat, Relu/Clip on int8 (QuantPtq.cpp dispatches to them).
#pragma once

#include "QuantBuilder.h"

#include <map>
#include <utility>

namespace npu::passes {

inline bool isF32(const QuantBuilder &B, ir::ValueId V) {
  return V != ir::NoValue && B.old().type(V).Elem == ir::ElemType::Float32;
}
inline bool hasRange(const QuantBuilder &B, ir::ValueId V) { return B.Ranges[size_t(V)] >= 0; }
/// An int8 form exists already, or a float value with a calibrated range can get one.
inline bool quantizable(const QuantBuilder &B, ir::ValueId V) {
  return B.hasInt8(V) || (isF32(B, V) && hasRange(B, V));
}

/// The int8 value of the calibrated float value Out on the grid of its range (QuantBuilder::gridOf).
QValue outputOf(QuantBuilder &B, ir::ValueId Out);

/// Scale-preserving operators that run on int8 unchanged (data movement, max, nearest Resize).
bool isPassThrough(const ir::Node &N);

/// N (LeakyRelu, a lookup-table activation, Pad or a pass-through operator) on its int8 form: true when
/// converted, false when it stays float.
Expected<bool> convertElementwise(QuantBuilder &B, const ir::Node &N);

/// (all-zero float Concat input, zero point) -> its int8 constant, made once per zero point.
using ZeroConstants = std::map<std::pair<ir::ValueId, int64_t>, ir::ValueId>;
/// Concat N of int8 inputs (and constant zeros) on one grid (QuantConcat.cpp).
Expected<bool> convertConcat(QuantBuilder &B, const ir::Node &N, ZeroConstants &Zeros);
/// Relu / Clip N of an int8 value (QuantConcat.cpp).
Expected<bool> convertActivation(QuantBuilder &B, const ir::Node &N);

} // namespace npu::passes
