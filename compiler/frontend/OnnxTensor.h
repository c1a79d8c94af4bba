// Conversion of onnx::TensorProto to IR tensors (internal to the frontend).
#pragma once

#include "npu/compiler/ir/Tensor.h"
#include "npu/support/Status.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace npu::frontend {

/// Converts a TensorProto (raw_data, typed fields or external data relative to BaseDir) into a tensor.
Expected<ir::Tensor> tensorFromProto(const onnx::TensorProto &P, const std::string &BaseDir);

} // namespace npu::frontend
