// ONNX TensorProto (de)serialization for runtime tensors, and reading a backend-test data directory.
#include "npu/runtime/TensorProto.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/support/Try.h"
#include "npu/runtime/ModelRunner.h"

#include <charconv>
#include <filesystem>

namespace npu::runtime {

// The bytes are read and written by the frontend's TensorProto code (one reader for the compiler and the
// runtime); this file only converts between its Graph IR tensors and runtime tensors.

namespace {

/// The runtime's tensor of a parsed file: an element type it does not carry is an error naming the file.
Expected<Tensor> runtimeTensorOf(const frontend::NamedTensor &T, const std::string &SourceName) {
  auto R = toRuntimeTensor(T.Name, T.Data);
  if (!R)
    return makeError(SourceName, ": unsupported tensor data type ",
                     frontend::onnxDataTypeName(frontend::elemTypeToOnnx(T.Data.elemType())),
                     " (supported: INT8, UINT8, INT16, INT32, INT64, FLOAT)");
  return R;
}

/// A tensor whose bytes do not match its shape cannot be written.
Status checkDataSize(const Tensor &T) {
  if (T.Data.size() != T.byteSize())
    return makeError("tensor '", T.Name, "' ", formatShape(T.Shape), " of ", elemTypeName(T.Type), " has ",
                     T.Data.size(), " bytes of data instead of ", T.byteSize());
  return Status::ok();
}

} // namespace

Expected<Tensor> parseTensorProto(const std::string &Bytes, const std::string &SourceName) {
  NPU_ASSIGN(frontend::NamedTensor T, frontend::parseTensorProto(Bytes, SourceName));
  return runtimeTensorOf(T, SourceName);
}

Expected<Tensor> readTensorProto(const std::string &Path) {
  NPU_ASSIGN(frontend::NamedTensor T, frontend::readTensorProtoFile(Path));
  return runtimeTensorOf(T, Path);
}

Expected<std::string> serializeTensorProto(const Tensor &T) {
  NPU_TRY(checkDataSize(T));
  return frontend::serializeTensorProto(T.Name, toIrTensor(T));
}

Status writeTensorProto(const Tensor &T, const std::string &Path) {
  if (Status S = checkDataSize(T); !S)
    return S.withContext(Path);
  return frontend::writeTensorProtoFile(Path, T.Name, toIrTensor(T));
}

Expected<std::vector<std::optional<Tensor>>> readTensorDir(const std::string &Dir,
                                                           const std::string &Prefix) {
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
  std::vector<std::optional<Tensor>> Out(Paths.size());
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
