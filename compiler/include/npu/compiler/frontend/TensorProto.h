// Reading and writing ONNX TensorProto files (the input_K.pb / output_K.pb of ONNX backend tests).
#pragma once

#include "npu/compiler/ir/Tensor.h"
#include "npu/support/MemoryLimit.h"
#include "npu/support/Status.h"

#include <string>

namespace npu::frontend {

/// An ONNX TensorProto.DataType code as an element type; FP8/FP4/INT4/INT2, strings and complex are errors
/// that name the type ("unsupported element type FLOAT8E4M3FN").
Expected<ir::ElemType> elemTypeFromOnnx(int32_t DataType);
int32_t elemTypeToOnnx(ir::ElemType T);
/// "FLOAT", "INT4", ... or "type 99".
std::string onnxDataTypeName(int32_t DataType);

using ir::NamedTensor;

/// Reads a serialized TensorProto. Errors (unreadable, not a TensorProto, unsupported type, data size not
/// matching the dims, dims needing more than Limit) name the file.
Expected<NamedTensor> readTensorProtoFile(const std::string &Path, const MemoryLimit &Limit = {});
/// Writes T as a TensorProto (raw_data) named Name.
Status writeTensorProtoFile(const std::string &Path, const std::string &Name, const ir::Tensor &T);

/// Parses a serialized TensorProto held in memory; external data is refused (there is no folder to read it
/// from). Errors name SourceName. The one TensorProto reader: the files above and the runtime use it.
Expected<NamedTensor> parseTensorProto(const std::string &Bytes, const std::string &SourceName,
                                       const MemoryLimit &Limit = {});
/// T named Name as a serialized TensorProto with raw_data, as the ONNX backend tests write them.
Expected<std::string> serializeTensorProto(const std::string &Name, const ir::Tensor &T);

} // namespace npu::frontend
