// ONNX TensorProto <-> IR tensor: data types, raw and typed data fields, external data, .pb files.
#include "OnnxTensor.h"
#include "npu/compiler/frontend/TensorProto.h"

#include <algorithm>
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

} // namespace

Expected<ir::Tensor> tensorFromProto(const onnx::TensorProto &P, const std::string &BaseDir, const MemoryLimit &Limit) {
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

Expected<NamedTensor> readTensorProtoFile(const std::string &Path, const MemoryLimit &Limit) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    return makeError(Path, ": cannot open");
  std::stringstream SS;
  SS << In.rdbuf();
  std::string Bytes = SS.str();
  onnx::TensorProto P;
  if (!P.ParseFromString(Bytes))
    return makeError(Path, ": not a TensorProto (protobuf parse failed)");
  std::string Dir = Path.substr(0, Path.find_last_of('/') == std::string::npos ? 0 : Path.find_last_of('/'));
  auto T = tensorFromProto(P, Dir, Limit);
  if (!T)
    return T.error().withContext(Path);
  return NamedTensor{P.name(), T.takeValue()};
}

Status writeTensorProtoFile(const std::string &Path, const std::string &Name, const ir::Tensor &T) {
  onnx::TensorProto P;
  P.set_name(Name);
  P.set_data_type(elemTypeToOnnx(T.elemType()));
  for (int64_t D : T.shape())
    P.add_dims(D);
  P.set_raw_data(std::string(reinterpret_cast<const char *>(T.bytes()), T.byteSize()));
  std::ofstream Out(Path, std::ios::binary);
  if (!Out || !P.SerializeToOstream(&Out))
    return makeError(Path, ": cannot write");
  return Status::ok();
}

} // namespace npu::frontend
