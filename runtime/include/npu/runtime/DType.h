// The element types that cross the runtime's interface (program bindings, TensorProto files, numpy arrays)
// and their names there ("int8", "float32": TensorBinding::DType's and numpy's spelling). Tensors are
// ir::Tensor, carried with their names as ir::NamedTensor.
#pragma once

#include "npu/compiler/ir/Tensor.h"
#include "npu/support/Status.h"

#include <string>
#include <string_view>

namespace npu::runtime {

using ir::NamedTensor;

/// int8, uint8, int16, int32, int64 and float32. int4 is not one of them: it exists only as a packing in DRAM,
/// and the runtime converts it to and from int8 tensors (Binding.h).
bool isRuntimeType(ir::ElemType T);
/// "element type f16 cannot cross the runtime interface" unless T is a runtime type.
Status checkRuntimeType(ir::ElemType T);
/// "int8", "float32", ...; a type outside the runtime's set by its Graph IR name ("f16").
std::string dtypeName(ir::ElemType T);
/// Parses a name printed by dtypeName for a runtime type.
Expected<ir::ElemType> parseDType(std::string_view Name);

/// "NAME int32 [20,32]".
std::string describe(const NamedTensor &T);

} // namespace npu::runtime
