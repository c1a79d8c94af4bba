// Tensor element types, shapes and element access.
#include "npu/runtime/Tensor.h"
#include "npu/compiler/ir/Compare.h"

#include <bit>

static_assert(std::endian::native == std::endian::little,
              "tensor data is stored little-endian and accessed with memcpy");

namespace npu::runtime {

const char *elemTypeName(ElemType T) {
  switch (T) {
  case ElemType::Int8:
    return "int8";
  case ElemType::UInt8:
    return "uint8";
  case ElemType::Int16:
    return "int16";
  case ElemType::Int32:
    return "int32";
  case ElemType::Int64:
    return "int64";
  case ElemType::Float32:
    return "float32";
  }
  return "?";
}

unsigned elemTypeBytes(ElemType T) {
  switch (T) {
  case ElemType::Int8:
  case ElemType::UInt8:
    return 1;
  case ElemType::Int16:
    return 2;
  case ElemType::Int32:
  case ElemType::Float32:
    return 4;
  case ElemType::Int64:
    return 8;
  }
  return 0;
}

bool isFloatType(ElemType T) { return T == ElemType::Float32; }

Expected<ElemType> parseElemType(std::string_view Name) {
  for (ElemType T : {ElemType::Int8, ElemType::UInt8, ElemType::Int16, ElemType::Int32, ElemType::Int64,
                     ElemType::Float32})
    if (Name == elemTypeName(T))
      return T;
  return makeError("unknown tensor element type '", Name,
                   "' (expected int8, uint8, int16, int32, int64 or float32)");
}

std::string formatShape(const std::vector<int64_t> &Shape) {
  std::string S = "[";
  for (size_t I = 0; I < Shape.size(); ++I) {
    if (I)
      S += ',';
    S += std::to_string(Shape[I]);
  }
  return S + "]";
}

uint64_t shapeElementCount(const std::vector<int64_t> &Shape) {
  uint64_t N = 1;
  for (int64_t D : Shape)
    N *= uint64_t(D);
  return N;
}

bool sameShapeIgnoringLeadingOnes(const std::vector<int64_t> &A, const std::vector<int64_t> &B) {
  return ir::sameShapeIgnoringLeadingOnes(A, B);
}

std::string Tensor::describe() const { return Name + " " + elemTypeName(Type) + " " + formatShape(Shape); }

template <typename T> static T load(const std::vector<uint8_t> &Data, uint64_t I) {
  T V;
  assert((I + 1) * sizeof(T) <= Data.size() && "element index out of range");
  std::memcpy(&V, Data.data() + I * sizeof(T), sizeof(T));
  return V;
}

int64_t Tensor::intAt(uint64_t I) const {
  switch (Type) {
  case ElemType::Int8:
    return load<int8_t>(Data, I);
  case ElemType::UInt8:
    return load<uint8_t>(Data, I);
  case ElemType::Int16:
    return load<int16_t>(Data, I);
  case ElemType::Int32:
    return load<int32_t>(Data, I);
  case ElemType::Int64:
    return load<int64_t>(Data, I);
  case ElemType::Float32: {
    // Truncation toward zero, saturated: converting NaN or an out-of-range float would be undefined.
    float F = load<float>(Data, I);
    if (!(F == F))
      return 0;
    if (F >= 9.2e18f)
      return INT64_MAX;
    if (F <= -9.2e18f)
      return INT64_MIN;
    return int64_t(F);
  }
  }
  return 0;
}

double Tensor::realAt(uint64_t I) const {
  if (Type == ElemType::Float32)
    return load<float>(Data, I);
  return double(intAt(I));
}

} // namespace npu::runtime
