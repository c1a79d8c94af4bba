// Moving tensors in and out of a program's DRAM image at its I/O bindings (isa::TensorBinding).
#pragma once

#include "npu/isa/Program.h"
#include "npu/runtime/DType.h"

#include <optional>
#include <vector>

namespace npu::runtime {

/// The program's input (or output) bindings, in the order they appear in Program::IO: input_K.pb feeds
/// inputBindings(P)[K] and output_K.pb holds outputBindings(P)[K].
std::vector<const isa::TensorBinding *> inputBindings(const isa::Program &P);
std::vector<const isa::TensorBinding *> outputBindings(const isa::Program &P);

/// Whether T may be written at B: the element types agree (an int4 binding takes an int8 tensor), the shapes
/// are equal up to leading dimensions of 1, and the layout is one the runtime knows ("row-major").
Status checkTensorForBinding(const isa::TensorBinding &B, const NamedTensor &T);

/// Packs int8 values two per byte, low nibble first; a value outside -8..7 is an error naming its index.
Expected<std::vector<uint8_t>> packInt4(const ir::Tensor &T);
/// Sign-extends Count packed int4 values (low nibble first) to int8.
std::vector<int8_t> unpackInt4(const uint8_t *Packed, uint64_t Count);

/// Writes T into Dram at B after checkTensorForBinding. Errors name the binding.
Status writeBinding(const isa::TensorBinding &B, const NamedTensor &T, std::vector<uint8_t> &Dram);
/// Reads the tensor at B: named after B, with B's shape; int4 data comes back as int8.
Expected<NamedTensor> readBinding(const isa::TensorBinding &B, const std::vector<uint8_t> &Dram);

/// Writes the given inputs into Dram. Inputs[K] (if present) feeds the input binding whose name equals the
/// tensor's name, or else the K-th input binding. Returns, for each input binding, the position in Inputs of
/// the tensor written there; empty where the program's embedded data was kept.
Expected<std::vector<std::optional<size_t>>>
bindInputs(const isa::Program &P, const std::vector<std::optional<NamedTensor>> &Inputs, std::vector<uint8_t> &Dram);
/// Reads every output binding, in order.
Expected<std::vector<NamedTensor>> readOutputs(const isa::Program &P, const std::vector<uint8_t> &Dram);

} // namespace npu::runtime
