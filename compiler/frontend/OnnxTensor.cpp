// ONNX TensorProto <-> IR tensor: data types, raw and typed data fields, external data, .pb files.
#include "OnnxTensor.h"
#include "npu/compiler/frontend/TensorProto.h"
#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace npu::frontend {

using ir::ElemType;

namespace {
// Indexed by TensorProto.DataType (onnx.proto, up to IR version 12).
const char *const OnnxTypeNames[] = {
    "UNDEFINED", "FLOAT",      "UINT8",      "INT8",         "UINT16",         "INT16",      "INT32",
    "INT64",     "STRING",     "BOOL",       "FLOAT16",      "DOUBLE",         "UINT32",     "UINT64",
    "COMPLEX64", "COMPLEX128", "BFLOAT16",   "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
    "UINT4",     "INT4",       "FLOAT4E2M1", "FLOAT8E8M0",   "UINT2",          "INT2"};
constexpr int32_t NumOnnxTypes = sizeof(OnnxTypeNames) / sizeof(OnnxTypeNames[0]);
} // namespace

std::string onnxDataTypeName(int32_t T) {
  if (T >= 0 && T < NumOnnxTypes)
    return OnnxTypeNames[T];
  return "type " + std::to_string(T);
}

Expected<ElemType> elemTypeFromOnnx(int32_t T) {
  switch (T) {
  case 1:
    return ElemType::Float32;
  case 2:
    return ElemType::UInt8;
  case 3:
    return ElemType::Int8;
  case 4:
    return ElemType::UInt16;
  case 5:
    return ElemType::Int16;
  case 6:
    return ElemType::Int32;
  case 7:
    return ElemType::Int64;
  case 9:
    return ElemType::Bool;
  case 10:
    return ElemType::Float16;
  case 11:
    return ElemType::Float64;
  case 12:
    return ElemType::UInt32;
  case 13:
    return ElemType::UInt64;
  case 16:
    return ElemType::BFloat16;
  default:
    return makeError("unsupported element type ", onnxDataTypeName(T));
  }
}

int32_t elemTypeToOnnx(ElemType T) {
  static const int32_t Codes[ir::NumElemTypes] = {1, 10, 16, 11, 3, 5, 6, 7, 2, 4, 12, 13, 9};
  return Codes[static_cast<int>(T)];
}

namespace {

template <typename Field, typename Store>
Status copyField(const Field &F, int64_t N, const char *FieldName, Store St) {
  if (F.size() != N)
    return makeError(FieldName, " has ", F.size(), " values, the dims need ", N);
  for (int64_t I = 0; I < N; ++I)
    St(I, F.Get(static_cast<int>(I)));
  return Status::ok();
}

Expected<std::string> readExternal(const onnx::TensorProto &P, const std::string &BaseDir, const MemoryLimit &Limit) {
  std::string Location;
  int64_t Offset = 0, Length = -1;
  for (const auto &KV : P.external_data()) {
    try {
      if (KV.key() == "location")
        Location = KV.value();
      else if (KV.key() == "offset")
        Offset = std::stoll(KV.value());
      else if (KV.key() == "length")
        Length = std::stoll(KV.value());
    } catch (...) {
      return makeError("bad external_data entry '", KV.key(), "'");
    }
  }
  if (Location.empty() || Offset < 0)
    return makeError("external data without a valid location");
  // As ONNX's checker: the file must lie under the model's folder.
  std::filesystem::path Loc(Location);
  if (Loc.is_absolute() || std::find(Loc.begin(), Loc.end(), "..") != Loc.end())
    return makeError("external data location '", Location, "' is outside the model's folder");
  std::string Path = BaseDir.empty() ? Location : BaseDir + "/" + Location;
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError("cannot open external data file '", Path, "'");
  In.seekg(0, std::ios::end);
  int64_t Size = static_cast<int64_t>(In.tellg());
  if (Length < 0)
    Length = Size - Offset;
  if (Size < 0 || Offset > Size || Length > Size - Offset)
    return makeError("external data range outside '", Path, "'");
  NPU_TRY(Limit.check(Length, 1, "external data in '" + Path + "'"));
  std::string Data(static_cast<size_t>(Length), '\0');
  In.seekg(Offset);
  In.read(Data.data(), Length);
  return Data;
}

/// The typed field that holds E's values (the one copied value by value below) and how many it holds.
std::pair<const char *, int64_t> typedField(const onnx::TensorProto &P, ElemType E) {
  switch (E) {
  case ElemType::Float32:
    return {"float_data", P.float_data_size()};
  case ElemType::Float64:
    return {"double_data", P.double_data_size()};
  case ElemType::Int64:
    return {"int64_data", P.int64_data_size()};
  case ElemType::UInt32:
  case ElemType::UInt64:
    return {"uint64_data", P.uint64_data_size()};
  default:
    return {"int32_data", P.int32_data_size()};
  }
}

/// A value of int32_data outside the element type it stands for is a malformed file, not a value to wrap.
Status int32DataFits(const onnx::TensorProto &P, ElemType E) {
  int64_t Lo = INT32_MIN, Hi = INT32_MAX;
  if (E == ElemType::Int8)
    Lo = -128, Hi = 127;
  else if (E == ElemType::UInt8)
    Lo = 0, Hi = 255;
  else if (E == ElemType::Int16)
    Lo = -32768, Hi = 32767;
  else if (E == ElemType::UInt16 || E == ElemType::Float16 || E == ElemType::BFloat16)
    Lo = 0, Hi = 65535;
  for (int I = 0; I < P.int32_data_size(); ++I)
    if (P.int32_data(I) < Lo || P.int32_data(I) > Hi)
      return makeError("int32_data[", I, "] = ", P.int32_data(I), " does not fit ", onnxDataTypeName(P.data_type()));
  return Status::ok();
}

} // namespace

Expected<ir::Tensor> tensorFromProto(const onnx::TensorProto &P, const std::string &BaseDir, const MemoryLimit &Limit) {
  if (!P.has_data_type() || P.data_type() == onnx::TensorProto::UNDEFINED)
    return makeError("not an ONNX TensorProto: no data type");
  for (int I = 0; I < P.dims_size(); ++I)
    if (P.dims(I) < 0)
      return makeError("dims[", I, "] is negative (", P.dims(I), ")");
  auto ET = elemTypeFromOnnx(P.data_type());
  if (!ET)
    return ET.error();
  if (P.has_segment())
    return makeError("unsupported: segmented tensor");
  ir::Shape Dims(P.dims().begin(), P.dims().end());
  int64_t N = ir::shapeNumElements(Dims);
  size_t ES = ir::elemTypeSize(*ET);
  if (N < 0)
    return makeError("invalid or too large dims ", ir::formatShape(Dims));
  NPU_TRY(Limit.check(N, ES, ir::formatType(ir::TensorType(*ET, Dims))));
  std::string External;
  const std::string *Raw = P.has_raw_data() ? &P.raw_data() : nullptr;
  if (P.data_location() == onnx::TensorProto::EXTERNAL) {
    auto E = readExternal(P, BaseDir, Limit);
    if (!E)
      return E.error();
    External = std::move(*E);
    Raw = &External;
  }
  // The data must hold what the dims claim before the tensor is allocated (a 1 KB file claiming 10 GB).
  if (Raw && Raw->size() != uint64_t(N) * ES)
    return makeError("raw data has ", Raw->size(), " bytes, ", ir::formatType(ir::TensorType(*ET, Dims)), " needs ",
                     uint64_t(N) * ES);
  if (auto [Field, Count] = typedField(P, *ET); !Raw && Count != N)
    return makeError(Field, " has ", Count, " values, the dims need ", N);
  else if (Raw && Count)
    return makeError("holds both raw_data and ", Field);
  ir::Tensor T(*ET, Dims);
  if (Raw) {
    if (Raw->size() != T.byteSize())
      return makeError("raw data has ", Raw->size(), " bytes, ", ir::formatType(T.type()), " needs ",
                       T.byteSize());
    if (!Raw->empty())
      std::memcpy(T.bytes(), Raw->data(), Raw->size());
    if (*ET == ElemType::Bool)
      for (int64_t I = 0; I < N; ++I)
        T.bytes()[I] = T.bytes()[I] != 0;
    return T;
  }
  Status S;
  switch (*ET) {
  case ElemType::Float32:
    S = copyField(P.float_data(), N, "float_data", [&](int64_t I, float V) { T.data<float>()[I] = V; });
    break;
  case ElemType::Float64:
    S = copyField(P.double_data(), N, "double_data", [&](int64_t I, double V) { T.data<double>()[I] = V; });
    break;
  case ElemType::Int64:
    S = copyField(P.int64_data(), N, "int64_data", [&](int64_t I, int64_t V) { T.data<int64_t>()[I] = V; });
    break;
  case ElemType::UInt32:
  case ElemType::UInt64:
    S = copyField(P.uint64_data(), N, "uint64_data", [&](int64_t I, uint64_t V) {
      if (*ET == ElemType::UInt32)
        T.data<uint32_t>()[I] = static_cast<uint32_t>(V);
      else
        T.data<uint64_t>()[I] = V;
    });
    break;
  default: // int32_data holds the narrower integer types, bool and the 16-bit float bit patterns
    NPU_TRY(int32DataFits(P, *ET));
    S = copyField(P.int32_data(), N, "int32_data", [&](int64_t I, int32_t V) {
      switch (*ET) {
      case ElemType::Bool:
        T.data<bool>()[I] = V != 0;
        break;
      case ElemType::Float16:
      case ElemType::BFloat16:
      case ElemType::UInt16:
        T.data<uint16_t>()[I] = static_cast<uint16_t>(V);
        break;
      case ElemType::Int16:
        T.data<int16_t>()[I] = static_cast<int16_t>(V);
        break;
      case ElemType::Int8:
        T.data<int8_t>()[I] = static_cast<int8_t>(V);
        break;
      case ElemType::UInt8:
        T.data<uint8_t>()[I] = static_cast<uint8_t>(V);
        break;
      default:
        T.data<int32_t>()[I] = V;
      }
    });
  }
  if (!S)
    return S.error();
  return T;
}

Expected<NamedTensor> parseTensorProto(const std::string &Bytes, const std::string &SourceName,
                                       const MemoryLimit &Limit) {
  onnx::TensorProto P;
  if (!P.ParseFromString(Bytes))
    return makeError(SourceName, ": not a TensorProto (protobuf parse failed)");
  if (P.data_location() == onnx::TensorProto::EXTERNAL || P.external_data_size())
    return makeError(SourceName, ": tensors with external data are not supported here");
  auto T = tensorFromProto(P, "", Limit);
  if (!T)
    return T.error().withContext(SourceName);
  return NamedTensor{P.name(), T.takeValue()};
}

Expected<NamedTensor> readTensorProtoFile(const std::string &Path, const MemoryLimit &Limit) {
  std::error_code Ec;
  if (std::filesystem::is_directory(Path, Ec))
    return makeError(Path, ": is a directory, not a TensorProto file");
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open");
  std::stringstream SS;
  SS << In.rdbuf();
  if (In.bad())
    return makeError(Path, ": read error");
  onnx::TensorProto P;
  if (!P.ParseFromString(SS.str()))
    return makeError(Path, ": not a TensorProto (protobuf parse failed)");
  std::string Dir = Path.substr(0, Path.find_last_of('/') == std::string::npos ? 0 : Path.find_last_of('/'));
  auto T = tensorFromProto(P, Dir, Limit);
  if (!T)
    return T.error().withContext(Path);
  return NamedTensor{P.name(), T.takeValue()};
}

Expected<std::string> serializeTensorProto(const std::string &Name, const ir::Tensor &T) {
  onnx::TensorProto P;
  P.set_name(Name);
  P.set_data_type(elemTypeToOnnx(T.elemType()));
  for (int64_t D : T.shape())
    P.add_dims(D);
  P.set_raw_data(std::string(reinterpret_cast<const char *>(T.bytes()), T.byteSize()));
  std::string Out;
  if (!P.SerializeToString(&Out))
    return makeError("tensor '", Name, "': protobuf serialization failed");
  return Out;
}

Status writeTensorProtoFile(const std::string &Path, const std::string &Name, const ir::Tensor &T) {
  NPU_ASSIGN(std::string Bytes, serializeTensorProto(Name, T));
  std::ofstream Out(Path, std::ios::binary | std::ios::trunc);
  if (!Out)
    return makeError(Path, ": cannot create the tensor file");
  Out.write(Bytes.data(), std::streamsize(Bytes.size()));
  Out.close();
  if (!Out)
    return makeError(Path, ": write error");
  return Status::ok();
}

} // namespace npu::frontend
