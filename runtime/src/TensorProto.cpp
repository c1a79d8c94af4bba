// ONNX TensorProto (de)serialization for runtime tensors, and reading a backend-test data directory.
#include "npu/runtime/TensorProto.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/support/Try.h"

#include <charconv>
#include <filesystem>

namespace npu::runtime {

// The bytes are read and written by the frontend's TensorProto code (one reader for the compiler and the
// runtime); this file only keeps out the element types the runtime does not carry.

namespace {

/// A parsed file of an element type the runtime does not carry is an error naming the file.
Expected<NamedTensor> runtimeTensorOf(NamedTensor T, const std::string &SourceName) {
  if (!isRuntimeType(T.Data.elemType()))
    return makeError(SourceName, ": unsupported tensor data type ",
                     frontend::onnxDataTypeName(frontend::elemTypeToOnnx(T.Data.elemType())),
                     " (supported: INT8, UINT8, INT16, INT32, INT64, FLOAT)");
  return T;
}

} // namespace

Expected<NamedTensor> parseTensorProto(const std::string &Bytes, const std::string &SourceName) {
  NPU_ASSIGN(NamedTensor T, frontend::parseTensorProto(Bytes, SourceName));
  return runtimeTensorOf(std::move(T), SourceName);
}

Expected<NamedTensor> readTensorProto(const std::string &Path) {
  NPU_ASSIGN(NamedTensor T, frontend::readTensorProtoFile(Path));
  return runtimeTensorOf(std::move(T), Path);
}

Expected<std::string> serializeTensorProto(const NamedTensor &T) {
  return frontend::serializeTensorProto(T.Name, T.Data);
}

Status writeTensorProto(const NamedTensor &T, const std::string &Path) {
  return frontend::writeTensorProtoFile(Path, T.Name, T.Data);
}

Expected<std::vector<std::optional<NamedTensor>>> readTensorDir(const std::string &Dir, const std::string &Prefix) {
  namespace fs = std::filesystem;
  std::error_code Ec;
  if (!fs::is_directory(Dir, Ec))
    return makeError(Dir, ": not a directory");
  // A generous bound on K keeps a stray "input_99999999.pb" from allocating a huge table.
  constexpr uint64_t MaxIndex = 1 << 16;
  std::vector<std::string> Paths;
  std::string Head = Prefix + "_";
  for (fs::directory_iterator It(Dir, Ec), End; !Ec && It != End; It.increment(Ec)) {
    std::string Name = It->path().filename().string();
    if (Name.size() <= Head.size() + 3 || Name.compare(0, Head.size(), Head) != 0 ||
        Name.compare(Name.size() - 3, 3, ".pb") != 0)
      continue;
    std::string_view Digits(Name.data() + Head.size(), Name.size() - Head.size() - 3);
    if (Digits.size() > 1 && Digits[0] == '0')
      continue; // "input_01.pb" is not the backend-test naming; do not let it shadow input_1.pb
    uint64_t K = 0;
    auto [P, Err] = std::from_chars(Digits.data(), Digits.data() + Digits.size(), K);
    if (Err != std::errc() || P != Digits.data() + Digits.size())
      continue;
    if (K >= MaxIndex)
      return makeError(It->path().string(), ": index ", K, " is too large");
    if (Paths.size() <= K)
      Paths.resize(K + 1);
    Paths[K] = It->path().string();
  }
  if (Ec)
    return makeError(Dir, ": cannot list the directory: ", Ec.message());
  std::vector<std::optional<NamedTensor>> Out(Paths.size());
  for (size_t K = 0; K < Paths.size(); ++K) {
    if (Paths[K].empty())
      continue;
    auto T = readTensorProto(Paths[K]);
    if (!T)
      return T.error();
    Out[K] = T.takeValue();
  }
  return Out;
}

} // namespace npu::runtime
