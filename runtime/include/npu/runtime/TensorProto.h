// Reading and writing tensors as serialized ONNX TensorProto files (the backend-test input_K.pb/output_K.pb).
#pragma once

#include "npu/runtime/DType.h"
#include "npu/support/Status.h"

#include <optional>
#include <string>
#include <vector>

namespace npu::runtime {

/// Parses a serialized TensorProto. Accepts raw_data and the typed repeated fields (float_data, int32_data
/// for int8/uint8/int16/int32, int64_data). Errors name SourceName: unparsable bytes, a data type the runtime
/// does not support (float16, strings, ...), external data, or data whose size does not match the dims.
Expected<NamedTensor> parseTensorProto(const std::string &Bytes, const std::string &SourceName);
Expected<NamedTensor> readTensorProto(const std::string &Path);

/// Serializes with raw_data, as the ONNX backend tests do.
Expected<std::string> serializeTensorProto(const NamedTensor &T);
Status writeTensorProto(const NamedTensor &T, const std::string &Path);

/// Reads Dir/<Prefix>_K.pb for K = 0, 1, ... up to the highest K present. Entry K is empty where that file is
/// missing (so a caller can keep a default). Other files in Dir are ignored.
Expected<std::vector<std::optional<NamedTensor>>> readTensorDir(const std::string &Dir, const std::string &Prefix);

} // namespace npu::runtime
