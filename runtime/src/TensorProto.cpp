// ONNX TensorProto (de)serialization for runtime tensors, and reading a backend-test data directory.
#include "npu/runtime/TensorProto.h"

#include <onnx/onnx_pb.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace npu::runtime {

namespace {

using Proto = onnx::TensorProto;

std::optional<ElemType> fromOnnxType(int32_t T) {
  switch (T) {
  case Proto::INT8:
    return ElemType::Int8;
  case Proto::UINT8:
    return ElemType::UInt8;
  case Proto::INT16:
    return ElemType::Int16;
  case Proto::INT32:
    return ElemType::Int32;
  case Proto::INT64:
    return ElemType::Int64;
  case Proto::FLOAT:
    return ElemType::Float32;
  default:
    return std::nullopt;
  }
}

Proto::DataType toOnnxType(ElemType T) {
  switch (T) {
  case ElemType::Int8:
    return Proto::INT8;
  case ElemType::UInt8:
    return Proto::UINT8;
  case ElemType::Int16:
    return Proto::INT16;
  case ElemType::Int32:
    return Proto::INT32;
  case ElemType::Int64:
    return Proto::INT64;
  case ElemType::Float32:
    return Proto::FLOAT;
  }
  return Proto::UNDEFINED;
}

std::string onnxTypeName(int32_t T) {
  if (Proto::DataType_IsValid(T))
    return Proto::DataType_Name(Proto::DataType(T));
  std::string S = "#";
  return S.append(std::to_string(T));
}

template <typename T> void append(std::vector<uint8_t> &Out, T V) {
  uint8_t Bytes[sizeof(T)];
  std::memcpy(Bytes, &V, sizeof(T));
  Out.insert(Out.end(), Bytes, Bytes + sizeof(T));
}

/// Copies int32_data into the tensor's element width; values outside the type are a malformed file.
Status fromInt32Data(const Proto &P, Tensor &T) {
  int64_t Lo = std::numeric_limits<int32_t>::min(), Hi = std::numeric_limits<int32_t>::max();
  if (T.Type == ElemType::Int8)
    Lo = -128, Hi = 127;
  else if (T.Type == ElemType::UInt8)
    Lo = 0, Hi = 255;
  else if (T.Type == ElemType::Int16)
    Lo = -32768, Hi = 32767;
  T.Data.reserve(size_t(P.int32_data_size()) * elemTypeBytes(T.Type));
  for (int I = 0; I < P.int32_data_size(); ++I) {
    int32_t V = P.int32_data(I);
    if (V < Lo || V > Hi)
      return makeError("int32_data[", I, "] = ", V, " does not fit ", elemTypeName(T.Type));
    switch (T.Type) {
    case ElemType::Int8:
      append<int8_t>(T.Data, int8_t(V));
      break;
    case ElemType::UInt8:
      append<uint8_t>(T.Data, uint8_t(V));
      break;
    case ElemType::Int16:
      append<int16_t>(T.Data, int16_t(V));
      break;
    default:
      append<int32_t>(T.Data, V);
      break;
    }
  }
  return Status::ok();
}

/// Fills T.Data from whichever data field the proto uses, checking the element count.
Status readData(const Proto &P, Tensor &T, uint64_t Count) {
  int Typed = 0;
  const char *Field = nullptr;
  switch (T.Type) {
  case ElemType::Float32:
    Typed = P.float_data_size(), Field = "float_data";
    break;
  case ElemType::Int64:
    Typed = P.int64_data_size(), Field = "int64_data";
    break;
  default:
    Typed = P.int32_data_size(), Field = "int32_data";
    break;
  }
  if (P.has_raw_data()) {
    if (Typed)
      return makeError("holds both raw_data and ", Field);
    uint64_t Want = Count * elemTypeBytes(T.Type);
    if (P.raw_data().size() != Want)
      return makeError("raw_data has ", P.raw_data().size(), " bytes but dims ", formatShape(T.Shape), " of ",
                       elemTypeName(T.Type), " need ", Want);
    T.Data.assign(P.raw_data().begin(), P.raw_data().end());
    return Status::ok();
  }
  if (uint64_t(Typed) != Count)
    return makeError(Field, " has ", Typed, " values but dims ", formatShape(T.Shape), " need ", Count);
  if (T.Type == ElemType::Float32) {
    for (float V : P.float_data())
      append<float>(T.Data, V);
    return Status::ok();
  }
  if (T.Type == ElemType::Int64) {
    for (int64_t V : P.int64_data())
      append<int64_t>(T.Data, V);
    return Status::ok();
  }
  return fromInt32Data(P, T);
}

Expected<Tensor> fromProto(const Proto &P) {
  if (!P.has_data_type() || P.data_type() == Proto::UNDEFINED)
    return makeError("not an ONNX TensorProto: no data type");
  std::optional<ElemType> Type = fromOnnxType(P.data_type());
  if (!Type)
    return makeError("unsupported tensor data type ", onnxTypeName(P.data_type()),
                     " (supported: INT8, UINT8, INT16, INT32, INT64, FLOAT)");
  if (P.has_segment())
    return makeError("segmented tensors are not supported");
  if (P.data_location() == Proto::EXTERNAL || P.external_data_size())
    return makeError("tensors with external data are not supported");
  Tensor T;
  T.Name = P.name();
  T.Type = *Type;
  // Bounds the element count so that the size arithmetic below cannot overflow.
  constexpr uint64_t MaxElements = uint64_t(1) << 40;
  uint64_t Count = 1;
  for (int I = 0; I < P.dims_size(); ++I) {
    int64_t D = P.dims(I);
    if (D < 0)
      return makeError("dims[", I, "] is negative (", D, ")");
    T.Shape.push_back(D);
    if (D && Count > MaxElements / uint64_t(D))
      return makeError("dims ", formatShape(std::vector<int64_t>(P.dims().begin(), P.dims().end())),
                       " are implausibly large");
    Count *= uint64_t(D);
  }
  NPU_TRY(readData(P, T, Count));
  return T;
}

} // namespace

Expected<Tensor> parseTensorProto(const std::string &Bytes, const std::string &SourceName) {
  Proto P;
  if (!P.ParseFromString(Bytes))
    return makeError(SourceName, ": not a valid ONNX TensorProto file (protobuf parse failed)");
  auto T = fromProto(P);
  if (!T)
    return T.error().withContext(SourceName);
  return T;
}

Expected<Tensor> readTensorProto(const std::string &Path) {
  std::error_code Ec;
  if (std::filesystem::is_directory(Path, Ec))
    return makeError(Path, ": is a directory, not a TensorProto file");
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open the tensor file");
  std::stringstream SS;
  SS << In.rdbuf();
  if (In.bad())
    return makeError(Path, ": read error");
  return parseTensorProto(SS.str(), Path);
}

Expected<std::string> serializeTensorProto(const Tensor &T) {
  if (T.Data.size() != T.byteSize())
    return makeError("tensor '", T.Name, "' ", formatShape(T.Shape), " of ", elemTypeName(T.Type), " has ",
                     T.Data.size(), " bytes of data instead of ", T.byteSize());
  Proto P;
  P.set_name(T.Name);
  P.set_data_type(toOnnxType(T.Type));
  for (int64_t D : T.Shape)
    P.add_dims(D);
  P.set_raw_data(std::string(T.Data.begin(), T.Data.end()));
  std::string Out;
  if (!P.SerializeToString(&Out))
    return makeError("tensor '", T.Name, "': protobuf serialization failed");
  return Out;
}

Status writeTensorProto(const Tensor &T, const std::string &Path) {
  auto Bytes = serializeTensorProto(T);
  if (!Bytes)
    return Bytes.error().withContext(Path);
  std::ofstream Out(Path, std::ios::binary | std::ios::trunc);
  if (!Out)
    return makeError(Path, ": cannot create the tensor file");
  Out.write(Bytes->data(), std::streamsize(Bytes->size()));
  Out.close();
  if (!Out)
    return makeError(Path, ": write error");
  return Status::ok();
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
