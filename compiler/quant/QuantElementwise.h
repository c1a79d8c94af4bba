// Post-training quantization of the one-input operators that need no folding: LeakyRelu, the lookup-table
// activations, Pad and the scale-preserving data movement (QuantPtq.cpp dispatches to it).
#pragma once

#include "QuantBuilder.h"

namespace npu::passes {

inline bool isF32(const QuantBuilder &B, ir::ValueId V) {
  return V != ir::NoValue && B.old().type(V).Elem == ir::ElemType::Float32;
}
inline bool hasRange(const QuantBuilder &B, ir::ValueId V) { return B.Ranges[size_t(V)] >= 0; }
/// An int8 form exists already, or a float value with a calibrated range can get one.
inline bool quantizable(const QuantBuilder &B, ir::ValueId V) {
  return B.hasInt8(V) || (isF32(B, V) && hasRange(B, V));
}

/// The int8 value of the calibrated float value Out: the scale of its range, zero point 0.
QValue outputOf(QuantBuilder &B, ir::ValueId Out);

/// Scale-preserving operators that run on int8 unchanged (data movement, max, nearest Resize).
bool isPassThrough(const ir::Node &N);

/// N (LeakyRelu, a lookup-table activation, Pad or a pass-through operator) on its int8 form: true when
/// converted, false when it stays float.
Expected<bool> convertElementwise(QuantBuilder &B, const ir::Node &N);

} // namespace npu::passes
