// Conversion of onnx::TensorProto to IR tensors (internal to the frontend).
#pragma once

#include "npu/compiler/ir/Tensor.h"
#include "npu/support/MemoryLimit.h"
#include "npu/support/Status.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace npu::frontend {

/// Converts a TensorProto (raw_data, typed fields or external data relative to BaseDir) into a tensor. Dims
/// needing more than Limit, or more bytes than the data holds, are errors before anything is allocated.
Expected<ir::Tensor> tensorFromProto(const onnx::TensorProto &P, const std::string &BaseDir,
                                     const MemoryLimit &Limit);

} // namespace npu::frontend
